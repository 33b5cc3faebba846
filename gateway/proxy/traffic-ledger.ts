/**
 * The data plane's side of the rollout seam (deployer/rollout/traffic.ts): what the proxy is
 * carrying to each version now (for drains), and a bounded log of the requests that ended (for
 * the canary's windows) and of the mirrored copies (for shadow agreement). Recording is a couple
 * of map lookups and array writes per request; the windows are read only at each check.
 */
import type { ShadowFigures, TrafficSource, WindowFigures } from '../../deployer/index.js'

/** Entries kept per version: at 200 requests/s, over four minutes. */
const CAPACITY = 50_000
const OK = 1
const COMPARED = 2
const AGREED = 4

/** A ring of (end time, duration, flags), newest last. */
class RequestLog {
  private readonly times = new Float64Array(CAPACITY)
  private readonly durations = new Float32Array(CAPACITY)
  private readonly flags = new Uint8Array(CAPACITY)
  private next = 0
  private size = 0

  add(time: number, durationMs: number, flags: number): void {
    this.times[this.next] = time
    this.durations[this.next] = durationMs
    this.flags[this.next] = flags
    this.next = (this.next + 1) % CAPACITY
    if (this.size < CAPACITY) this.size += 1
  }

  read(fromMs: number, toMs: number): ShadowFigures {
    const durations: number[] = []
    let succeeded = 0
    let compared = 0
    let agreed = 0
    for (let i = 1; i <= this.size; i++) {
      const at = (this.next - i + CAPACITY) % CAPACITY
      const time = this.times[at]!
      if (time < fromMs) break
      if (time >= toMs) continue
      const flags = this.flags[at]!
      durations.push(this.durations[at]!)
      if (flags & OK) succeeded += 1
      if (flags & COMPARED) compared += 1
      if (flags & AGREED) agreed += 1
    }
    durations.sort((a, b) => a - b)
    const p95Ms = durations.length === 0 ? null : Math.round(durations[Math.max(0, Math.ceil(0.95 * durations.length) - 1)]! * 1000) / 1000
    return { requests: durations.length, succeeded, p95Ms, compared, agreed }
  }
}

export interface TrafficLedgerOptions {
  /** Mean of a tracked-run metric, for the canary's metric thresholds (from the run store). */
  metricMean?: TrafficSource['metricMean']
  now?: () => number
}

export class TrafficLedger implements TrafficSource {
  private readonly carrying = new Map<string, { requests: number; streams: number }>()
  private readonly primary = new Map<string, RequestLog>()
  private readonly mirrored = new Map<string, RequestLog>()
  private readonly now: () => number
  readonly metricMean: TrafficSource['metricMean']

  constructor(options: TrafficLedgerOptions = {}) {
    this.now = options.now ?? Date.now
    this.metricMean = options.metricMean
  }

  /** A request to `ref` started (the proxy chose its replica). */
  begin(ref: string): void {
    const entry = this.carrying.get(ref)
    if (entry) entry.requests += 1
    else this.carrying.set(ref, { requests: 1, streams: 0 })
  }

  /** The request turned out to be a stream (SSE answer, WebSocket tunnel). */
  markStream(ref: string): void {
    const entry = this.carrying.get(ref)
    if (entry) entry.streams += 1
  }

  /** The request ended; `ok` when it was answered below 500 with no socket error. */
  end(ref: string, ok: boolean, durationMs: number, stream: boolean): void {
    const entry = this.carrying.get(ref)
    if (entry) {
      entry.requests -= 1
      if (stream) entry.streams -= 1
    }
    logFor(this.primary, ref).add(this.now(), durationMs, ok ? OK : 0)
  }

  /** A mirrored copy to `ref` ended; `agreed` is null when the two answers could not be compared. */
  recordShadow(ref: string, ok: boolean, durationMs: number, agreed: boolean | null): void {
    logFor(this.mirrored, ref).add(this.now(), durationMs, (ok ? OK : 0) | (agreed === null ? 0 : COMPARED) | (agreed ? AGREED : 0))
  }

  inFlight(ref: string): { requests: number; streams: number } {
    const entry = this.carrying.get(ref)
    return entry ? { ...entry } : { requests: 0, streams: 0 }
  }

  window(ref: string, fromMs: number, toMs: number): WindowFigures {
    const { requests, succeeded, p95Ms } = this.primary.get(ref)?.read(fromMs, toMs) ?? { requests: 0, succeeded: 0, p95Ms: null }
    return { requests, succeeded, p95Ms }
  }

  shadow(ref: string, fromMs: number, toMs: number): ShadowFigures {
    return this.mirrored.get(ref)?.read(fromMs, toMs) ?? { requests: 0, succeeded: 0, p95Ms: null, compared: 0, agreed: 0 }
  }
}

function logFor(logs: Map<string, RequestLog>, ref: string): RequestLog {
  let log = logs.get(ref)
  if (!log) logs.set(ref, (log = new RequestLog()))
  return log
}
