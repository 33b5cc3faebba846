/**
 * Long answers (server-sent events: /api/events, logs with follow=1) end when what allowed them
 * ends: the token is revoked, the session signs out or expires. Checked every second while the
 * stream is open; the client then reconnects and is refused like any new request.
 */
import type { MiddlewareHandler } from 'hono'
import type { AuthEnv, AuthParts } from './authenticate.js'

const CHECK_MS = 1000

/** A copy of `response` whose body ends once `allowed()` turns false. */
function cutWhenDenied(response: Response, allowed: () => boolean): Response {
  const reader = response.body!.getReader()
  let timer: ReturnType<typeof setInterval> | undefined
  const stop = () => { clearInterval(timer); void reader.cancel().catch(() => undefined) }
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setInterval(() => {
        if (allowed()) return
        stop()
        try { controller.close() } catch { /* already closed */ }
      }, CHECK_MS)
      timer.unref?.()
    },
    async pull(controller) {
      try {
        const { value, done } = await reader.read()
        if (done) { clearInterval(timer); controller.close() } else controller.enqueue(value)
      } catch (error) {
        clearInterval(timer)
        controller.error(error)
      }
    },
    cancel() { stop() },
  })
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
}

/** Middleware for /api/*, after the guard. */
export function createStreamCutoff(parts: AuthParts): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    await next()
    if (!c.res.body || !(c.res.headers.get('content-type') ?? '').startsWith('text/event-stream')) return
    const principal = c.get('principal')
    const session = c.get('session')
    if (!principal || principal.role === 'tracking') return
    const tokenId = principal.tokenId
    c.res = cutWhenDenied(c.res, () => (tokenId === 'bootstrap' || parts.tokens.isActive(tokenId)) && (!session || parts.sessions.isLive(session)))
  }
}
