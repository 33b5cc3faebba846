/**
 * WebSocket (any HTTP/1.1 upgrade) through the inference proxy: the handshake is re-sent to a
 * replica, its 101 answer relayed with X-Ferry-Version and X-Request-Id, then the two sockets are
 * piped together until either side closes.
 */
import { request, type IncomingMessage } from 'node:http'
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { performance } from 'node:perf_hooks'
import type { FerryError } from '../../packager/ferry-error.js'
import { createGatewayError } from '../errors.js'
import { buildUpstreamHeaders, pickRequestId } from './_headers.js'
import { errorBody, findTarget, type ProxyTarget } from './_target.js'
import type { ModelProxyOptions, ProxyRecord } from './model-proxy.js'

export interface UpgradeContext {
  resolve: ModelProxyOptions['resolve']
  pickPort(target: ProxyTarget): number
  timeoutMs: number
  tunnels: Set<Duplex>
  onResponse: ModelProxyOptions['onResponse']
}

// Hop-by-hop headers a 101 answer must keep (RFC 9110 §7.8), and those it must not relay.
const DROPPED_FROM_101 = new Set(['keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding'])

/** Tunnels the upgrade when its URL is under /models/; false otherwise (the socket is untouched). */
export function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, context: UpgradeContext): boolean {
  const found = findTarget(req, context.resolve)
  if (!found) return false
  const started = performance.now()
  const requestId = pickRequestId(req.headers)
  const record: ProxyRecord = { model: found.ok ? found.target.path.name : found.model, version: found.ok ? found.target.version : null, status: 0, durationMs: 0, requestBytes: 0, responseBytes: 0, requestId, method: req.method ?? 'GET', path: req.url ?? '/' }
  let reported = false
  const report = (status: number) => {
    if (reported) return
    reported = true
    record.status = status
    record.durationMs = performance.now() - started
    context.onResponse?.(record)
  }
  socket.on('error', () => socket.destroy())
  if (!found.ok) {
    writeError(socket, found.error, { ...found.headers, 'x-request-id': requestId, ...(found.ref ? { 'x-ferry-version': found.ref } : {}) }, record)
    report(found.error.status)
    return true
  }
  const { target } = found
  const port = context.pickPort(target)
  const meta = { 'x-request-id': requestId, 'x-ferry-version': target.ref }
  const upstream = request({ host: '127.0.0.1', port, method: req.method, path: target.path.upstreamPath, headers: buildUpstreamHeaders(req, { port, requestId, prefix: target.path.prefix, upgrade: true }), agent: false })
  const fail = (error: FerryError) => {
    clearTimeout(timer)
    upstream.destroy()
    writeError(socket, error, meta, record)
    report(error.status)
  }
  const timer = setTimeout(() => fail(createGatewayError('E_UPSTREAM_TIMEOUT', `${target.ref} did not answer the upgrade within ${context.timeoutMs} ms`, { details: { timeoutMs: context.timeoutMs } })), context.timeoutMs)
  socket.once('close', () => {
    clearTimeout(timer)
    upstream.destroy()
    setImmediate(() => report(499)) // after the tunnel's own close handler, which reports 101
  })

  upstream.on('upgrade', (upRes, upSocket, upHead) => {
    clearTimeout(timer)
    context.tunnels.add(socket)
    const lines = [`HTTP/1.1 101 ${upRes.statusMessage || 'Switching Protocols'}`]
    for (let i = 0; i < upRes.rawHeaders.length; i += 2) {
      const key = upRes.rawHeaders[i]!
      if (!DROPPED_FROM_101.has(key.toLowerCase()) && !(key.toLowerCase() in meta)) lines.push(`${key}: ${upRes.rawHeaders[i + 1]}`)
    }
    for (const [key, value] of Object.entries(meta)) lines.push(`${key}: ${value}`)
    socket.write(lines.join('\r\n') + '\r\n\r\n')
    if (upHead.length) socket.write(upHead)
    if (head.length) upSocket.write(head)
    upSocket.on('data', (chunk: Buffer) => { record.responseBytes += chunk.length })
    socket.on('data', (chunk: Buffer) => { record.requestBytes += chunk.length })
    upSocket.on('error', () => upSocket.destroy())
    const closeBoth = () => {
      context.tunnels.delete(socket)
      socket.destroy()
      upSocket.destroy()
      report(101)
    }
    upSocket.once('close', closeBoth)
    socket.once('close', closeBoth)
    upSocket.pipe(socket)
    socket.pipe(upSocket)
  })
  upstream.on('response', (upRes) => {
    // The replica answered the handshake with a plain response (e.g. 404): relay it and close.
    clearTimeout(timer)
    const lines = [`HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage || STATUS_CODES[upRes.statusCode ?? 502] || ''}`]
    for (let i = 0; i < upRes.rawHeaders.length; i += 2) {
      const key = upRes.rawHeaders[i]!.toLowerCase()
      if (!['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'trailer', 'te', 'proxy-connection'].includes(key) && !(key in meta)) lines.push(`${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}`)
    }
    for (const [key, value] of Object.entries(meta)) lines.push(`${key}: ${value}`)
    lines.push('connection: close')
    socket.write(lines.join('\r\n') + '\r\n\r\n')
    upRes.on('data', (chunk: Buffer) => { record.responseBytes += chunk.length })
    upRes.pipe(socket)
    upRes.on('end', () => report(upRes.statusCode ?? 502))
  })
  upstream.on('error', (error: NodeJS.ErrnoException) => {
    if (socket.destroyed || context.tunnels.has(socket)) return
    console.error(`model proxy: ${target.ref} on port ${port} unreachable for an upgrade (request ${requestId}): ${error.code ?? ''} ${error.message}`)
    fail(createGatewayError('E_UPSTREAM_UNREACHABLE', `${target.ref} could not be reached`, { details: { cause: error.code ?? 'error' } }))
  })
  upstream.end()
  return true
}

/** A whole HTTP/1.1 error response written on a raw socket, which is then closed. */
function writeError(socket: Duplex, error: FerryError, headers: Record<string, string>, record: ProxyRecord): void {
  if (socket.destroyed) return
  const body = errorBody(error)
  record.responseBytes += body.length
  const lines = [`HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}`, 'content-type: application/json; charset=utf-8', `content-length: ${body.length}`, 'connection: close']
  for (const [key, value] of Object.entries(headers)) lines.push(`${key}: ${value}`)
  socket.end(Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), body]))
}
