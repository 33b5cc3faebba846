/**
 * Requests/s and p95 latency per model@version, computed in the browser from two scrapes of
 * /metrics (Prometheus text): the change of ferry_requests_total over the time between them, and
 * the 95th percentile of the change of ferry_request_duration_seconds' buckets, interpolated
 * within a bucket as Prometheus' histogram_quantile does.
 */

export interface Sample { name: string; labels: Record<string, string>; value: number }

export interface Scrape { at: number; samples: Sample[] }

export interface Traffic {
  requestsPerSecond: number | null
  /** Over the interval when it saw requests, else since the server started; null with no requests at all. */
  p95Ms: number | null
  total: number
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** Parses the text exposition format (comments and timestamps ignored). */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const match = LINE.exec(line)
    if (!match) continue
    const labels: Record<string, string> = {}
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    const raw = match[3]!
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw)
    samples.push({ name: match[1]!, labels, value })
  }
  return samples
}

export async function scrapeMetrics(): Promise<Scrape> {
  const response = await fetch('/metrics', { cache: 'no-store' })
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`)
  return { at: performance.now(), samples: parsePrometheus(await response.text()) }
}

type Buckets = Map<number, number>

function collect(scrape: Scrape | undefined): Map<string, { count: number; buckets: Buckets }> {
  const byRef = new Map<string, { count: number; buckets: Buckets }>()
  const entry = (labels: Record<string, string>) => {
    const ref = `${labels['model']}@${labels['version']}`
    let found = byRef.get(ref)
    if (!found) byRef.set(ref, (found = { count: 0, buckets: new Map() }))
    return found
  }
  for (const s of scrape?.samples ?? []) {
    if (s.name === 'ferry_requests_total') entry(s.labels).count += s.value
    else if (s.name === 'ferry_request_duration_seconds_bucket') {
      const le = s.labels['le'] === '+Inf' ? Infinity : Number(s.labels['le'])
      const buckets = entry(s.labels).buckets
      buckets.set(le, (buckets.get(le) ?? 0) + s.value)
    }
  }
  return byRef
}

/** The q-quantile of cumulative buckets, in seconds (null without observations). */
export function quantile(q: number, buckets: Buckets): number | null {
  const bounds = [...buckets.keys()].sort((a, b) => a - b)
  const total = buckets.get(Infinity) ?? (bounds.length ? buckets.get(bounds[bounds.length - 1]!)! : 0)
  if (!total || total <= 0) return null
  const rank = q * total
  let lowerBound = 0
  let lowerCount = 0
  for (const bound of bounds) {
    const count = buckets.get(bound)!
    if (count >= rank) {
      if (bound === Infinity) return lowerBound
      return lowerBound + (bound - lowerBound) * ((rank - lowerCount) / Math.max(count - lowerCount, 1e-9))
    }
    lowerBound = bound
    lowerCount = count
  }
  return lowerBound
}

/** Traffic per `model@version` between two scrapes (`before` may be missing: first scrape). */
export function computeTraffic(before: Scrape | undefined, after: Scrape): Map<string, Traffic> {
  const a = collect(before)
  const b = collect(after)
  const seconds = before ? (after.at - before.at) / 1000 : 0
  const result = new Map<string, Traffic>()
  for (const [ref, now] of b) {
    const then = a.get(ref)
    const delta = new Map([...now.buckets].map(([le, count]) => [le, count - (then?.buckets.get(le) ?? 0)]))
    const windowP95 = quantile(0.95, delta)
    const p95 = windowP95 ?? quantile(0.95, now.buckets)
    result.set(ref, {
      requestsPerSecond: before && seconds > 0 ? Math.max(0, now.count - (then?.count ?? 0)) / seconds : null,
      p95Ms: p95 === null ? null : p95 * 1000,
      total: now.count,
    })
  }
  return result
}
