/**
 * The inference proxy: `/models/<name>[@<version or alias>]/<path>` streamed to one ready replica
 * of that version, at the node:http level (the gateway's server calls it before Hono). Bodies
 * stream both ways without buffering (server-sent events included), replicas take turns, and every
 * failure is a JSON error with a stable code: 400 for a path that tries to leave the model, 404
 * for an unknown model or version, 503 when no replica is ready, 502 when the replica cannot be
 * reached, 504 when it is too slow.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Pool, type Dispatcher } from 'undici'
import type { Duplex } from 'node:stream'
import { performance } from 'node:perf_hooks'
import type { FerryError } from '../../packager/ferry-error.js'
import { createGatewayError } from '../errors.js'
import { buildUpstreamHeaders, pickRequestId, upstreamHeaderList } from './_headers.js'
import { ForwardHandler } from './_forward.js'
import { createPicker, errorBody, findTarget, type ProxyRole, type ProxyTarget } from './_target.js'
import { proxyUpgrade } from './_upgrade.js'
import { lingerIfBodyUnread } from './_linger.js'
import { requestBody } from './_request-body.js'
import { Capture, MAX_MIRROR_BYTES, sendMirror } from './_mirror.js'
import type { TrafficLedger } from './traffic-ledger.js'
import { BodySample } from '../capture/body-sample.js'

export type { ProxyRole } from './_target.js'

export interface ProxyRecord {
  model: string
  /** `null` when the request failed before a version was known. */
  version: string | null
  status: number
  durationMs: number
  /** Bytes of body received from the client and bytes of body sent to it. */
  requestBytes: number
  responseBytes: number
  requestId: string
  method: string
  path: string
  /** stable, or canary when a rollout's split chose its candidate (shadow: a mirrored copy, given to onMirror). */
  role: ProxyRole
  /** When it finished (epoch ms), for a record made later than that (nginx's log line, read back); absent: now. */
  endedAt?: number
}

type Endpoints = Array<{ replica: number; port: number }>

/** What resolve() answers: a version with its ready replicas and, for `latest` during a rollout, its split or mirror. */
export interface ProxyResolution {
  version: string
  ref: string
  endpoints: Endpoints
  split?: { version: string; ref: string; weight: number; sticky: boolean; endpoints: Endpoints } | undefined
  mirror?: { version: string; ref: string; percent: number; compare: string; endpoints: Endpoints } | undefined
}

export interface ModelProxyOptions {
  /** Which version answers `name@selector` and its ready replicas; throws FerryErrors (404) for unknown ones. */
  resolve(name: string, selector: string, req: IncomingMessage): ProxyResolution
  /** Where in-flight requests, ended requests and mirrored copies are counted (rollout checks and drains). */
  traffic?: TrafficLedger
  /** Called once per mirrored copy when it ends (its status is 0 when it got no answer). */
  onMirror?(record: ProxyRecord): void
  /** How long the replica may stay silent (before and while it answers); default 60000. */
  upstreamTimeoutMs?: number
  /** Called once per request, errors included, when the response is over. */
  onResponse?(record: ProxyRecord): void
  /** Body capture (gateway/capture/): the cap per body when `model`'s bodies are kept, else undefined. */
  captureLimit?(model: string): number | undefined
  /** Called with the kept bodies of a request whose model captures them, once its answer is complete. */
  onCapture?(record: ProxyRecord, bodies: CapturedBodies): void
}

/** What body capture keeps of one exchange: the first bytes of each body and their types. */
export interface CapturedBodies {
  request: { contentType: string | null; sample: BodySample }
  response: { contentType: string | null; sample: BodySample }
  status: number
}

export interface ModelProxy {
  /** Serves the request and returns true when its URL is under /models/; false (untouched) otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean
  /** Same for an HTTP upgrade (WebSocket): tunnels it to a replica. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean
  /** Drops pooled connections and open tunnels. */
  close(): void
}

/**
 * Every proxied answer runs sandboxed (CSP `sandbox`, no `allow-same-origin`): a model's HTML is
 * an opaque origin, so it cannot read the console's storage or cookies, and its requests to /api
 * are cross-origin (no SameSite=Strict cookie, no readable answer). Scripts, forms and popups
 * still work. The model's own policy, if any, is kept beside it (both apply).
 */
export const MODEL_SANDBOX_CSP = 'sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads'


/** A pool to a port unused this long is dropped when another port is first used. */
const IDLE_POOL_MS = 5 * 60_000
const RETRYABLE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Creates the proxy; one per gateway.
 * @example
 * const proxy = createModelProxy({ resolve: (name, selector) => deployer.resolveTarget(name, selector) })
 * createServer((req, res) => proxy.handle(req, res) || honoListener(req, res))
 *   .on('upgrade', (req, socket, head) => proxy.handleUpgrade(req, socket, head) || socket.destroy())
 */
