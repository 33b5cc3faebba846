/**
 * HTTP health checks of a replica: one GET of its health path (2xx is healthy, anything else,
 * a timeout or a refused connection is not), and the start-up wait that polls it, backing off,
 * until it answers 2xx, the time is up, the process dies or the wait is cancelled. Neither throws:
 * a failed check is a result, with the reason in `error`.
 */
import { get } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'

export interface HealthCheckResult {
  /** True for a 2xx answer whose body was read in time. */
  ok: boolean
  /** The HTTP status, or null when no answer came. */
  status: number | null
  /** Why no answer came (`connect ECONNREFUSED 127.0.0.1:4000`, `timed out after 2000 ms`), else null. */
  error: string | null
  durationMs: number
}

export interface WaitForHealthyOptions {
  timeoutMs: number
  /** First pause between checks; it doubles up to max(500 ms, intervalMs). Default 25 ms. */
  intervalMs?: number
  signal?: AbortSignal
  /** Stop waiting early when this settles: the process died. */
  exited?: Promise<unknown>
}

export interface WaitForHealthyResult extends HealthCheckResult {
  attempts: number
  /** Why the wait ended. */
  reason: 'healthy' | 'timeout' | 'exited' | 'aborted'
}

/** No single check waits longer than this, so a hung first request cannot eat the whole start-up. */
const MAX_CHECK_MS = 5000
const MAX_INTERVAL_MS = 500

/**
 * One GET of `url` with a `timeoutMs` budget covering the connection, the answer and its body.
 * @example
 * const result = await checkHealth('http://127.0.0.1:4000/health', 2000)
 * if (!result.ok) console.log(result.error ?? `HTTP ${result.status}`)
 */
export function checkHealth(url: string, timeoutMs: number, options: { signal?: AbortSignal } = {}): Promise<HealthCheckResult> {
  const started = performance.now()
  return new Promise((resolve) => {
    let status: number | null = null
    let settled = false
    const finish = (error: string | null): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      request?.destroy()
      const ok = error === null && status !== null && status >= 200 && status < 300
      resolve({ ok, status, error, durationMs: Math.round(performance.now() - started) })
    }
    const onAbort = (): void => finish('aborted')
    const timer = setTimeout(() => finish(`timed out after ${timeoutMs} ms`), timeoutMs)
    let request: ReturnType<typeof get> | undefined
    try {
      // No keep-alive agent: each check is a fresh connection, as a new client's would be.
      request = get(url, { agent: false, headers: { accept: '*/*', 'user-agent': 'ferry-health-check' } }, (response) => {
        status = response.statusCode ?? null
        response.once('error', (error) => finish(error.message))
        response.once('end', () => finish(null))
        response.resume() // drain the body so the connection closes cleanly
      })
      request.once('error', (error) => finish(error.message || (error as NodeJS.ErrnoException).code || 'request failed'))
    } catch (error) {
      finish((error as Error).message) // an invalid URL or an unsupported protocol
      return
    }
    if (options.signal?.aborted) finish('aborted')
    else options.signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * Polls `url` until it answers 2xx within `timeoutMs`; resolves `ok: false` on timeout, when
 * `exited` settles or `signal` aborts, carrying the last check's status and error.
 * @example
 * const health = await waitForHealthy(`http://127.0.0.1:${port}/health`, { timeoutMs: 60_000, exited: child.exited })
 * if (!health.ok) await child.stop(5000)
 */
export async function waitForHealthy(url: string, options: WaitForHealthyOptions): Promise<WaitForHealthyResult> {
  const { timeoutMs, intervalMs = 25, signal, exited } = options
  const deadline = Date.now() + timeoutMs
  const cancel = new AbortController()
  let reason = 'timeout' as WaitForHealthyResult['reason'] // changed by end(), from callbacks
  const end = (why: 'exited' | 'aborted'): void => {
    if (cancel.signal.aborted) return
    reason = why
    cancel.abort()
  }
  const onAbort = (): void => end('aborted')
  if (signal?.aborted) end('aborted')
  signal?.addEventListener('abort', onAbort, { once: true })
  void exited?.then(() => end('exited'), () => end('exited'))

  let last: HealthCheckResult | undefined
  let attempts = 0
  let delay = Math.max(1, intervalMs)
  try {
    while (!cancel.signal.aborted) {
      const remaining = deadline - Date.now()
      if (remaining <= 0) break
      attempts++
      const result = await checkHealth(url, Math.min(remaining, MAX_CHECK_MS), { signal: cancel.signal })
      if (cancel.signal.aborted) break // a check cut short says nothing about the server
      // A check cut off by the deadline, not by the server, says nothing either: keep the answer before it.
      const cutByDeadline = result.status === null && last !== undefined && Date.now() >= deadline
      if (!cutByDeadline) last = result
      if (result.ok) return { ...result, attempts, reason: 'healthy' }
      const pause = Math.min(delay, deadline - Date.now())
      if (pause <= 0) break
      await sleep(pause, undefined, { signal: cancel.signal }).catch(() => undefined)
      delay = Math.min(delay * 2, Math.max(MAX_INTERVAL_MS, intervalMs))
    }
  } finally {
    signal?.removeEventListener('abort', onAbort)
    cancel.abort() // detaches the `exited` handler's effect and any pending sleep
  }
  const fallback = reason === 'exited' ? 'the process exited' : reason === 'aborted' ? 'aborted' : `no health check answered within ${timeoutMs} ms`
  return { ok: false, status: last?.status ?? null, error: last?.error ?? (last ? null : fallback), durationMs: last?.durationMs ?? 0, attempts, reason }
}
