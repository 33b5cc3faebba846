/**
 * Reads a request body into memory up to a limit. Over the limit it rejects with E_BODY_TOO_LARGE
 * as soon as it knows, but keeps draining what the client still sends, so the client reads the
 * 413 instead of a reset connection.
 */
import type { IncomingMessage } from 'node:http'
import { DigitsError } from './errors.js'

/** 10 MB: a phone photo fits, anything bigger is not a digit. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024

const tooLarge = (): DigitsError => new DigitsError('E_BODY_TOO_LARGE', `the body is over ${MAX_BODY_BYTES} bytes (10 MB); send a smaller image`)

/**
 * @example
 * const body = await readBody(req) // Buffer, possibly empty
 */
export function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let refused = Number(req.headers['content-length'] ?? 0) > maxBytes
    if (refused) reject(tooLarge())
    // A data listener keeps the stream flowing; once refused, chunks are dropped as they come.
    req.on('data', (chunk: Buffer) => {
      if (refused) return
      size += chunk.length
      if (size <= maxBytes) return void chunks.push(chunk)
      refused = true
      chunks.length = 0
      reject(tooLarge())
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}
