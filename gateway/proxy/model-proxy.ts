/**
 * The inference proxy: `/models/<name>[@<version or alias>]/<path>` streamed to one ready replica
 * of that version, at the node:http level (the gateway's server calls it before Hono). Bodies
 * stream both ways without buffering (server-sent events included), replicas take turns, and every
 * failure is a JSON error with a stable code: 400 for a path that tries to leave the model, 404
 * for an unknown model or version, 503 when no replica is ready, 502 when the replica cannot be
 * reached, 504 when it is too slow.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { Pool, type Dispatcher } from 'undici'
import { Readable, type Duplex } from 'node:stream'
import { performance } from 'node:perf_hooks'
import type { FerryError } from '../../packager/ferry-error.js'
import { createGatewayError } from '../errors.js'
import { buildUpstreamHeaders, pickRequestId, stripHopByHop } from './_headers.js'
import { createPicker, errorBody, findTarget, type ProxyTarget } from './_target.js'
import { proxyUpgrade } from './_upgrade.js'

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

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const found = findTarget(req, options.resolve)
    if (!found) return false
    const started = performance.now()
    const requestId = pickRequestId(req.headers)
    const record: ProxyRecord = { model: found.ok ? found.target.path.name : found.model, version: found.ok ? found.target.version : null, status: 0, durationMs: 0, requestBytes: 0, responseBytes: 0, requestId, method: req.method ?? 'GET', path: req.url ?? '/' }
    res.once('close', () => {
      record.status = res.headersSent ? res.statusCode : 499 // 499: the client left before an answer
      record.durationMs = performance.now() - started
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

  function forward(req: IncomingMessage, res: ServerResponse, target: ProxyTarget, requestId: string, record: ProxyRecord, attempt: number): void {
    const port = pickPort(target)
    const method = req.method ?? 'GET'
    const bodyless = RETRYABLE_METHODS.has(method) && !req.headers['transfer-encoding'] && (req.headers['content-length'] ?? '0') === '0'
    const meta = { 'x-request-id': requestId, 'x-ferry-version': target.ref }
    const abort = new AbortController()
    const onClientClose = () => { if (!res.writableFinished) abort.abort() }
    res.once('close', onClientClose)
    const fail = (error: Error & { code?: string }) => {
      res.off('close', onClientClose)
      if (res.headersSent || res.destroyed) return void res.destroy()
      closeIfBodyUnread(req, res)
      const refused = error.code === 'ECONNREFUSED' || error.code === 'UND_ERR_SOCKET'
      if (attempt === 0 && bodyless && refused) return forward(req, res, target, requestId, record, attempt + 1)
      if (error.code === 'UND_ERR_HEADERS_TIMEOUT' || error.code === 'UND_ERR_BODY_TIMEOUT') {
        console.error(`model proxy: ${target.ref} on port ${port} sent nothing for ${timeoutMs} ms (${method} ${target.path.upstreamPath}, request ${requestId})`)
        return sendError(res, createGatewayError('E_UPSTREAM_TIMEOUT', `${target.ref} did not answer within ${timeoutMs} ms`, { details: { timeoutMs } }), meta, record)
      }
      console.error(`model proxy: ${target.ref} on port ${port} unreachable (${method} ${target.path.upstreamPath}, request ${requestId}): ${error.code ?? ''} ${error.message}`)
      sendError(res, createGatewayError('E_UPSTREAM_UNREACHABLE', `${target.ref} could not be reached`, { details: { cause: error.code ?? 'error' } }), meta, record)
    }
    poolFor(port).request({
      method: method as Dispatcher.HttpMethod,
      path: target.path.upstreamPath,
      headers: buildUpstreamHeaders(req, { port, requestId, prefix: target.path.prefix }) as Record<string, string | string[]>,
      body: bodyless ? null : Readable.from(countBytes(req, record), { objectMode: false }),
      signal: abort.signal,
    }).then(({ statusCode, headers, body }) => {
      if (res.destroyed) return void body.destroy()
      closeIfBodyUnread(req, res)
      res.writeHead(statusCode, { ...stripHopByHop(headers as IncomingHttpHeaders), ...meta })
      body.on('data', (chunk: Buffer) => { record.responseBytes += chunk.length })
      body.on('error', (error: Error & { code?: string }) => {
        // The replica died or went silent mid-answer: the client sees a cut response.
        if (error.code === 'UND_ERR_BODY_TIMEOUT') console.error(`model proxy: ${target.ref} on port ${port} stopped answering for ${timeoutMs} ms (request ${requestId})`)
        res.destroy()
      })
      body.pipe(res)
    }, (error: Error & { code?: string }) => {
      if (abort.signal.aborted) return // the client left; nothing to answer
      fail(error)
    })
  }

  return {
    handle,
    handleUpgrade: (req, socket, head) => proxyUpgrade(req, socket, head, { resolve: options.resolve, pickPort, timeoutMs, tunnels, onResponse: options.onResponse }),
    close() {
      for (const { pool } of pools.values()) void pool.destroy()
      pools.clear()
      for (const socket of tunnels) socket.destroy()
      tunnels.clear()
    },
  }
}

/**
 * An answer sent before the client's body was read to the end (the instance refused early, or
 * died mid-upload) closes the connection after it: the rest of the body will never be read, so
 * the connection cannot carry another request.
 */
function closeIfBodyUnread(req: IncomingMessage, res: ServerResponse): void {
  if (!req.complete) res.shouldKeepAlive = false
}

/** The request body as undici reads it, counted into the record on the way. */
async function* countBytes(req: IncomingMessage, record: ProxyRecord): AsyncGenerator<Buffer> {
  for await (const chunk of req as AsyncIterable<Buffer>) {
    record.requestBytes += chunk.length
    yield chunk
  }
}

function sendError(res: ServerResponse, error: FerryError, headers: Record<string, string>, record: ProxyRecord): void {
  if (res.headersSent || res.destroyed) return void res.destroy()
  const body = errorBody(error)
  record.responseBytes += body.length
  res.writeHead(error.status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': body.length })
  res.end(body)
}
