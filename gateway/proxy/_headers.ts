/**
 * Header rules of the inference proxy: hop-by-hop headers are dropped both ways, a request id is
 * kept or made, and X-Forwarded-* tell the instance who called.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http'

// RFC 9110 §7.6.1: meant for one connection, never forwarded. proxy-connection is the
// non-standard variant old clients still send.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'])
// Headers the proxy sets itself; a client's own values are replaced, not trusted. `expect` is
// answered by the gateway's own server (100 Continue), never passed on.
const REPLACED = new Set(['host', 'expect', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-prefix', 'x-request-id'])
const SANE_REQUEST_ID = /^[A-Za-z0-9._~:+=/-]{1,128}$/

/** The client's X-Request-Id when it is a plain token of at most 128 characters, else a new UUID. */
export function pickRequestId(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id']
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID()
}

/** Copies `headers` without hop-by-hop headers, those the Connection header names, and `skip`. */
export function stripHopByHop(headers: IncomingHttpHeaders, skip: ReadonlySet<string> = new Set()): OutgoingHttpHeaders {
  const named = new Set(String(headers.connection ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean))
  const out: OutgoingHttpHeaders = {}
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(key) || named.has(key) || skip.has(key)) continue
    out[key] = value
  }
  return out
}

/** The headers the instance receives (`upgrade` keeps Connection/Upgrade for a WebSocket handshake). */
export function buildUpstreamHeaders(req: IncomingMessage, context: { port: number; requestId: string; prefix: string; upgrade?: boolean }): OutgoingHttpHeaders {
  const headers = stripHopByHop(req.headers, REPLACED)
  const forwardedFor = headers['x-forwarded-for']
  const remote = req.socket.remoteAddress ?? ''
  headers['x-forwarded-for'] = forwardedFor ? `${String(forwardedFor)}, ${remote}` : remote
  headers['x-forwarded-proto'] = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http'
  if (req.headers.host) headers['x-forwarded-host'] = req.headers.host
  headers['x-forwarded-prefix'] = context.prefix
  headers['x-request-id'] = context.requestId
  headers.host = `127.0.0.1:${context.port}`
  if (context.upgrade) {
    headers.connection = 'Upgrade'
    headers.upgrade = req.headers.upgrade ?? 'websocket'
  }
  return headers
}
