/**
 * The gateway's Hono app (everything but /models/*, which proxy/model-proxy.ts serves at the socket
 * level): liveness and readiness, the management API behind the audit trail and the role guard
 * (gateway/auth/), and one error handler.
 * Typed errors answer with their own JSON and status; anything else is logged and becomes a
 * plain 500 that leaks nothing (hono's errorHandler).
 */
import { Hono, type Context } from 'hono'
import { toEnvironmentError, type Deployer } from '../deployer/index.js'
import { isFerryError, type FerryError } from '../packager/ferry-error.js'
import { createApiRoutes } from './api-routes.js'
import { createRoutingRoutes, type RoutingView } from './routing/routing-routes.js'
import { createAuditMiddleware, createAuthMiddleware, createAuthRoutes, createStreamCutoff, type AuditTrail, type AuthEnv, type SessionStore, type TokenStore } from './auth/index.js'
import { createConsoleRoutes } from './console-routes.js'
import { createDocsRoutes } from './docs-routes.js'
import { createGatewayError, GATEWAY_ERRORS } from './errors.js'
import { assertWellEncoded } from './_url-encoding.js'
import { PROMETHEUS_CONTENT_TYPE } from './metrics.js'
import type { Observability } from './observability.js'
import type { RequestHistory } from './request-history.js'
import type { RunStore } from './run-store.js'
import type { StepReport } from './pipelines/step-report.js'
import { createRunsRoutes } from './runs-routes.js'
import { createCaptureRoutes } from './capture/capture-routes.js'
import type { CaptureStore } from './capture/capture-store.js'
import type { TrackingTokens } from './tracking-token.js'
import { createTrustRoutes } from './trust/trust-routes.js'
import type { SigningPolicy } from './trust/upload-signature.js'

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
  /** The Gradio and Open Inference Protocol routes (gateway/protocols/), when served. */
  protocols?: { routes: Hono }
  /** The trusted keys and whether uploads must be signed (gateway/trust/). */
  signing: SigningPolicy
  /** Batch jobs' routes (gateway/jobs/), when served. */
  jobs?: { routes: Hono<AuthEnv> }
  /** The time series' routes (gateway/timeseries/), when served. */
  timeseries?: { routes: Hono }
  /** The routing table and the data plane serving it (GET /api/routing). */
  routing?: RoutingView
  /** Body capture's settings and kept bodies (gateway/capture/), when served. */
  capture?: CaptureStore
  /** Aborts when the server starts to close: the console's event streams end then. */
  closing?: AbortSignal
  /** A pipeline version's steps report (GET /api/instances/:ref/steps), when pipelines are served. */
  pipelines?: { steps(name: string, version: string): StepReport | undefined }
}

const ABORT_CODES = new Set(['ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE', 'ABORT_ERR', 'UND_ERR_ABORTED'])

/** True when `error` is the client leaving mid-request rather than a fault of the server. */
function isClientAbort(error: unknown, c: Context): boolean {
  const code = (error as { code?: unknown }).code
  return c.req.raw.signal.aborted || (typeof code === 'string' && ABORT_CODES.has(code)) || (error as Error).message === 'aborted'
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

  const answer = (c: Context, error: FerryError) => {
    const { hint: _hint, ...body } = error.toJSON().error
    return c.json({ error: { ...body, hint: error.hint } }, error.status as 400)
  }
  app.onError((error, c) => {
    if (isFerryError(error)) return answer(c, error)
    if (isClientAbort(error, c)) {
      // The client went away mid-body (e.g. an upload cancelled): one line, not a stack; nobody reads the answer.
      logError(`${c.req.method} ${c.req.path}: the client closed the connection before the request was read (${(error as { code?: string }).code ?? (error as Error).message})`)
      return c.body(null, 400)
    }
    const environment = toEnvironmentError(error)
    if (environment) {
      logError(`${c.req.method} ${c.req.path}: ${environment.code} ${environment.message}`)
      return answer(c, environment)
    }
    logError(error)
    return c.json({ error: { code: 'E_INTERNAL', message: 'internal error', hint: GATEWAY_ERRORS.E_INTERNAL.hint } }, 500)
  })
  app.notFound((c) => {
    const error = createGatewayError('E_ROUTE_NOT_FOUND', `no route ${c.req.method} ${c.req.path}`)
    return c.json(error.toJSON(), 404)
  })

  app.use('*', async (c, next) => {
    assertWellEncoded(c.req.url)
    await next()
  })
  app.get('/health', (c) => c.json({ status: 'ok' }))
  app.get('/ready', (c) => {
    const { requested, mode, warning, ownUser } = options.deployer.sandbox
    return c.json({ status: 'ready', instances: options.deployer.list().length, sandbox: { requested, mode, warning, ownUser } })
  })
  app.get('/metrics', (c) => c.body(options.observability.metrics.render(), 200, { 'content-type': PROMETHEUS_CONTENT_TYPE }))
  app.get('/openapi.json', async (c) => c.body(await options.observability.openApiJson(), 200, { 'content-type': 'application/json' }))
  app.route('/', createDocsRoutes(() => options.observability.openApi()))
  app.route('/', createConsoleRoutes())

  // The audit middleware wraps the guard, so the guard's refusals are recorded too.
  app.use('/api/*', createAuditMiddleware(options.auth.audit, logError))
  const authParts = { adminToken: options.token, tokens: options.auth.tokens, tracking: options.tracking.tokens, sessions: options.auth.sessions, secure: options.secure ?? false }
  app.use('/api/*', createAuthMiddleware(authParts))
  app.use('/api/*', createStreamCutoff(authParts, options.closing))
  app.route('/api', createAuthRoutes(authParts, options.auth.audit))
  app.route('/api', createApiRoutes(options.deployer, options.maxUploadBytes, options.signing, { inferenceTokens: (model) => options.auth.tokens.inferenceTokenNames(model), ...(options.pipelines ? { pipelineSteps: options.pipelines.steps } : {}) }))
  app.route('/api', createTrustRoutes(options.signing))
  app.route('/api', createRunsRoutes(options.tracking.runs, options.tracking.requests, options.capture && ((ids) => options.capture!.captured(ids))))
  if (options.capture) app.route('/api', createCaptureRoutes(options.capture, options.deployer))
  if (options.jobs) app.route('/api', options.jobs.routes)
  if (options.routing) app.route('/api', createRoutingRoutes(options.routing))
  if (options.timeseries) app.route('/api', options.timeseries.routes)
  if (options.protocols) app.route('/', options.protocols.routes)
  return app
}
