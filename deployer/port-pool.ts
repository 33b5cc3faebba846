/**
 * Free TCP ports for replicas, handed out by the OS (listen on port 0, read it, close). The port
 * is free when returned, not reserved: the replica binds it a moment later. To narrow that race
 * between replicas started together, a port handed out in the last minute is not handed out again
 * by this process.
 */
import { createServer } from 'node:net'

/** How long a handed-out port is kept from being handed out again. */
const REISSUE_AFTER_MS = 60_000
const MAX_TRIES = 20

const recentlyIssued = new Map<number, number>()

function listenOnAnyPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function forgetOldPorts(now: number): void {
  for (const [port, at] of recentlyIssued) if (now - at >= REISSUE_AFTER_MS) recentlyIssued.delete(port)
}

/**
 * A TCP port that was free on `host` a moment ago, not handed out by this process recently.
 * Rejects with the OS error when nothing can listen on `host` at all.
 * @example
 * const port = await getFreePort()            // e.g. 41723, on 127.0.0.1
 */
export async function getFreePort(host = '127.0.0.1'): Promise<number> {
  let port = 0
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    port = await listenOnAnyPort(host)
    const now = Date.now()
    forgetOldPorts(now)
    if (!recentlyIssued.has(port)) {
      recentlyIssued.set(port, now)
      return port
    }
  }
  return port // the OS keeps handing out recent ports: the range is nearly exhausted, use it anyway
}
