/**
 * An answer that goes out before the client's body was read to its end (the instance refused
 * early, or died mid-upload). Closing the connection then would reset it: the kernel answers
 * unread bytes with RST, and a client still writing its body often loses the answer with it
 * (RFC 9112 §9.6; nginx's `lingering_close`). So the rest of the body is read and dropped once the
 * answer is out, and the connection carries on as usual when it ends; a client still sending
 * after LINGER_MS is cut off.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** How long the rest of a refused body is read before the connection is closed (nginx: 5 s). */
export const LINGER_MS = 5_000

/** Call when the answer's status line is about to be written. */
export function lingerIfBodyUnread(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete) return
  res.once('finish', () => {
    if (req.complete || req.destroyed) return
    const socket = req.socket
    const timer = setTimeout(() => socket.destroy(), LINGER_MS)
    timer.unref()
    req.once('end', () => clearTimeout(timer)).once('close', () => clearTimeout(timer))
    req.resume()
  })
}
