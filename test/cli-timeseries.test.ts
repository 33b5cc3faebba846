/**
 * `ferry timeseries` against a real `ferry serve` sampling every 300 ms: the table of a model's
 * points and markers, every model at once, --json with every point, and the refusals.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { waitFor } from './_deployer-helpers.js'
import { runFerry } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

test('ferry timeseries prints what the charts show: points per version, then the markers', { timeout: 90_000 }, async (t) => {
  const ferry = await startFerryServe(t, { env: { FERRY_TIMESERIES_SAMPLE_MS: '300' } })
  await ferry.deployFolder(ferryPath('examples', 'echo'))
  const client = ['--gateway', ferry.url, '--token', ferry.token]
  for (let i = 0; i < 20; i++) assert.equal((await fetch(`${ferry.url}/models/echo/health`)).status, 200)
  await waitFor(async () => {
    const body = await (await ferry.api('/api/models/echo/timeseries?range=15m')).json() as { versions: Array<{ points: Array<{ requests: number }> }> }
    return (body.versions[0]?.points ?? []).reduce((n, p) => n + p.requests, 0) >= 20
  }, 15_000, 'the requests sampled')

  const table = await runFerry(['timeseries', 'echo', '--range', '15m', ...client])
  assert.equal(table.code, 0, table.stderr)
  assert.match(table.stdout, /^last 15m: \S+ \S+ to \S+ \S+ UTC, one point per 0\.3 s$/m)
  assert.match(table.stdout, /^TIME\s+VERSION\s+REQ\/S\s+REQUESTS\s+ERRORS\s+P50 MS\s+P95 MS\s+P99 MS\s+READY\s+WEIGHT$/m)
  const rows = table.stdout.split('\n').filter((line) => /^\d{4}-\d\d-\d\d \S+\s+echo@1\.0\.0\s/.test(line))
  assert.ok(rows.length >= 1 && rows.length <= 10, `the newest points only (at most 10): ${rows.length}`)
  assert.match(table.stdout, /^markers:$/m)
  assert.match(table.stdout, /\secho@1\.0\.0\s+deploy\s/)

  const json = JSON.parse((await runFerry(['timeseries', 'echo', '--range', '15m', '--json', ...client])).stdout) as { models: Array<{ model: string; versions: Array<{ version: string; points: Array<{ requests: number; rps: number }> }> }>; markers: Array<{ model: string; kind: string }> }
  const points = json.models[0]!.versions[0]!.points
  assert.equal(points.reduce((n, p) => n + p.requests, 0) >= 20, true, 'every point, with every request counted')
  assert.ok(json.markers.some((m) => m.model === 'echo' && m.kind === 'deploy'), 'one model\'s markers are named too')

  const all = await runFerry(['timeseries', '--points', '1', ...client])
  assert.equal(all.code, 0, all.stderr)
  assert.equal(all.stdout.split('\n').filter((line) => /\secho@1\.0\.0\s/.test(line) && !/deploy|alias/.test(line)).length, 1, 'one point per version with --points 1')

  assert.match((await runFerry(['timeseries', 'echo', '--version', '9.9.9', ...client])).stdout, /no samples of echo@9\.9\.9 in this range/)
  const badPoints = await runFerry(['timeseries', 'echo', '--points', 'many', ...client])
  assert.equal(badPoints.code, 2)
  assert.match(badPoints.stderr, /--points must be a whole number/)
  assert.equal((await runFerry(['timeseries', '--version', '1.0.0', ...client])).code, 2, '--version without a model')
  const badRange = await runFerry(['timeseries', 'echo', '--range', '2d', ...client])
  assert.equal(badRange.code, 1)
  assert.match(badRange.stderr, /E_QUERY_INVALID: range must be one of 15m, 1h, 24h/)
  const unknown = await runFerry(['timeseries', 'nope', ...client])
  assert.equal(unknown.code, 1)
  assert.match(unknown.stderr, /E_MODEL_NOT_FOUND/)
})
