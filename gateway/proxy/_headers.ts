/**
 * Header rules of the inference proxy: hop-by-hop headers are dropped both ways, a request id is
 * kept or made, and X-Forwarded-* tell the instance who called.
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http'
import { newRequestId } from '../_request-id.js'

// RFC 9110 §7.6.1: meant for one connection, never forwarded. proxy-connection is the
// non-standard variant old clients still send.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'])
// Headers the proxy sets itself; a client's own values are replaced, not trusted. `expect` is
// answered by the gateway's own server (100 Continue), never passed on.
const REPLACED = new Set(['host', 'expect', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-prefix', 'x-request-id'])
const SANE_REQUEST_ID = /^[A-Za-z0-9._~:+=/-]{1,128}$/

/** The client's X-Request-Id when it is a plain token of at most 128 characters, else a new one (32 hex digits). */
export function pickRequestId(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id']
  return typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : newRequestId()
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

/**
 * The same headers as buildUpstreamHeaders, as the flat `[name, value, …]` list undici's
 * dispatch takes, read from `req.rawHeaders` in one pass (no header object built or copied).
 */
export function upstreamHeaderList(req: IncomingMessage, context: { port: number; requestId: string; prefix: string }): string[] {
  const raw = req.rawHeaders
  let out: string[] = []
  let connection = ''
  let forwardedFor = ''
  let host = ''
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!.toLowerCase()
    const value = raw[i + 1]!
    if (key === 'connection') connection = connection ? `${connection},${value}` : value
    else if (key === 'x-forwarded-for') forwardedFor = forwardedFor ? `${forwardedFor}, ${value}` : value
    else if (key === 'host') host = value
    else if (!HOP_BY_HOP.has(key) && !REPLACED.has(key)) out.push(key, value)
  }
  if (connection) {
    out = dropNamed(out, connection)
    if (/(^|,)\s*x-forwarded-for\s*(,|$)/i.test(connection)) forwardedFor = ''
  }
  const remote = req.socket.remoteAddress ?? ''
  out.push('x-forwarded-for', forwardedFor ? `${forwardedFor}, ${remote}` : remote)
  out.push('x-forwarded-proto', 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http')
  if (host) out.push('x-forwarded-host', host)
  out.push('x-forwarded-prefix', context.prefix, 'x-request-id', context.requestId, 'host', `127.0.0.1:${context.port}`)
  return out
}

/**
 * The answer's headers for the client as a flat list: hop-by-hop and `skip` dropped, `csp` merged
 * into Content-Security-Policy; with the answer's content type (null when it sent none).
 */
export function answerHeaderList(raw: Buffer[], skip: ReadonlySet<string>, csp: string): { headers: string[]; contentType: string | null } {
  const out: string[] = []
  let connection = ''
  let theirs = ''
  let contentType: string | null = null
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!.toString('latin1').toLowerCase()
    const value = raw[i + 1]!.toString('latin1')
    if (key === 'connection') connection = connection ? `${connection},${value}` : value
    else if (key === 'content-security-policy') theirs = theirs ? `${theirs}, ${value}` : value
    else if (!HOP_BY_HOP.has(key) && !skip.has(key)) {
      if (key === 'content-type') contentType = value
      out.push(key, value)
    }
  }
  // Policies joined by commas are each enforced (CSP 3, serialized-policy-list).
  out.push('content-security-policy', theirs ? `${theirs}, ${csp}` : csp)
  return { headers: connection ? dropNamed(out, connection) : out, contentType }
}

/** The usual Connection value, naming no header that is not dropped already. */
const PERSISTENCE_ONLY = /^\s*(?:keep-alive|close)\s*$/i

/** `list` without the headers a Connection header names (RFC 9110 §7.6.1). */
function dropNamed(list: string[], connection: string): string[] {
  if (PERSISTENCE_ONLY.test(connection)) return list
  const named = new Set(connection.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean))
  if (named.size === 0) return list
  const out: string[] = []
  for (let i = 0; i < list.length; i += 2) if (!named.has(list[i]!)) out.push(list[i]!, list[i + 1]!)
  return out
}
