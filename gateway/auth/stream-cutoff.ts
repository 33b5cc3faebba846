/**
 * Long answers (server-sent events: /api/events, logs with follow=1) end when what allowed them
 * ends: the token is revoked, the session signs out or expires. Checked every second while the
 * stream is open; the client then reconnects and is refused like any new request. They also end
 * at once when the server closes, so an open console does not hold a shutdown for its drain time.
 */
import type { MiddlewareHandler } from 'hono'
import type { AuthEnv, AuthParts } from './authenticate.js'

const CHECK_MS = 1000

/** A copy of `response` whose body ends once `allowed()` turns false. */
function cutWhenDenied(response: Response, allowed: () => boolean, closing: AbortSignal | undefined): Response {
  const reader = response.body!.getReader()
  let timer: ReturnType<typeof setInterval> | undefined
  let onClosing: (() => void) | undefined
  const settle = () => { clearInterval(timer); if (onClosing) closing?.removeEventListener('abort', onClosing) }
  const stop = () => { settle(); void reader.cancel().catch(() => undefined) }
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const end = () => {
        stop()
        try { controller.close() } catch { /* already closed */ }
      }
      timer = setInterval(() => { if (!allowed()) end() }, CHECK_MS)
      timer.unref?.()
      onClosing = end
      if (closing?.aborted) end()
      else closing?.addEventListener('abort', end, { once: true })
    },
    async pull(controller) {
      try {
        const { value, done } = await reader.read()
        if (done) { settle(); controller.close() } else controller.enqueue(value)
      } catch (error) {
        settle()
        controller.error(error)
      }
    },
    cancel() { stop() },
  })
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
}

/** Middleware for /api/*, after the guard; `closing` aborts when the server starts to close. */
export function createStreamCutoff(parts: AuthParts, closing?: AbortSignal): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    await next()
    if (!c.res.body || !(c.res.headers.get('content-type') ?? '').startsWith('text/event-stream')) return
    const principal = c.get('principal')
    const session = c.get('session')
    if (!principal || principal.role === 'tracking') {
      c.res = cutWhenDenied(c.res, () => true, closing)
      return
    }
    const tokenId = principal.tokenId
    c.res = cutWhenDenied(c.res, () => (tokenId === 'bootstrap' || parts.tokens.isActive(tokenId)) && (!session || parts.sessions.isLive(session)), closing)
  }
}
