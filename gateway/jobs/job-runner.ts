/**
 * Runs jobs: feeds each input with no result yet to its model through the gateway's own /models/
 * proxy over loopback (so a job's calls are routed, load-balanced across replicas, rolled out,
 * counted in metrics and the prediction history exactly like a client's), at most `concurrency`
 * at a time, and commits each result as it comes. On a start it resumes every job still marked
 * running: inputs whose result was committed are never sent again; only those in flight when the
 * server stopped (no committed result) are.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Pool, type Dispatcher } from 'undici'
import type { JobRecord, JobStore, NewResult } from './job-store.js'

/** Answers larger than this are refused (the input fails with E_JOB_OUTPUT_TOO_LARGE). */
export const MAX_OUTPUT_BYTES = 8 * 1024 * 1024
/** A call that got no answer at all is tried this many times, with backoff. */
const ATTEMPTS = 3

export interface JobRunnerOptions {
  store: JobStore
  /** Where a files job's inputs are: `<dir>/<index>`. */
  inputsDir: (id: number) => string
  gatewayUrl: string
  upstreamTimeoutMs: number
  /**
   * How long an input waits through 503s (no ready replica: after a restart the model's replicas
   * come up with the server, or it is restarting) before the 503 is its result.
   */
  waitReadyMs: number
  logError?: (message: string) => void
}

/** What the routes and the service ask of the runner. */
export interface JobControl {
  start(job: JobRecord): void
  cancel(id: number): boolean
  activity(id: number): { startedMs: number; inFlight: number[] } | undefined
  watch(id: number, listener: () => void): () => void
}

interface ActiveJob {
  controller: AbortController
  /** When this process started (or resumed) it, for the rate. */
  startedMs: number
  inFlight: Set<number>
  done: Promise<void>
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, ms)
  signal.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
})

/** `ocr` → `/models/ocr/recognize`, `ocr@1.0.0` → `/models/ocr@1.0.0/recognize`: the URL a client would call. */
export function modelPath(model: string, endpoint: string): string {
  const at = model.indexOf('@')
  if (at === -1) return `/models/${encodeURIComponent(model)}${endpoint}`
  return `/models/${encodeURIComponent(model.slice(0, at))}@${encodeURIComponent(model.slice(at + 1))}${endpoint}`
}

export class JobRunner implements JobControl {
  private readonly active = new Map<number, ActiveJob>()
  private readonly watchers = new Map<number, Set<() => void>>()
  private readonly pool: Pool
  private closed = false

  constructor(private readonly options: JobRunnerOptions) {
    const https = options.gatewayUrl.startsWith('https:')
    // A little longer than the proxy's own timeout, so the proxy's 504 is what we see. The gateway
    // is ourselves on loopback: under TLS its certificate is our own.
    this.pool = new Pool(options.gatewayUrl, {
      connections: 64, keepAliveTimeout: 10_000, headersTimeout: options.upstreamTimeoutMs + 5000, bodyTimeout: options.upstreamTimeoutMs + 5000,
      ...(https ? { connect: { rejectUnauthorized: false } } : {}),
    })
  }

  /** Resumes every job still marked running (after a restart or a SIGKILL). */
  resumeAll(): number {
    const jobs = this.options.store.running()
    for (const job of jobs) this.start(job)
    return jobs.length
  }

  /** Starts feeding `job`'s pending inputs; a no-op when it already runs here. */
  start(job: JobRecord): void {
    if (this.closed || this.active.has(job.id)) return
    const controller = new AbortController()
    const entry: ActiveJob = { controller, startedMs: Date.now(), inFlight: new Set(), done: Promise.resolve() }
    this.active.set(job.id, entry)
    entry.done = this.run(job, entry).catch((error: unknown) => {
      this.options.logError?.(`job ${job.id}: ${(error as Error).stack ?? String(error)}`)
    }).finally(() => {
      this.active.delete(job.id)
      this.notify(job.id)
    })
  }

  /** Ends a running job as cancelled: results kept so far stay, calls in flight are aborted and not kept. */
  cancel(id: number): boolean {
    const ended = this.options.store.end(id, 'cancelled')
    this.active.get(id)?.controller.abort()
    this.notify(id)
    return ended
  }

  /** What runs now for job `id` (undefined when it does not run in this process). */
  activity(id: number): { startedMs: number; inFlight: number[] } | undefined {
    const entry = this.active.get(id)
    return entry && { startedMs: entry.startedMs, inFlight: [...entry.inFlight].sort((a, b) => a - b) }
  }

  /** Calls `listener` after each result of job `id` and when it ends; returns the unsubscribe. */
  watch(id: number, listener: () => void): () => void {
    let set = this.watchers.get(id)
    if (!set) this.watchers.set(id, (set = new Set()))
    set.add(listener)
    return () => { set.delete(listener); if (set.size === 0) this.watchers.delete(id) }
  }

