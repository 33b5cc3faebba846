/**
 * Reading a JSON request body, and the HTTP errors a request can earn. Every error has a stable
 * code and is answered as `{"error": {"code", "message"}}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** An error answered to the client with its status and code (anything else is a 500). */
export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

/** Sends `body` as JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/** Sends an HttpError as `{"error": {code, message}}`. */
export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { error: { code: error.code, message: error.message } })
}

/**
 * Reads the body of a request that must be `application/json` and at most `maxBytes` long.
 * Throws HttpError: 415 UNSUPPORTED_MEDIA_TYPE, 413 PAYLOAD_TOO_LARGE, 400 INVALID_JSON.
 * An oversized body is still read to its end (and dropped), so the answer reaches the client
 * through a proxy instead of a reset connection.
 * @example
 * const body = await readJsonBody(req, 1024 * 1024)
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const mediaType = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (mediaType !== 'application/json') {
    req.resume()
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `send the body as application/json (got ${mediaType === '' ? 'no content type' : mediaType})`)
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size <= maxBytes) chunks.push(chunk)
  }
  if (size > maxBytes) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `the body is ${size} bytes; at most ${maxBytes} are accepted`)
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
  } catch (error) {
    throw new HttpError(400, 'INVALID_JSON', `the body is not valid JSON: ${(error as Error).message}`)
  }
}
