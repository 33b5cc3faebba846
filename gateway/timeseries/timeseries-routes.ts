/**
 * GET /api/models/:name/timeseries and GET /api/timeseries (viewer): each version's requests/s,
 * error rate (5xx share), p50/p95/p99 latency in ms, ready replicas and rollout weight over the
 * last 15 minutes, hour (one point per sample) or day (one per minute), with the markers.
 */
import { Hono, type Context } from 'hono'
import { modelNotFound } from '../../deployer/index.js'
import { createGatewayError } from '../errors.js'
import { queryString } from '../_query.js'
import { RANGES, type RangeName, type TimeseriesStore } from './timeseries-store.js'

export interface TimeseriesView {
  store: TimeseriesStore
  /** Models the gateway knows now (the routing table's). */
  models(): string[]
  /** ms between full-resolution points. */
  sampleMs: number
  now(): number
}

const RANGE_NAMES = Object.keys(RANGES) as RangeName[]

function readRange(c: Context): RangeName {
  // `range=15m&range=24h` is refused rather than read as its first value: the client meant one of them.
  const given = c.req.queries('range') ?? []
  if (given.length > 1) throw createGatewayError('E_QUERY_INVALID', `range is given ${given.length} times; give it once`, { details: { parameter: 'range', allowed: RANGE_NAMES } })
  const value = queryString(c, 'range') ?? '1h'
  if (!Object.hasOwn(RANGES, value)) {
    throw createGatewayError('E_QUERY_INVALID', `range must be one of ${RANGE_NAMES.join(', ')}, not "${value.slice(0, 40)}"`, { details: { parameter: 'range', allowed: RANGE_NAMES } })
  }
  return value as RangeName
}

/** Mounted at /api. */
export function createTimeseriesRoutes(view: TimeseriesView): Hono {
  const routes = new Hono()
  const frame = (range: RangeName) => {
    const to = view.now()
    return { range, from: to - RANGES[range].ms, to, stepMs: RANGES[range].resolution || view.sampleMs }
  }
  routes.get('/models/:name/timeseries', (c) => {
    const name = c.req.param('name')
    const range = readRange(c)
    const known = view.models()
    if (!known.includes(name) && !view.store.hasModel(name)) {
      throw modelNotFound(name, known)
    }
    const head = frame(range)
    return c.json({ model: name, ...head, ...view.store.readModel(name, range, head.to) })
  })
  routes.get('/timeseries', (c) => {
    const head = frame(readRange(c))
    return c.json({ ...head, ...view.store.readAll(head.range, head.to) })
  })
  return routes
}
