/**
 * `ferry timeseries [MODEL]`: what the console's charts draw, as a table (GET
 * /api/models/:name/timeseries, or GET /api/timeseries for every model): per version its
 * requests/s, error rate, p50/p95/p99 latency, ready replicas and rollout weight, newest points
 * last, then the markers (deploys, alias moves, rollbacks, rollout steps) of the range.
 */
import { UsageError } from '../../../packager/ferry-error.js'
import type { Marker, TimeseriesPoint, VersionSeries } from '../../timeseries/timeseries-store.js'
import { CLIENT_OPTIONS, createApiClient } from '../_client.js'
import { renderTable } from '../_table.js'
import { defineCommand } from '../command.js'

interface Answer { range: string; from: number; to: number; stepMs: number; models: Array<{ model: string; versions: VersionSeries[] }>; markers: Marker[] }
type Result = Answer & { points: number; version: string | null }

const DEFAULT_POINTS = 10

const figure = (value: number | null, digits: number) => (value === null ? '-' : value.toFixed(digits))
const clock = (t: number) => new Date(t).toISOString().slice(0, 19).replace('T', ' ')

export default defineCommand<Result>({
  usage: 'ferry timeseries [MODEL] [--range 15m|1h|24h] [--version VERSION] [--points N] [--json] [--gateway URL] [--token TOKEN]',
  description: 'Print each version\'s requests/s, errors, latency percentiles, ready replicas and rollout weight over the last 15 minutes, hour or day (what the console\'s charts show), then the deploys, alias moves, rollbacks and rollout steps of that range. Without MODEL, every model. --json prints every point.',
  options: {
    range: { type: 'string', value: 'RANGE', description: '15m, 1h (default) or 24h (one point per minute)' },
    version: { type: 'string', value: 'VERSION', description: 'only this version of the model' },
    points: { type: 'string', value: 'N', description: `the newest N points of each version (default ${DEFAULT_POINTS}; 0: all of the range)` },
    ...CLIENT_OPTIONS,
  },
  positionals: { min: 0, max: 1 },
  async run({ values, positionals }, context) {
    const pointsText = typeof values['points'] === 'string' ? values['points'] : String(DEFAULT_POINTS)
    if (!/^\d{1,6}$/.test(pointsText)) throw new UsageError(`--points must be a whole number (0 for all), not "${pointsText.slice(0, 40)}"`)
    const version = typeof values['version'] === 'string' ? values['version'] : null
    const [model] = positionals
    if (version !== null && model === undefined) throw new UsageError('--version needs the model too, e.g. `ferry timeseries ocr --version 1.2.0`')
    const query = typeof values['range'] === 'string' ? `?${new URLSearchParams({ range: values['range'] })}` : ''
    const client = createApiClient(values, context)
    let answer: Answer
    if (model === undefined) answer = await client.call<Answer>('GET', `/timeseries${query}`)
    else {
      // One model's markers come without its name.
      const one = await client.call<Omit<Answer, 'models' | 'markers'> & { model: string; versions: VersionSeries[]; markers: Array<Omit<Marker, 'model'>> }>('GET', `/models/${encodeURIComponent(model)}/timeseries${query}`)
      answer = { range: one.range, from: one.from, to: one.to, stepMs: one.stepMs, markers: one.markers.map((m) => ({ model: one.model, ...m })), models: [{ model: one.model, versions: one.versions }] }
    }
    if (version !== null) {
      answer.models = answer.models.map((m) => ({ ...m, versions: m.versions.filter((v) => v.version === version) }))
      answer.markers = answer.markers.filter((m) => m.version === version)
    }
    return { result: { ...answer, points: Number(pointsText), version } }
  },
  render(result) {
    const head = `last ${result.range}: ${clock(result.from)} to ${clock(result.to)} UTC, one point per ${result.stepMs / 1000} s`
    const rows: string[][] = []
    for (const { model, versions } of result.models) {
      for (const { version, points } of versions) {
        const shown: TimeseriesPoint[] = result.points === 0 ? points : points.slice(-result.points)
        for (const p of shown) {
          rows.push([clock(p.t), `${model}@${version}`, figure(p.rps, 2), String(p.requests), p.errorRate === null ? '-' : `${(p.errorRate * 100).toFixed(1)}%`, figure(p.p50, 1), figure(p.p95, 1), figure(p.p99, 1), String(p.replicas), p.weight === null ? '-' : `${p.weight}%`])
        }
      }
    }
    const what = result.version ? `${result.models[0]?.model}@${result.version}` : result.models.length === 1 ? result.models[0]!.model : 'any model'
    const table = rows.length === 0 ? `no samples of ${what} in this range` : renderTable(['TIME', 'VERSION', 'REQ/S', 'REQUESTS', 'ERRORS', 'P50 MS', 'P95 MS', 'P99 MS', 'READY', 'WEIGHT'], rows)
    const markers = result.markers.length === 0 ? [] : ['', 'markers:', renderTable(['TIME', 'VERSION', 'KIND', 'WHAT'], result.markers.map((m) => [clock(m.t), `${m.model}@${m.version}`, m.kind, m.detail]))]
    return [head, table, ...markers].join('\n')
  },
})