export function createModelProxy(options: ModelProxyOptions): ModelProxy {
  const timeoutMs = options.upstreamTimeoutMs ?? 60_000
  // undici's Pool: in the proxy benchmark, about twice node:http's keep-alive Agent (README).
  const pools = new Map<number, { pool: Pool; usedAt: number }>()
  const pickPort = createPicker()
  const tunnels = new Set<Duplex>()
  /** Responses that are server-sent event streams (a drain gives them a grace period). */
  const streams = new WeakSet<ServerResponse>()

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const found = findTarget(req, options.resolve)
    if (!found) return false
    const started = performance.now()
    const requestId = pickRequestId(req.headers)
    const record: ProxyRecord = { model: found.ok ? found.target.path.name : found.model, version: found.ok ? found.target.version : null, status: 0, durationMs: 0, requestBytes: 0, responseBytes: 0, requestId, method: req.method ?? 'GET', path: req.url ?? '/', role: found.ok ? found.target.role : 'stable' }
    const ledger = found.ok ? options.traffic : undefined
    const counted = found.ok ? found.target.ref : ''
    ledger?.begin(counted)
    res.once('close', () => {
      record.status = res.headersSent ? res.statusCode : 499 // 499: the client left before an answer
      record.durationMs = performance.now() - started
      ledger?.end(counted, record.status < 500 && res.writableFinished, record.durationMs, streams.has(res))
      streams.delete(res)
      options.onResponse?.(record)
    })
    if (!found.ok) {
      if (found.ref) record.version = found.ref.slice(found.ref.lastIndexOf('@') + 1)
      sendError(res, found.error, { ...found.headers, 'x-request-id': requestId, ...(found.ref ? { 'x-ferry-version': found.ref } : {}) }, record)
      req.on('data', (chunk: Buffer) => { record.requestBytes += chunk.length }) // drain the body so the connection can be reused
      return true
    }
    forward(req, res, found.target, requestId, record, 0)
    return true
  }

  function poolFor(port: number): Pool {
    let entry = pools.get(port)
    if (!entry) {
      // Replicas get new ports when they restart: a new port is the moment to drop pools idle for long.
      const now = Date.now()
      for (const [stale, old] of pools) {
        if (now - old.usedAt > IDLE_POOL_MS) { void old.pool.destroy(); pools.delete(stale) }
      }
      entry = { pool: new Pool(`http://127.0.0.1:${port}`, { connections: 256, keepAliveTimeout: 60_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }), usedAt: now }
      pools.set(port, entry)
    }
    entry.usedAt = Date.now()
    return entry.pool
  }

  /**
   * `refusedPorts`: replicas that refused this request already. A bodyless request is retried on
   * another replica (never the same one, even when other requests took turns meanwhile) until
   * each has refused it once.
   */
  function forward(req: IncomingMessage, res: ServerResponse, target: ProxyTarget, requestId: string, record: ProxyRecord, attempt: number, refusedPorts: number[] = []): void {
    const picked = pickPort(target)
    const port = refusedPorts.includes(picked) ? target.ports.find((p) => !refusedPorts.includes(p)) ?? picked : picked
    const method = req.method ?? 'GET'
    const headers = req.headers
    const bodyless = RETRYABLE_METHODS.has(method) && headers['transfer-encoding'] === undefined && (headers['content-length'] ?? '0') === '0'
    const meta = { 'x-request-id': requestId, 'x-ferry-version': target.ref }
    // A copy for the shadow version needs both bodies; a body too large to keep is not mirrored.
    const mirror = target.mirror && options.traffic && attempt === 0 && Number(headers['content-length'] ?? 0) <= MAX_MIRROR_BYTES
      ? { request: new Capture(), response: new Capture(), status: 0 }
      : undefined
    const limit = attempt === 0 ? options.captureLimit?.(target.path.name) : undefined
    const captured = limit !== undefined ? { request: new BodySample(limit), response: new BodySample(limit) } : undefined
    const handler = new ForwardHandler(res, ['x-request-id', requestId, 'x-ferry-version', target.ref], MODEL_SANDBOX_CSP, record, {
      answered(statusCode, eventStream) {
        lingerIfBodyUnread(req, res)
        if (mirror) mirror.status = statusCode
        if (eventStream) {
          streams.add(res)
          options.traffic?.markStream(target.ref)
        }
      },
      completed() {
        if (mirror) sendCopy(req, target, requestId, record, mirror)
        if (captured) {
          options.onCapture?.(record, {
            request: { contentType: req.headers['content-type'] ?? null, sample: captured.request },
            response: { contentType: handler.contentType, sample: captured.response },
            status: res.statusCode,
          })
        }
      },
      failedLate(error) {
        // The replica died or went silent mid-answer: the client sees a cut response.
        if (error.code === 'UND_ERR_BODY_TIMEOUT') console.error(`model proxy: ${target.ref} on port ${port} stopped answering for ${timeoutMs} ms (request ${requestId})`)
        res.destroy()
      },
      failedEarly(error) {
        res.off('close', onClientClose)
        if (res.destroyed) return // the client left; nothing to answer
        if (res.headersSent) return void res.destroy()
        lingerIfBodyUnread(req, res)
        // A replica that died refuses new connections, or resets the one this request was on before
        // any answer; a bodyless GET/HEAD/OPTIONS is idempotent (RFC 9110 §9.2.2), so another replica may take it.
        const refused = error.code === 'ECONNREFUSED' || error.code === 'UND_ERR_SOCKET' || error.code === 'ECONNRESET'
        if (bodyless && refused && attempt + 1 < Math.max(2, target.ports.length)) return forward(req, res, target, requestId, record, attempt + 1, [...refusedPorts, port])
        if (error.code === 'UND_ERR_HEADERS_TIMEOUT' || error.code === 'UND_ERR_BODY_TIMEOUT') {
          console.error(`model proxy: ${target.ref} on port ${port} sent nothing for ${timeoutMs} ms (${method} ${target.path.upstreamPath}, request ${requestId})`)
          return sendError(res, createGatewayError('E_UPSTREAM_TIMEOUT', `${target.ref} did not answer within ${timeoutMs} ms`, { details: { timeoutMs } }), meta, record)
        }
        console.error(`model proxy: ${target.ref} on port ${port} unreachable (${method} ${target.path.upstreamPath}, request ${requestId}): ${error.code ?? ''} ${error.message}`)
        sendError(res, createGatewayError('E_UPSTREAM_UNREACHABLE', `${target.ref} could not be reached`, { details: { cause: error.code ?? 'error' } }), meta, record)
      },
    }, tee(mirror?.response, captured?.response))
    const onClientClose = () => { if (!res.writableFinished) handler.cancel() }
    res.once('close', onClientClose)
    poolFor(port).dispatch({
      method: method as Dispatcher.HttpMethod,
      path: target.path.upstreamPath,
      headers: upstreamHeaderList(req, { port, requestId, prefix: target.path.prefix }),
      body: bodyless ? null : requestBody(req, record, tee(mirror?.request, captured?.request)),
    }, handler)
  }

  /** The shadow copy of an exchange the client has had in full (both bodies kept, the request read to its end). */
  function sendCopy(req: IncomingMessage, target: ProxyTarget, requestId: string, record: ProxyRecord, mirror: { request: Capture; response: Capture; status: number }): void {
    const { request, response } = mirror
    if (request.overflow || response.overflow || !req.complete) return
    const shadow = target.mirror!
    const shadowPort = pickPort({ ...target, ref: shadow.ref, ports: shadow.ports })
    sendMirror({
      ref: shadow.ref, port: shadowPort, pool: poolFor(shadowPort), method: req.method ?? 'GET', path: target.path.upstreamPath,
      headers: buildUpstreamHeaders(req, { port: shadowPort, requestId, prefix: target.path.prefix }) as Record<string, string | string[]>,
      body: request.body(), stable: { status: mirror.status, body: response.body() }, compare: shadow.compare, timeoutMs, ledger: options.traffic!,
      onDone: (status, durationMs) => options.onMirror?.({ ...record, version: shadow.ref.slice(shadow.ref.lastIndexOf('@') + 1), status, durationMs, role: 'shadow' }),
    })
  }

  return {
    handle,
    handleUpgrade: (req, socket, head) => proxyUpgrade(req, socket, head, { resolve: options.resolve, pickPort, timeoutMs, tunnels, onResponse: options.onResponse, traffic: options.traffic }),
    close() {
      for (const { pool } of pools.values()) void pool.destroy()
      pools.clear()
      for (const socket of tunnels) socket.destroy()
      tunnels.clear()
    },
  }
}

/** One sink for the bytes of a body that a mirror and body capture may both want. */
function tee(a: Pick<Capture, 'add'> | undefined, b: Pick<Capture, 'add'> | undefined): Pick<Capture, 'add'> | undefined {
  return a && b ? { add: (chunk) => { a.add(chunk); b.add(chunk) } } : a ?? b
}

function sendError(res: ServerResponse, error: FerryError, headers: Record<string, string>, record: ProxyRecord): void {
  if (res.headersSent || res.destroyed) return void res.destroy()
  const body = errorBody(error)
  record.responseBytes += body.length
  res.writeHead(error.status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': body.length })
  res.end(body)
}
