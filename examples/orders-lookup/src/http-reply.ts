/** Reading a JSON request body and writing JSON answers and errors on node:http. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { LookupError } from './errors.js'

/** Sends `body` as JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

/** Answers a LookupError with its status and code; anything else as a 500 that leaks nothing. */
export function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) return void res.destroy()
  if (error instanceof LookupError) {
    return sendJson(res, error.status, { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } })
  }
  process.stderr.write(`orders-lookup: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  sendJson(res, 500, { error: { code: 'E_INTERNAL', message: 'Internal error.' } })
}

/**
 * Reads a body that must be application/json and at most `maxBytes` long, read to its end either
 * way so the answer reaches a client still sending.
 * @example
 * const body = await readJsonBody(req, 256 * 1024)
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const mediaType = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (mediaType !== 'application/json') {
    req.resume()
    throw new LookupError('E_UNSUPPORTED_MEDIA_TYPE', `Unsupported content-type "${mediaType || '(none)'}": send application/json {"text": "…"}.`)
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size <= maxBytes) chunks.push(chunk)
  }
  if (size > maxBytes) throw new LookupError('E_BODY_TOO_LARGE', `The body is ${size} bytes; at most ${maxBytes} are accepted.`)
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
  } catch (error) {
    throw new LookupError('E_INVALID_JSON', `The body is not valid JSON: ${(error as Error).message}.`)
  }
}
