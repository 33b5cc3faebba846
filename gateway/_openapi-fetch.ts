/**
 * Fetches a running instance's own OpenAPI document over loopback: JSON only, size-capped, with
 * a timeout, and never throwing: a missing or broken document just means "use the descriptor".
 */

/** Larger documents are refused (a real one is a few hundred KB at most). */
export const MAX_OPENAPI_BYTES = 5 * 1024 * 1024
const DEFAULT_TIMEOUT_MS = 5000

export async function fetchInstanceOpenApi(port: number, path: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<unknown | undefined> {
  // The descriptor's schema guarantees a path; anything else must not turn into another host.
  if (!path.startsWith('/') || path.startsWith('//') || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
      headers: { accept: 'application/json' },
    })
    if (!response.ok || !response.body) {
      await response.body?.cancel()
      return undefined
    }
    if (Number(response.headers.get('content-length') ?? 0) > MAX_OPENAPI_BYTES) {
      await response.body.cancel()
      return undefined
    }
    const chunks: Uint8Array[] = []
    let size = 0
    // Leaving the loop early cancels the stream (the iterator's return()).
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength
      if (size > MAX_OPENAPI_BYTES) break
      chunks.push(chunk)
    }
    if (size > MAX_OPENAPI_BYTES) return undefined
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
  } catch {
    return undefined
  }
}
