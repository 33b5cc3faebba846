/**
 * The last minute of requests per model@version, in one-second slots, for the console's
 * requests/s and p95 latency. Memory stays bounded: at most 60 slots of at most
 * MAX_SAMPLES_PER_SLOT durations per series (the count is exact beyond it, the p95 sampled).
 */

export const WINDOW_SECONDS = 60
const MAX_SAMPLES_PER_SLOT = 1000

interface Slot { second: number; count: number; durations: number[] }

export class RequestWindow {
  readonly #slots: Slot[] = []

  record(nowMs: number, durationSeconds: number): void {
    const second = Math.floor(nowMs / 1000)
    const index = second % WINDOW_SECONDS
    let slot = this.#slots[index]
    if (!slot || slot.second !== second) {
      slot = { second, count: 0, durations: [] }
      this.#slots[index] = slot
    }
    slot.count += 1
    if (slot.durations.length < MAX_SAMPLES_PER_SLOT) slot.durations.push(durationSeconds)
  }

  /** Requests and durations of the last WINDOW_SECONDS seconds, the current one included. */
  read(nowMs: number): { count: number; p95Seconds: number | null } {
    const oldest = Math.floor(nowMs / 1000) - WINDOW_SECONDS + 1
    let count = 0
    const durations: number[] = []
    for (const slot of this.#slots) {
      if (!slot || slot.second < oldest || slot.second > oldest + WINDOW_SECONDS - 1) continue
      count += slot.count
      durations.push(...slot.durations)
    }
    return { count, p95Seconds: percentile(durations, 0.95) }
  }
}

/** Nearest-rank percentile: the smallest value with at least p of the values at or below it. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!
}
