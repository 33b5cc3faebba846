/**
 * The client's request body as undici reads it for the instance, counted into the record (and
 * copied to a capture) on the way, with back-pressure both ways. When undici stops reading before
 * the end (the instance answered first, or went away), the request is left as it is, not destroyed,
 * for _linger.ts to drain: destroying an unfinished request destroys its socket, and the
 * client, still writing, would lose the answer.
 */
import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import type { Capture } from './_mirror.js'

/**
 * @example
 * pool.dispatch({ ..., body: requestBody(req, record) }, handler)
 */
export function requestBody(req: IncomingMessage, counter: { requestBytes: number }, capture?: Pick<Capture, 'add'>): Readable {
  const onData = (chunk: Buffer): void => {
    counter.requestBytes += chunk.length
    capture?.add(chunk)
    if (!body.push(chunk)) req.pause()
  }
  const onEnd = (): void => { body.push(null) }
  const onError = (error: Error): void => { body.destroy(error) }
  const onClose = (): void => { if (!req.complete) body.destroy(new Error('the client went away before its body ended')) }
  const detach = (): void => { req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose) }
  const body = new Readable({
    read: () => { req.resume() },
    // Detached only: the request keeps the flow state it has, and whatever reads next (the linger) decides.
    destroy: (error, callback) => { detach(); callback(error) },
  })
  req.pause()
  req.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose)
  return body
}
