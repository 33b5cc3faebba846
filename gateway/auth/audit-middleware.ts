/**
 * Records /api requests in the audit trail once answered: every non-GET/HEAD (the management
 * actions) and every refusal (401/403, any method). Mounted before the guard, so it sees the
 * guard's refusals too. Runs recorded by instances with their tracking tokens are inference
 * bookkeeping, not management, and are left out unless refused; so is GET /api/session (the
 * console asking whether it is signed in).
 */
import type { MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import { isFerryError } from '../../packager/ferry-error.js'
import type { AuditTrail } from './audit-trail.js'
import type { AuthEnv } from './authenticate.js'
import { newRequestId } from '../_request-id.js'

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** The route's parameters in the request's path, e.g. `/api/instances/:ref/stop` → `echo@1.0.0`. */
export function targetOf(pattern: string, path: string): string | null {
  const names = pattern.split('/')
  const values = path.split('/')
  const found: string[] = []
  names.forEach((name, i) => {
    if (name.startsWith(':') && values[i] !== undefined) {
      try { found.push(decodeURIComponent(values[i]!)) } catch { found.push(values[i]!) }
    } else if (name === '*') found.push(values.slice(i).join('/'))
  })
  return found.length ? found.join(' ') : null
}

/**
 * What a successful write answered it made or changed, for routes without parameters: an upload's
 * `name@version` and digest, a deployment's `ref`.
 */
async function targetOfAnswer(response: Response): Promise<string | null> {
  if (!/json/.test(response.headers.get('content-type') ?? '') || Number(response.headers.get('content-length') ?? 0) > 65_536) return null
  try {
    const body = (await response.clone().json()) as Record<string, unknown>
    const text = (key: string) => (typeof body[key] === 'string' ? body[key] as string : undefined)
    const named = text('name') && text('version') ? `${text('name')}@${text('version')}` : undefined
    return [text('ref') ?? named, text('digest')].filter(Boolean).join(' ') || null
  } catch {
    return null
  }
}

async function errorCodeOf(response: Response): Promise<string | null> {
  if (!/json/.test(response.headers.get('content-type') ?? '')) return null
  try {
    const body = (await response.clone().json()) as { error?: { code?: unknown } }
    return typeof body.error?.code === 'string' ? body.error.code : null
  } catch {
    return null
  }
}

/** Middleware for /api/*; `logError` gets a failed write (the answer is sent regardless). */
export function createAuditMiddleware(trail: AuditTrail, logError: (error: unknown) => void): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const given = c.req.header('x-request-id')
    const requestId = given !== undefined && SANE_REQUEST_ID.test(given) ? given : newRequestId()
    c.set('requestId', requestId)
    c.header('x-request-id', requestId)
    await next()
    const status = c.res.status
    const refused = status === 401 || status === 403
    const safe = c.req.method === 'GET' || c.req.method === 'HEAD'
    if (!refused && safe) return
    // "Am I signed in?" from a console that is not is a question, not a refused action.
    if (safe && c.req.path === '/api/session') return
    const principal = c.get('principal')
    if (!refused && principal?.role === 'tracking') return
    const last = matchedRoutes(c).at(-1)
    const route = last && last.method !== 'ALL' ? last.path : c.req.path
    const code = c.error && isFerryError(c.error) ? c.error.code : status >= 400 ? await errorCodeOf(c.res) : null
    const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming
    try {
      trail.append({
        time: new Date().toISOString(),
        token: principal?.name ?? null,
        role: principal?.role ?? null,
        method: c.req.method,
        route,
        path: c.req.path,
        target: c.get('auditTarget') ?? targetOf(route, c.req.path) ?? (status < 300 ? await targetOfAnswer(c.res) : null),
        status,
        code,
        requestId,
        client: incoming?.socket?.remoteAddress ?? null,
      })
    } catch (error) {
      logError(error)
    }
  }
}
