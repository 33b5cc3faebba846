/**
 * The gateway's time series (issue 15's dashboards): a sampler over the metrics and the routing
 * table, its SQLite store in `<data dir>/timeseries.db` (an hour at full resolution, a day per
 * minute, so a restart keeps the history), markers from the deployer's events, and the API.
 * /metrics is untouched; this is what the console charts without a Prometheus.
 */
import type { Hono } from 'hono'
import type { Deployer } from '../../deployer/index.js'
import type { Metrics } from '../metrics.js'
import type { RoutingTable } from '../routing/index.js'
import { markerOf } from './_event-markers.js'
import { Sampler } from './sampler.js'
import { openTimeseriesDatabase } from './timeseries-db.js'
import { createTimeseriesRoutes } from './timeseries-routes.js'
import { TimeseriesStore } from './timeseries-store.js'

export { RANGES, TimeseriesStore, type Marker, type RangeName, type SampleRow, type TimeseriesPoint, type VersionSeries } from './timeseries-store.js'
export { Sampler } from './sampler.js'
export { bucketQuantile } from '../_bucket-quantile.js'
export { openTimeseriesDatabase, TIMESERIES_DB_FILE } from './timeseries-db.js'

export interface TimeseriesSources {
  metrics: Pick<Metrics, 'snapshot'>
  routing(): RoutingTable
  deployer: Pick<Deployer, 'onEvent'>
}

export interface Timeseries {
  /** Starts sampling `sources` and recording markers; returns the API routes (mount at /api). */
  start(sources: TimeseriesSources): Hono
  /** Takes a sample now (also done on close, so the last seconds are kept). */
  sample(): void
  close(): void
}

/**
 * Opens the store (what can fail on a bad data directory: call it before anything starts), then
 * `start` samples.
 * @example const timeseries = openTimeseries({ dataDir, sampleMs: 10_000, logError }); app.route('/api', timeseries.start({ metrics, routing: () => routing.current(), deployer }))
 */
export function openTimeseries(options: { dataDir: string; sampleMs: number; logError(message: string): void }): Timeseries {
  const db = openTimeseriesDatabase(options.dataDir)
  const store = new TimeseriesStore(db)
  const onError = (error: unknown) => options.logError(`time series: ${(error as Error).message}`)
  let sampler: Sampler | undefined
  let unsubscribe = () => {}
  let closed = false
  return {
    start(sources) {
      sampler = new Sampler({ snapshot: () => sources.metrics.snapshot(), routing: sources.routing }, store)
      sampler.start(options.sampleMs, onError)
      unsubscribe = sources.deployer.onEvent((event) => {
        const marker = markerOf(event)
        if (!marker) return
        try { store.addMarker(marker) } catch (error) { onError(error) }
      })
      return createTimeseriesRoutes({ store, sampleMs: options.sampleMs, now: Date.now, models: () => Object.keys(sources.routing().models) })
    },
    sample: () => { sampler?.sample() },
    close() {
      if (closed) return
      closed = true
      sampler?.stop()
      unsubscribe()
      try { sampler?.sample() } catch (error) { onError(error) }
      db.close()
    },
  }
}
