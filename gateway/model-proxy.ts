/**
 * The inference proxy: `/models/<name>[@<version or alias>]/<path>` streamed to one ready replica
 * of that version, at the node:http level (the gateway's server calls it before Hono). Bodies
 * stream both ways without buffering (server-sent events included), replicas take turns, and every
 * failure is a JSON error with a stable code: 400 for a path that tries to leave the model, 404
 * for an unknown model or version, 503 when no replica is ready, 502 when the replica cannot be
 * reached, 504 when it is too slow.
 */
import { Agent, request, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { performance } from 'node:perf_hooks'
import type { FerryError } from '../packager/ferry-error.js'
import { createGatewayError } from './errors.js'
import { buildUpstreamHeaders, pickRequestId, stripHopByHop } from './_proxy-headers.js'
import { createPicker, errorBody, findTarget, type ProxyTarget } from './_proxy-target.js'
import { proxyUpgrade } from './_proxy-upgrade.js'

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
}

export interface ModelProxyOptions {
  /** Which version answers `name@selector` and its ready replicas; throws FerryErrors (404) for unknown ones. */
  resolve(name: string, selector: string, req: IncomingMessage): { version: string; ref: string; endpoints: Array<{ replica: number; port: number }> }
  /** How long the replica may stay silent (before and while it answers); default 60000. */
  upstreamTimeoutMs?: number
  /** Called once per request, errors included, when the response is over. */
  onResponse?(record: ProxyRecord): void
}

export interface ModelProxy {
  /** Serves the request and returns true when its URL is under /models/; false (untouched) otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean
  /** Same for an HTTP upgrade (WebSocket): tunnels it to a replica. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean
  /** Drops pooled connections and open tunnels. */
  close(): void
}

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
  const agent = new Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' })
  const pickPort = createPicker()
  const tunnels = new Set<Duplex>()

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const found = findTarget(req, options.resolve)
    if (!found) return false
    const started = performance.now()
    const requestId = pickRequestId(req.headers)
    const record: ProxyRecord = { model: found.ok ? found.target.path.name : found.model, version: found.ok ? found.target.version : null, status: 0, durationMs: 0, requestBytes: 0, responseBytes: 0, requestId, method: req.method ?? 'GET', path: req.url ?? '/' }
    req.on('data', (chunk: Buffer) => { record.requestBytes += chunk.length })
    res.once('close', () => {
      record.status = res.headersSent ? res.statusCode : 499 // 499: the client left before an answer
      record.durationMs = performance.now() - started
      options.onResponse?.(record)
    })
    if (!found.ok) {
      if (found.ref) record.version = found.ref.slice(found.ref.lastIndexOf('@') + 1)
      sendError(res, found.error, { ...found.headers, 'x-request-id': requestId, ...(found.ref ? { 'x-ferry-version': found.ref } : {}) }, record)
      req.resume() // drain the body so the connection can be reused
      return true
    }
    forward(req, res, found.target, requestId, record, 0)
    return true
  }

  function forward(req: IncomingMessage, res: ServerResponse, target: ProxyTarget, requestId: string, record: ProxyRecord, attempt: number): void {
    const port = pickPort(target)
    const bodyless = RETRYABLE_METHODS.has(req.method ?? 'GET') && !req.headers['transfer-encoding'] && (req.headers['content-length'] ?? '0') === '0'
    const meta = { 'x-request-id': requestId, 'x-ferry-version': target.ref }
    const upstream = request({ host: '127.0.0.1', port, method: req.method, path: target.path.upstreamPath, headers: buildUpstreamHeaders(req, { port, requestId, prefix: target.path.prefix }), agent })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      console.error(`model proxy: ${target.ref} on port ${port} sent nothing for ${timeoutMs} ms (${req.method} ${target.path.upstreamPath}, request ${requestId})`)
      if (res.headersSent) res.destroy()
      else sendError(res, createGatewayError('E_UPSTREAM_TIMEOUT', `${target.ref} did not answer within ${timeoutMs} ms`, { details: { timeoutMs } }), meta, record)
      upstream.destroy()
    }, timeoutMs)
    const onClientClose = () => {
      clearTimeout(timer)
      if (!res.writableFinished) upstream.destroy()
    }
    res.once('close', onClientClose)
    if (!bodyless) req.on('data', () => timer.refresh())

    upstream.on('response', (upRes) => {
      timer.refresh()
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, { ...stripHopByHop(upRes.headers), ...meta })
      upRes.on('data', (chunk: Buffer) => { record.responseBytes += chunk.length; timer.refresh() })
      upRes.on('end', () => clearTimeout(timer))
      upRes.on('error', () => res.destroy()) // the replica died mid-answer: the client sees a cut response
      upRes.pipe(res)
    })
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      if (timedOut) return
      if (res.headersSent) return void res.destroy()
      const retry = attempt === 0 && bodyless && (error.code === 'ECONNREFUSED' || (upstream.reusedSocket && error.code === 'ECONNRESET'))
      if (retry && !res.destroyed) {
        res.off('close', onClientClose)
        return forward(req, res, target, requestId, record, attempt + 1)
      }
      console.error(`model proxy: ${target.ref} on port ${port} unreachable (${req.method} ${target.path.upstreamPath}, request ${requestId}): ${error.code ?? ''} ${error.message}`)
      sendError(res, createGatewayError('E_UPSTREAM_UNREACHABLE', `${target.ref} could not be reached`, { details: { cause: error.code ?? 'error' } }), meta, record)
    })
    if (bodyless) upstream.end()
    else req.pipe(upstream)
  }

  return {
    handle,
    handleUpgrade: (req, socket, head) => proxyUpgrade(req, socket, head, { resolve: options.resolve, pickPort, timeoutMs, tunnels, onResponse: options.onResponse }),
    close() {
      agent.destroy()
      for (const socket of tunnels) socket.destroy()
      tunnels.clear()
    },
  }
}

function sendError(res: ServerResponse, error: FerryError, headers: Record<string, string>, record: ProxyRecord): void {
  if (res.headersSent || res.destroyed) return void res.destroy()
  const body = errorBody(error)
  record.responseBytes += body.length
  res.writeHead(error.status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': body.length })
  res.end(body)
}
