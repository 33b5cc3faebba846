/**
 * The console's traffic figures (webui/src/metrics.ts, run here from its compiled module): the
 * Prometheus text it parses, requests/s between two scrapes, and the p95 it interpolates from
 * histogram buckets as Prometheus' histogram_quantile does.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { ferryPath } from '../packager/repo-root.js'

interface Sample { name: string; labels: Record<string, string>; value: number }
interface Scrape { at: number; samples: Sample[] }
interface MetricsModule {
  parsePrometheus(text: string): Sample[]
  quantile(q: number, buckets: Map<number, number>): number | null
  computeTraffic(before: Scrape | undefined, after: Scrape): Map<string, { requestsPerSecond: number | null; p95Ms: number | null; total: number }>
}

const MODULE = ferryPath('dist', 'webui', 'metrics.js')
const skip = existsSync(MODULE) ? undefined : 'the console is not built (npx tsc -p webui/tsconfig.json)'
const load = () => import(pathToFileURL(MODULE).href) as Promise<MetricsModule>

function scrape(at: number, count: number, buckets: Record<string, number>): string {
  return [
    '# TYPE ferry_requests_total counter',
    `ferry_requests_total{model="ocr",version="1.0.0",code="200"} ${count}`,
    ...Object.entries(buckets).map(([le, n]) => `ferry_request_duration_seconds_bucket{model="ocr",version="1.0.0",le="${le}"} ${n}`),
    `ferry_request_duration_seconds_count{model="ocr",version="1.0.0"} ${count}`,
  ].join('\n')
}

test('parsePrometheus reads names, escaped labels and special values', { skip }, async () => {
  const { parsePrometheus } = await load()
  const samples = parsePrometheus('# HELP x y\nx_total{a="q\\"uote",b="two"} 3\nup 1 1700000000\ny_bucket{le="+Inf"} +Inf\n')
  assert.deepEqual(samples, [
    { name: 'x_total', labels: { a: 'q"uote', b: 'two' }, value: 3 },
    { name: 'up', labels: {}, value: 1 },
    { name: 'y_bucket', labels: { le: '+Inf' }, value: Infinity },
  ])
})

test('quantile interpolates inside the bucket holding the rank', { skip }, async () => {
  const { quantile } = await load()
  // 100 observations: 50 under 10 ms, 40 more under 50 ms, 10 more under 100 ms.
  const buckets = new Map([[0.01, 50], [0.05, 90], [0.1, 100], [Infinity, 100]])
  assert.ok(Math.abs(quantile(0.95, buckets)! - 0.075) < 1e-9)
  assert.ok(Math.abs(quantile(0.5, buckets)! - 0.01) < 1e-9)
  assert.equal(quantile(0.95, new Map([[0.1, 0], [Infinity, 0]])), null)
  assert.equal(quantile(0.95, new Map([[0.1, 1], [Infinity, 10]])), 0.1, 'beyond the last bound: the last bound')
})

test('computeTraffic: requests/s and p95 over the interval, p95 since start when it saw none', { skip }, async () => {
  const { parsePrometheus, computeTraffic } = await load()
  const first: Scrape = { at: 0, samples: parsePrometheus(scrape(0, 10, { '0.01': 10, '0.1': 10, '+Inf': 10 })) }
  const second: Scrape = { at: 5000, samples: parsePrometheus(scrape(5000, 30, { '0.01': 10, '0.1': 30, '+Inf': 30 })) }
  const traffic = computeTraffic(first, second).get('ocr@1.0.0')!
  assert.equal(traffic.requestsPerSecond, 4)
  assert.ok(Math.abs(traffic.p95Ms! - 95.5) < 1e-6, `p95 of the 20 new requests, all 10-100 ms: ${traffic.p95Ms}`)
  const idle = computeTraffic(second, { ...second, at: 10_000 }).get('ocr@1.0.0')!
  assert.equal(idle.requestsPerSecond, 0)
  assert.ok(idle.p95Ms! > 10, 'falls back to every request since start')
  assert.equal(computeTraffic(undefined, first).get('ocr@1.0.0')!.requestsPerSecond, null, 'one scrape gives no rate')
})
