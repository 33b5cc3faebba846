/**
 * The routes of this folder, mounted at /api: sign-in and sign-out of the console
 * (/api/session), named tokens (/api/tokens, admin) and the audit trail (/api/audit, admin).
 */
import { Hono, type Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { readJsonBody } from '../_json-body.js'
import { queryInteger, queryString, queryTime } from '../_query.js'
import { createGatewayError } from '../errors.js'
import type { AuditTrail } from './audit-trail.js'
import { isCrossOrigin, principalOfSecret, type AuthEnv, type AuthParts } from './authenticate.js'
import { SESSION_COOKIE, SESSION_PATH, type Session } from './session.js'

const sessionBody = (s: Session) => ({ name: s.principal.name, role: s.principal.role, csrf: s.csrf, expiresAt: new Date(s.expiresAt).toISOString() })

const AUDIT_PARAMETERS = new Set(['since', 'until', 'token', 'action', 'outcome', 'before', 'limit'])

function queryError(parameter: string, message: string): never {
  throw createGatewayError('E_QUERY_INVALID', message, { details: { parameter } })
}

/** The audit query of a request, every parameter checked (unknown ones are refused). */
export function readAuditQuery(c: Context) {
  const query = c.req.query()
  for (const key of Object.keys(query)) if (!AUDIT_PARAMETERS.has(key)) queryError(key, `unknown parameter "${key}"; allowed: ${[...AUDIT_PARAMETERS].join(', ')}`)
  const outcome = query['outcome'] || undefined
  if (outcome !== undefined && !/^(ok|refused|failed|[1-5]\d\d)$/.test(outcome)) queryError('outcome', `outcome is ok, refused, failed or a status code, not "${outcome}"`)
  const action = query['action'] || undefined
  if (action !== undefined && !/^[A-Za-z]+( \/api(\/\S*)?)?$/.test(action)) queryError('action', `action is a method, optionally with its route (e.g. "POST /api/tokens"), not "${action}"`)
  return {
    since: queryTime(c, 'since')?.toISOString(),
    until: queryTime(c, 'until')?.toISOString(),
    token: queryString(c, 'token'),
    action,
    outcome,
    before: queryInteger(c, 'before', { min: 1, max: Number.MAX_SAFE_INTEGER }),
    limit: queryInteger(c, 'limit', { min: 1, max: 1000, fallback: 100 }),
  }
}

/** Mounted at /api, behind the guard (authenticate.ts) and the audit middleware. */
export function createAuthRoutes(parts: AuthParts, trail: AuditTrail): Hono<AuthEnv> {
  const api = new Hono<AuthEnv>()

  api.post('/session', async (c) => {
    if (isCrossOrigin(c, parts.secure)) throw createGatewayError('E_CSRF', 'signing in from another origin is refused')
    const body = await readJsonBody(c, { token: { type: 'string', required: true }, remember: { type: 'boolean' } })
    const principal = principalOfSecret(parts, (body['token'] as string).trim())
    if (!principal) {
      c.header('WWW-Authenticate', 'Bearer realm="ferry"')
      throw createGatewayError('E_UNAUTHORIZED', 'that token was refused')
    }
    c.set('principal', principal)
    c.set('auditTarget', principal.name)
    if (principal.role === 'inference') throw createGatewayError('E_ROLE_FORBIDDEN', `the token "${principal.name}" is an inference token: it calls its model, it cannot sign in to the console`, { details: { role: principal.role, required: 'viewer' } })
    parts.sessions.close(getCookie(c, SESSION_COOKIE))
    const { id, session } = parts.sessions.open(principal)
    setCookie(c, SESSION_COOKIE, id, {
      path: SESSION_PATH, httpOnly: true, sameSite: 'Strict', secure: parts.secure,
      // Without "remember", a browser session cookie: gone when the browser closes.
      ...(body['remember'] === true ? { maxAge: Math.floor(parts.sessions.ttlMs / 1000) } : {}),
    })
    return c.json(sessionBody(session), 201)
  })
  api.get('/session', (c) => {
    const session = c.get('session')
    if (session) return c.json(sessionBody(session))
    const principal = c.get('principal')
    if (principal) return c.json({ name: principal.name, role: principal.role })
    c.header('WWW-Authenticate', 'Bearer realm="ferry"')
    throw createGatewayError('E_UNAUTHORIZED', 'not signed in')
  })
  api.delete('/session', (c) => {
    const session = c.get('session')
    if (session) c.set('auditTarget', session.principal.name)
    parts.sessions.close(getCookie(c, SESSION_COOKIE))
    deleteCookie(c, SESSION_COOKIE, { path: SESSION_PATH, httpOnly: true, sameSite: 'Strict', secure: parts.secure })
    return c.body(null, 204)
  })

  api.post('/tokens', async (c) => {
    const body = await readJsonBody(c, { name: { type: 'string', required: true }, role: { type: 'string', required: true }, model: { type: 'string' } })
    c.set('auditTarget', body['name'] as string)
    const { token, info } = parts.tokens.create({ name: body['name'] as string, role: body['role'] as string, model: body['model'] as string | undefined }, c.get('principal')?.name ?? null)
    return c.json({ ...info, token }, 201)
  })
  api.get('/tokens', (c) => c.json({ tokens: parts.tokens.list() }))
  api.delete('/tokens/:token', (c) => {
    const info = parts.tokens.revoke(c.req.param('token'))
    parts.sessions.closeForToken(info.id)
    c.set('auditTarget', info.name)
    return c.json(info)
  })

  api.get('/audit', (c) => c.json({ entries: trail.list(readAuditQuery(c)) }))
  return api
}
