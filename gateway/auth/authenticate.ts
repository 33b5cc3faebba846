/**
 * The /api guard: who is calling (a Bearer token: the bootstrap admin token, a named token or an
 * instance's tracking token; else the console's session cookie, with its CSRF checks), then
 * whether their role may do this (roles.ts). Refusals are typed errors: 401 E_UNAUTHORIZED,
 * 403 E_ROLE_FORBIDDEN, 403 E_CSRF, 403 E_FORBIDDEN (a tracking token outside its runs).
 */
import type { Context, MiddlewareHandler } from 'hono'
import { getCookie } from 'hono/cookie'
import { isAuthorized } from '../admin-token.js'
import { createGatewayError } from '../errors.js'
import type { TrackingScope, TrackingTokens } from '../tracking-token.js'
import { requiredRole, roleAllows } from './roles.js'
import { csrfMatches, SESSION_COOKIE, CSRF_HEADER, type Session, type SessionStore } from './session.js'
import type { Principal, TokenStore } from './token-store.js'

export type AuthEnv = {
  Variables: {
    trackingScope: TrackingScope | undefined
    principal: Principal | undefined
    session: Session | undefined
    /** What the audit trail names as the action's target, when the route knows better than its parameters. */
    auditTarget: string | undefined
    requestId: string
  }
}

export interface AuthParts {
  adminToken: string
  tokens: TokenStore
  tracking: TrackingTokens
  sessions: SessionStore
  /** Whether the server runs TLS (the session cookie is then Secure, origins are https). */
  secure: boolean
}

const RUN_WRITES = /^(POST \/api\/runs|PATCH \/api\/runs\/[^/]+|PUT \/api\/runs\/[^/]+\/artifacts\/[^/]+)$/
const SAFE = new Set(['GET', 'HEAD'])
export const BOOTSTRAP: Principal = Object.freeze({ name: 'admin', role: 'admin', tokenId: 'bootstrap' })

/** The principal of a Bearer secret (bootstrap or named token), else undefined. */
export function principalOfSecret(parts: AuthParts, secret: string): Principal | undefined {
  if (isAuthorized(`Bearer ${secret}`, parts.adminToken)) return BOOTSTRAP
  const named = parts.tokens.find(secret)
  return named ? { name: named.name, role: named.role, tokenId: named.id } : undefined
}

/**
 * True when a browser says the request comes from another origin: Sec-Fetch-Site when sent
 * (`none` is a typed URL or bookmark, fine for reads), else Origin against our own.
 */
export function isCrossOrigin(c: Context, secure: boolean): boolean {
  const site = c.req.header('sec-fetch-site')
  if (site !== undefined) return !(site === 'same-origin' || (site === 'none' && SAFE.has(c.req.method)))
  const origin = c.req.header('origin')
  return origin !== undefined && origin !== `${secure ? 'https' : 'http'}://${c.req.header('host') ?? ''}`
}

function unauthorized(c: Context, message: string): never {
  c.header('WWW-Authenticate', 'Bearer realm="ferry"')
  throw createGatewayError('E_UNAUTHORIZED', message)
}

/** The session of a request's cookie, checked against CSRF; undefined when there is none. */
function readSession(c: Context<AuthEnv>, parts: AuthParts): Session | undefined {
  const session = parts.sessions.find(getCookie(c, SESSION_COOKIE))
  if (!session) return undefined
  if (session.principal.tokenId !== 'bootstrap' && !parts.tokens.isActive(session.principal.tokenId)) return undefined
  if (isCrossOrigin(c, parts.secure)) throw createGatewayError('E_CSRF', 'a session request from another origin is refused', { details: { secFetchSite: c.req.header('sec-fetch-site') ?? null, origin: c.req.header('origin') ?? null } })
  if (!SAFE.has(c.req.method) && !csrfMatches(session, c.req.header(CSRF_HEADER))) throw createGatewayError('E_CSRF', `a write with the session cookie needs the session's ${CSRF_HEADER} header`, { details: { header: CSRF_HEADER } })
  return session
}

/** Middleware for /api/*. */
export function createAuthMiddleware(parts: AuthParts): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const method = c.req.method
    const required = requiredRole(method, c.req.path)
    const header = c.req.header('authorization')
    c.set('trackingScope', undefined)
    let principal: Principal | undefined
    if (header !== undefined) {
      const secret = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1]
      principal = secret ? principalOfSecret(parts, secret) : undefined
      if (!principal) {
        const scope = parts.tracking.verify(header)
        if (scope) {
          c.set('principal', { name: `tracking:${scope.model}@${scope.version}`, role: 'tracking', tokenId: 'tracking' })
          // An instance's tracking token records its own runs, and does nothing else.
          if (!RUN_WRITES.test(`${method} ${c.req.path}`)) throw createGatewayError('E_FORBIDDEN', 'a tracking token may only record runs (POST /api/runs, PATCH /api/runs/:id, PUT /api/runs/:id/artifacts/:name)')
          c.set('trackingScope', scope)
          return next()
        }
        if (required !== 'public') unauthorized(c, 'a valid token is required')
      }
    } else if (!(method === 'POST' && required === 'public')) {
      // Signing in (POST /api/session) ignores any old cookie: it carries its token in the body.
      const session = readSession(c, parts)
      c.set('session', session)
      principal = session?.principal
    }
    c.set('principal', principal)
    if (required === 'public') return next()
    if (!principal) unauthorized(c, 'a valid token (Authorization: Bearer …) or a console session is required')
    if (principal.role === 'tracking' || !roleAllows(principal.role, required)) {
      throw createGatewayError('E_ROLE_FORBIDDEN', `${method} ${c.req.path} needs the ${required} role; the token "${principal.name}" is ${principal.role}`, { details: { role: principal.role, required } })
    }
    return next()
  }
}