  /** Stops every job without ending it (the next start resumes them), and waits for the workers. */
  async close(): Promise<void> {
    this.closed = true
    const entries = [...this.active.values()]
    for (const entry of entries) entry.controller.abort()
    await Promise.all(entries.map((e) => e.done))
    await this.pool.destroy()
  }

  private notify(id: number): void {
    for (const listener of this.watchers.get(id) ?? []) listener()
  }

  private async run(job: JobRecord, entry: ActiveJob): Promise<void> {
    const queue = this.options.store.pending(job.id)
    const signal = entry.controller.signal
    const worker = async () => {
      for (let index = queue.shift(); index !== undefined && !signal.aborted; index = queue.shift()) {
        entry.inFlight.add(index)
        try {
          const result = await this.callOnce(job, index, signal)
          // Checked after the call: a cancel or a shutdown that came meanwhile keeps nothing of it.
          if (result && !signal.aborted && this.options.store.record(job.id, result)) this.notify(job.id)
        } finally {
          entry.inFlight.delete(index)
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(job.concurrency, queue.length) }, worker))
    if (!signal.aborted) this.options.store.end(job.id, 'finished')
  }

  private async body(job: JobRecord, index: number): Promise<{ body: Buffer; contentType: string }> {
    const input = this.options.store.input(job.id, index)
    if (!input) throw new Error(`job ${job.id} has no input ${index}`)
    if (job.kind === 'json') return { body: Buffer.from(input.body ?? 'null'), contentType: 'application/json' }
    return { body: await readFile(join(this.options.inputsDir(job.id), String(index))), contentType: input.contentType ?? 'application/octet-stream' }
  }

  /** One input through the model, retrying what is transient; undefined when aborted. */
  private async callOnce(job: JobRecord, index: number, signal: AbortSignal): Promise<NewResult | undefined> {
    const { body, contentType } = await this.body(job, index)
    const waitUntil = Date.now() + this.options.waitReadyMs
    for (let attempt = 1; ; ) {
      const started = performance.now()
      const outcome = await this.request(job, index, body, contentType, signal)
      if (signal.aborted) return undefined
      if (outcome.status === 503 && Date.now() < waitUntil) {
        await sleep(500, signal)
        continue
      }
      if (outcome.status === null && attempt++ < ATTEMPTS) {
        await sleep(250 * 2 ** attempt, signal)
        continue
      }
      return { index, durationMs: Math.round((performance.now() - started) * 10) / 10, ...outcome }
    }
  }

  private async request(job: JobRecord, index: number, body: Buffer, contentType: string, signal: AbortSignal): Promise<Omit<NewResult, 'index' | 'durationMs'>> {
    let answer: Dispatcher.ResponseData
    try {
      answer = await this.pool.request({
        method: 'POST',
        path: modelPath(job.model, job.endpoint),
        headers: { 'content-type': contentType, 'content-length': String(body.length), 'x-request-id': `job-${job.id}-${index}`, accept: 'application/json' },
        body,
        signal,
      })
    } catch (error) {
      return { ok: false, status: null, version: null, output: null, error: { code: 'E_JOB_CALL_FAILED', message: `no answer: ${(error as Error).message}` } }
    }
    const version = [answer.headers['x-ferry-version']].flat()[0] ?? null
    const chunks: Buffer[] = []
    let size = 0
    try {
      for await (const chunk of answer.body as AsyncIterable<Buffer>) {
        size += chunk.length
        if (size > MAX_OUTPUT_BYTES) {
          answer.body.destroy()
          return { ok: false, status: answer.statusCode, version, output: null, error: { code: 'E_JOB_OUTPUT_TOO_LARGE', message: `the answer is larger than ${MAX_OUTPUT_BYTES} bytes` } }
        }
        chunks.push(chunk)
      }
    } catch (error) {
      return { ok: false, status: null, version, output: null, error: { code: 'E_JOB_CALL_FAILED', message: `the answer broke off: ${(error as Error).message}` } }
    }
    const text = Buffer.concat(chunks)
    const type = String([answer.headers['content-type']].flat()[0] ?? '')
    let output: unknown = text.length === 0 ? null : { contentType: type, base64: text.toString('base64') }
    if (/\bjson\b/i.test(type)) {
      try { output = JSON.parse(text.toString('utf8')) } catch { /* kept as bytes */ }
    }
    const ok = answer.statusCode >= 200 && answer.statusCode < 300
    if (ok) return { ok, status: answer.statusCode, version, output, error: null }
    const own = (output as { error?: { code?: unknown; message?: unknown } } | null)?.error
    const error = { code: typeof own?.code === 'string' ? own.code : `HTTP_${answer.statusCode}`, message: typeof own?.message === 'string' ? own.message : `the model answered ${answer.statusCode}` }
    return { ok, status: answer.statusCode, version, output, error }
  }
}
