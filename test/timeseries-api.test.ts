/**
 * The time series (gateway/timeseries/) end to end on an in-process gateway sampling every 250 ms:
 * real requests to a real instance show up as each version's rate, errors, latency and replicas,
 * a canary's weights and the deploy, alias, rollout and rollback markers; the history survives a restart;
 * a bad range and an unknown model are refused. Then the store on its own: a minute sums its
 * samples (the p95 of its requests, not an average of p95s), an hour and a day are kept; the
 * metrics' snapshot the sampler reads.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createMetrics, REQUEST_DURATION_BUCKETS } from '../gateway/metrics.js'
import { openTimeseriesDatabase, TimeseriesStore } from '../gateway/timeseries/index.js'
import { waitFor } from './_deployer-helpers.js'
import { makeTempDir } from './_helpers.js'
import { openTestGateway, packRolloutModel, startLoad } from './_rollout-helpers.js'

// Resolved once by the gateway's options, as FERRY_TIMESERIES_SAMPLE_MS is for `ferry serve`.
process.env['FERRY_TIMESERIES_SAMPLE_MS'] = '250'

interface Point { t: number; requests: number; rps: number; errorRate: number | null; p50: number | null; p95: number | null; p99: number | null; replicas: number; weight: number | null }
interface Series { model: string; range: string; stepMs: number; versions: Array<{ version: string; points: Point[] }>; markers: Array<{ t: number; kind: string; version: string; detail: string }> }

async function upload(gateway: { url: string; token: string }, zip: string): Promise<string> {
  const response = await fetch(`${gateway.url}/api/packages`, { method: 'POST', headers: { authorization: `Bearer ${gateway.token}`, 'content-type': 'application/zip' }, body: await readFile(zip) })
  assert.ok(response.ok, await response.clone().text())
  return ((await response.json()) as { digest: string }).digest
}

const total = (points: Point[], pick: (p: Point) => number) => points.reduce((sum, p) => sum + pick(p), 0)
const errorsOf = (p: Point) => Math.round(p.requests * (p.errorRate ?? 0))

test('requests, errors, latency, replicas, weights and markers are kept per version, across a restart', { timeout: 120_000 }, async (t) => {
  const { gateway, tmp, api, dataDir } = await openTestGateway(t)
  const deployed = await api('POST', '/deployments', { package: await upload(gateway, await packRolloutModel(tmp, '1.0.0', { FAIL_PERCENT: '25', SLOW_MS: '30' })) })
  assert.equal(deployed.status, 201, JSON.stringify(deployed.body))
  let failed = 0
  for (let i = 0; i < 40; i++) {
    const response = await fetch(`${gateway.url}/models/rollout-model/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i }) })
    await response.text()
    if (response.status === 500) failed += 1
  }
  assert.ok(failed >= 8, `FAIL_PERCENT 25 failed ${failed} of 40`)
  const read = async (range: string) => (await api('GET', `/models/rollout-model/timeseries?range=${range}`)).body as Series
  const first = await waitFor(async () => {
    const series = await read('15m')
    const points = series.versions.find((v) => v.version === '1.0.0')?.points ?? []
    return total(points, (p) => p.requests) >= 40 && total(points, errorsOf) >= failed ? series : undefined
  }, 10_000, 'the 40 requests in the samples')
  const points = first.versions.find((v) => v.version === '1.0.0')!.points
  const busy = points.filter((p) => p.requests > 0)
  assert.ok(busy.every((p) => p.rps > 0 && p.p50! > 0 && p.p95! >= p.p50! && p.p99! >= p.p95!), JSON.stringify(busy))
  assert.ok(busy.some((p) => p.p95! >= 25), `SLOW_MS 30: p95 at least the 25 ms bucket, got ${busy.map((p) => p.p95)}`)
  assert.ok(busy.some((p) => p.errorRate! > 0))
  assert.equal(points.at(-1)!.replicas, 1)
  assert.equal(points.at(-1)!.weight, null, 'no rollout, no weight')
  assert.ok(points.every((p, i) => i === 0 || p.t > points[i - 1]!.t), 'in time order')
  assert.equal(first.stepMs, 250)
  assert.ok(first.markers.some((m) => m.kind === 'deploy' && m.version === '1.0.0'), JSON.stringify(first.markers))
  assert.ok(first.markers.some((m) => m.kind === 'alias' && m.detail === 'latest → 1.0.0'), JSON.stringify(first.markers))
  const day = await read('24h')
  assert.equal(day.stepMs, 60_000)
  const minutes = day.versions.find((v) => v.version === '1.0.0')!.points
  assert.equal(total(minutes, (p) => p.requests), total(points, (p) => p.requests), 'the minutes sum the samples')

  // A canary: both versions carry their share of latest while it runs.
  const load = startLoad(`${gateway.url}/models/rollout-model/predict`, 20, (i) => ({ i }))
  t.after(() => load.stop())
  const canary = await api('POST', '/deployments', { package: await upload(gateway, await packRolloutModel(tmp, '1.1.0')), strategy: 'canary', step: 20, maxWeight: 60, interval: '1s', minRequests: 1, minSuccessRate: 0, maxLatencyRatio: 100 })
  assert.equal(canary.status, 201, JSON.stringify(canary.body))
  const during = await waitFor(async () => {
    const series = await read('15m')
    const last = (version: string) => series.versions.find((v) => v.version === version)?.points.at(-1)
    const stable = last('1.0.0')
    const candidate = last('1.1.0')
    return stable?.weight != null && candidate?.weight != null && candidate.weight > 0 && candidate.requests > 0 ? { series, stable, candidate } : undefined
  }, 20_000, 'the canary weights in a sample')
  assert.equal(during.stable.weight! + during.candidate.weight!, 100)
  assert.ok(during.series.markers.some((m) => m.kind === 'rollout' && m.version === '1.1.0'), JSON.stringify(during.series.markers))
  // Rolled back mid-canary: a rollback marker.
  assert.equal((await api('POST', '/rollouts/rollout-model/rollback')).status, 200)
  await waitFor(async () => (await read('15m')).markers.some((m) => m.kind === 'rollback' && m.version === '1.1.0'), 5000, 'the rollback marker')
  await load.stop()

  const all = (await api('GET', '/timeseries?range=1h')).body as { models: Array<{ model: string; versions: Series['versions'] }>; markers: Array<{ model: string }> }
  assert.deepEqual(all.models.map((m) => m.model), ['rollout-model'])
  assert.deepEqual(all.models[0]!.versions.map((v) => v.version), ['1.0.0', '1.1.0'])
  assert.ok(all.markers.every((m) => m.model === 'rollout-model') && all.markers.length > 0)

  const badRange = await api('GET', '/models/rollout-model/timeseries?range=7d')
  assert.equal(badRange.status, 400)
  assert.equal(badRange.body.error.code, 'E_QUERY_INVALID')
  assert.deepEqual(badRange.body.error.details, { parameter: 'range', allowed: ['15m', '1h', '24h'] })
  assert.equal((await api('GET', '/timeseries?range=')).status, 200, 'an empty range is the default')
  const unknown = await api('GET', '/models/no-such-model/timeseries')
  assert.equal(unknown.status, 404)
  assert.equal(unknown.body.error.code, 'E_MODEL_NOT_FOUND')

  // A restart keeps the history: the requests of before are still there, the markers too.
  const before = await read('1h')
  await gateway.close()
  const { api: again } = await openTestGateway(t, {}, dataDir)
  const after = (await again('GET', '/models/rollout-model/timeseries?range=1h')).body as Series
  const requestsOf = (s: Series, version: string) => total(s.versions.find((v) => v.version === version)?.points ?? [], (p) => p.requests)
  assert.ok(requestsOf(after, '1.0.0') >= requestsOf(before, '1.0.0') && requestsOf(before, '1.0.0') >= 40, `${requestsOf(before, '1.0.0')} → ${requestsOf(after, '1.0.0')}`)
  assert.ok(after.markers.length >= before.markers.length)
  assert.ok(after.markers.some((m) => m.kind === 'deploy' && m.version === '1.0.0'))
})

test('a minute sums its samples, an hour is kept at full resolution and a day per minute', async (t) => {
  const tmp = await makeTempDir(t, 'ferry-timeseries-')
  const db = openTimeseriesDatabase(tmp)
  t.after(() => db.close())
  const store = new TimeseriesStore(db)
  const bucket = (ms: number) => { const b = new Array<number>(REQUEST_DURATION_BUCKETS.length + 1).fill(0); b[REQUEST_DURATION_BUCKETS.findIndex((s) => ms / 1000 <= s)] = 1; return b }
  const times = (n: number, ms: number) => bucket(ms).map((x) => x * n)
  const start = Date.UTC(2026, 0, 1, 12, 0, 0)
  // One minute of six 10 s samples: 95 fast requests in the first, 5 slow ones in the last.
  for (let i = 1; i <= 6; i++) {
    const buckets = i === 1 ? times(95, 4) : i === 6 ? times(5, 900) : times(0, 4)
    store.record(start + i * 10_000, 10, [{ model: 'm', version: '1.0.0', requests: i === 1 ? 95 : i === 6 ? 5 : 0, errors: i === 6 ? 5 : 0, clientErrors: 0, buckets, replicas: 2, weight: null }])
  }
  const now = start + 60_000
  const fine = store.readModel('m', '15m', now).versions[0]!.points
  assert.equal(fine.length, 6)
  assert.equal(fine[0]!.rps, 9.5)
  assert.equal(fine[1]!.p95, null, 'no requests: no latency')
  const [minute] = store.readModel('m', '24h', now).versions[0]!.points
  assert.equal(minute!.t, start + 60_000)
  assert.equal(minute!.requests, 100)
  assert.ok(Math.abs(minute!.rps - 100 / 60) < 1e-9)
  assert.equal(minute!.errorRate, 0.05)
  assert.ok(minute!.p50! <= 5, `p50 of 95 fast requests ${minute!.p50}`)
  assert.ok(minute!.p99! > 500, `p99 reaches the slow ones ${minute!.p99}`)
  assert.equal(minute!.replicas, 2)
  // Two hours later the samples are gone, the minute is not; a day later neither.
  store.record(now + 2 * 3_600_000, 10, [])
  assert.equal(store.readModel('m', '1h', now + 2 * 3_600_000).versions.length, 0)
  assert.equal(store.readModel('m', '24h', now + 2 * 3_600_000).versions[0]!.points.length, 1)
  store.record(now + 25 * 3_600_000, 10, [])
  assert.equal(store.readModel('m', '24h', now + 25 * 3_600_000).versions.length, 0)
  await sleep(0)
})

test("the metrics' snapshot counts each version's requests by status class and latency bucket, stable and canary, not shadow copies", () => {
  const metrics = createMetrics()
  metrics.recordRequest({ model: 'm', version: '1.0.0', code: 200, durationSeconds: 0.004 })
  metrics.recordRequest({ model: 'm', version: '1.0.0', code: 201, durationSeconds: 0.2, role: 'canary' })
  metrics.recordRequest({ model: 'm', version: '1.0.0', code: 404, durationSeconds: 0.02 })
  metrics.recordRequest({ model: 'm', version: '1.0.0', code: 503, durationSeconds: 30 })
  metrics.recordRequest({ model: 'm', version: '1.0.0', code: 500, durationSeconds: 0.004, role: 'shadow' })
  const [counts, ...others] = metrics.snapshot()
  metrics.close()
  assert.equal(others.length, 0)
  assert.deepEqual(counts!.byClass, { '2xx': 2, '3xx': 0, '4xx': 1, '5xx': 1 })
  const expected = new Array<number>(REQUEST_DURATION_BUCKETS.length + 1).fill(0)
  expected[0] = 1 // 4 ms
  expected[REQUEST_DURATION_BUCKETS.indexOf(0.025)] = 1 // 20 ms
  expected[REQUEST_DURATION_BUCKETS.indexOf(0.25)] = 1 // 200 ms
  expected[REQUEST_DURATION_BUCKETS.length] = 1 // 30 s: above the last bound
  assert.deepEqual(counts!.buckets, expected)
})
