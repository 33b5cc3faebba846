/**
 * The console's charts outside the browser: uPlot served from node_modules under
 * /console/vendor/ (only the files named, with the console's CSP), and the chart data the
 * console computes (webui/src/charts/, run here from its compiled modules): versions lined up on
 * one time axis with a gap where samples are missing, the words of a text alternative, and runs
 * as points of a metric against time or another metric.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { createConsoleRoutes, CONSOLE_CSP } from '../gateway/console-routes.js'
import { ferryPath } from '../packager/repo-root.js'

interface Point { t: number; requests: number; rps: number; errorRate: number | null; p50: number | null; p95: number | null; p99: number | null; replicas: number; weight: number | null }
interface ChartDataModule {
  alignSeries(series: Array<{ version: string; points: Point[] }>, pick: (p: Point) => number | null, stepMs: number): { x: number[]; ys: Array<Array<number | null>> }
  describeValues(values: Array<number | null>, format: (n: number) => string): string
}
interface RunPointsModule {
  X_TIME: string
  metricNames(runs: unknown[]): string[]
  runPoints(runs: unknown[], y: string, x: string): { x: number[]; series: Array<{ label: string; values: Array<number | null>; runs: Array<number | null> }>; skipped: number }
}

const CHART_DATA = ferryPath('dist', 'webui', 'charts', 'chart-data.js')
const RUN_POINTS = ferryPath('dist', 'webui', 'charts', 'run-points.js')
const skip = existsSync(CHART_DATA) && existsSync(RUN_POINTS) ? undefined : 'the console is not built (npx tsc -p webui/tsconfig.json)'
const point = (t: number, rps: number): Point => ({ t, requests: rps * 10, rps, errorRate: 0, p50: 1, p95: 2, p99: 3, replicas: 1, weight: null })

test('uPlot is served under /console/vendor/ with its types and the CSP; nothing else of node_modules is', async () => {
  const routes = createConsoleRoutes()
  const js = await routes.request('/console/vendor/uPlot.esm.js')
  assert.equal(js.status, 200)
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8')
  assert.equal(js.headers.get('content-security-policy'), CONSOLE_CSP)
  assert.match(await js.text(), /export \{ uPlot as default \}|export default uPlot/)
  assert.equal((await routes.request('/console/vendor/uPlot.min.css')).headers.get('content-type'), 'text/css; charset=utf-8')
  for (const path of ['/console/vendor/uPlot.cjs.js', '/console/vendor/package.json', '/console/vendor/../package.json', '/console/vendor/', '/console/vendor/uplot/dist/uPlot.esm.js']) {
    assert.equal((await routes.request(path)).status, 404, path)
  }
})

test('alignSeries puts every version on one time axis and breaks the line where samples are missing', { skip }, async () => {
  const { alignSeries } = await import(pathToFileURL(CHART_DATA).href) as ChartDataModule
  const a = { version: '1.0.0', points: [point(10_000, 1), point(20_000, 2), point(80_000, 4)] }
  const b = { version: '1.1.0', points: [point(20_000, 5)] }
  const { x, ys } = alignSeries([a, b], (p) => p.rps, 10_000)
  assert.deepEqual(x, [10_000, 20_000, 30_000, 80_000], 'a gap of six steps gets a null slot after the last point')
  assert.deepEqual(ys, [[1, 2, null, 4], [null, 5, null, null]])
  assert.deepEqual(alignSeries([], (p) => p.rps, 10_000), { x: [], ys: [] })
})

test('describeValues says the last, peak and mean figures, or that there are none', { skip }, async () => {
  const { describeValues } = await import(pathToFileURL(CHART_DATA).href) as ChartDataModule
  assert.equal(describeValues([1, null, 3, 2, null], (n) => `${n}/s`), 'last 2/s, peak 3/s, mean 2/s')
  assert.equal(describeValues([null, null], String), 'no data')
})

test('runPoints: a metric over time or against another, one series per model@version, runs without both left out', { skip }, async () => {
  const { metricNames, runPoints, X_TIME } = await import(pathToFileURL(RUN_POINTS).href) as RunPointsModule
  const run = (id: number, version: string, minute: number, metrics: Record<string, number>) => ({ id, model: 'm', version, startedAt: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(), metrics })
  const runs = [run(1, '1.0.0', 3, { conf: 0.5, ms: 30 }), run(2, '1.1.0', 1, { conf: 0.9, ms: 10 }), run(3, '1.0.0', 2, { conf: 0.7 }), run(4, '1.1.0', 4, { other: 1 })]
  assert.deepEqual(metricNames(runs), ['conf', 'ms', 'other'])
  const overTime = runPoints(runs, 'conf', X_TIME)
  assert.deepEqual(overTime.x, [1, 2, 3].map((m) => Date.UTC(2026, 0, 1, 0, m)))
  assert.deepEqual(overTime.series.map((s) => [s.label, s.values, s.runs]), [['m@1.0.0', [null, 0.7, 0.5], [null, 3, 1]], ['m@1.1.0', [0.9, null, null], [2, null, null]]])
  assert.equal(overTime.skipped, 1)
  const against = runPoints(runs, 'conf', 'ms')
  assert.deepEqual(against.x, [10, 30])
  assert.equal(against.skipped, 2, 'run 3 has no ms, run 4 no conf')
})
