/**
 * The gateway's Hono app (everything but /models/*, which model-proxy.ts serves at the socket
 * level): liveness and readiness, the management API behind the audit trail and the role guard
 * (gateway/auth/), and one error handler.
 * Typed errors answer with their own JSON and status; anything else is logged and becomes a
 * plain 500 that leaks nothing (hono's errorHandler).
 */
import { Hono } from 'hono'
import type { Deployer } from '../deployer/index.js'
import { isFerryError } from '../packager/ferry-error.js'
import { createApiRoutes } from './api-routes.js'
import { createAuditMiddleware, createAuthMiddleware, createAuthRoutes, type AuditTrail, type AuthEnv, type SessionStore, type TokenStore } from './auth/index.js'
import { createConsoleRoutes } from './console-routes.js'
import { createDocsRoutes } from './docs-routes.js'
import { createGatewayError, GATEWAY_ERRORS } from './errors.js'
import { PROMETHEUS_CONTENT_TYPE } from './metrics.js'
import type { Observability } from './observability.js'
import type { RequestHistory } from './request-history.js'
import type { RunStore } from './run-store.js'
import { createRunsRoutes } from './runs-routes.js'
import type { TrackingTokens } from './tracking-token.js'

export interface GatewayAppOptions {
  deployer: Deployer
  token: string
  maxUploadBytes: number
  observability: Observability
  /** Tracked runs and prediction history, and the tokens instances record runs with. */
  tracking: { runs: RunStore; requests: RequestHistory; tokens: TrackingTokens }
  /** Named tokens, console sessions and the audit trail (gateway/auth/). */
  auth: { tokens: TokenStore; audit: AuditTrail; sessions: SessionStore }
  /** Whether the server runs TLS (the session cookie is then Secure). */
  secure?: boolean
  /** Logs an unexpected error (default: console.error). */
  logError?: (error: unknown) => void
}

/**
 * Builds the app; test it with `app.request()`.
 * @example
 * const app = createGatewayApp({ deployer, token, maxUploadBytes: 1 << 30, observability, tracking, auth })
 * const res = await app.request('/health')
 */
export function createGatewayApp(options: GatewayAppOptions): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>()
  const logError = options.logError ?? ((error: unknown) => console.error(error))

  app.onError((error, c) => {
    if (isFerryError(error)) {
      const { hint: _hint, ...body } = error.toJSON().error
      return c.json({ error: { ...body, hint: error.hint } }, error.status as 400)
    }
    logError(error)
    return c.json({ error: { code: 'E_INTERNAL', message: 'internal error', hint: GATEWAY_ERRORS.E_INTERNAL.hint } }, 500)
  })
  app.notFound((c) => {
    const error = createGatewayError('E_ROUTE_NOT_FOUND', `no route ${c.req.method} ${c.req.path}`)
    return c.json(error.toJSON(), 404)
  })

  app.get('/health', (c) => c.json({ status: 'ok' }))
  app.get('/ready', (c) => c.json({ status: 'ready', instances: options.deployer.list().length }))
  app.get('/metrics', (c) => c.body(options.observability.metrics.render(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE }))
  app.get('/openapi.json', async (c) => c.json(await options.observability.openApi()))
  app.route('/', createDocsRoutes())
  app.route('/', createConsoleRoutes())

  // The audit middleware wraps the guard, so the guard's refusals are recorded too.
  app.use('/api/*', createAuditMiddleware(options.auth.audit, logError))
  const authParts = { adminToken: options.token, tokens: options.auth.tokens, tracking: options.tracking.tokens, sessions: options.auth.sessions, secure: options.secure ?? false }
  app.use('/api/*', createAuthMiddleware(authParts))
  app.route('/api', createAuthRoutes(authParts, options.auth.audit))
  app.route('/api', createApiRoutes(options.deployer, options.maxUploadBytes))
  app.route('/api', createRunsRoutes(options.tracking.runs, options.tracking.requests))
  return app
}
