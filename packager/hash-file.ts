/** sha256 of a file, streamed: the identity of a package is the sha256 of its zip. */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'

/** Hashes a file without loading it, e.g. `await hashFile('echo-1.0.0.zip')` → `{ sha256, size }`. */
export async function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(chunk)
    size += chunk.length
  }
  return { sha256: hash.digest('hex'), size }
}
