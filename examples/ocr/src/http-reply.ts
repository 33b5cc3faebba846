/** Writing JSON answers and errors on node:http responses. */
import type { ServerResponse } from 'node:http'
import { OcrError } from './errors.js'

/** Sends `body` as JSON with `status`; extra headers are merged. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

/**
 * Answers `error` as `{"error": {"code", "message"}}`: an OcrError with its own status, anything
 * else as a plain 500 that leaks nothing (the cause is logged on stderr).
 */
export function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  if (error instanceof OcrError) {
    // A body refused before it was read whole: close the connection rather than read the rest.
    const headers: Record<string, string> = error.status === 413 ? { connection: 'close' } : {}
    if (error.status === 503) headers['retry-after'] = '2'
    sendJson(res, error.status, { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } }, headers)
    return
  }
  process.stderr.write(`ocr: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  const internal = new OcrError('E_INTERNAL')
  sendJson(res, internal.status, { error: { code: internal.code, message: internal.message } })
}
