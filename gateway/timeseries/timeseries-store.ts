/**
 * The stored time series: what each sample measured per model@version (requests, 5xx and 4xx
 * answers, latency bucket counts, ready replicas, rollout weight), kept at full resolution for an
 * hour and summed per minute for a day, plus the markers (deploys, alias moves, rollbacks, rollout
 * steps). Bucket counts are summed, never averaged, so a minute's p95 is the p95 of its requests.
 */
import type Database from 'better-sqlite3'
import { bucketQuantile } from '../_bucket-quantile.js'
import { REQUEST_DURATION_BUCKETS } from '../metrics.js'

/** The ranges the API serves, with their length and the resolution read for them. */
export const RANGES = Object.freeze({
  '15m': { ms: 15 * 60_000, resolution: 0 },
  '1h': { ms: 60 * 60_000, resolution: 0 },
  '24h': { ms: 24 * 60 * 60_000, resolution: 60_000 },
})
export type RangeName = keyof typeof RANGES

/** How long each resolution is kept. */
const KEEP_FINE_MS = RANGES['1h'].ms
const KEEP_MINUTES_MS = RANGES['24h'].ms
const MINUTE = 60_000

/** What one sample measured for one version over its interval. */
export interface SampleRow {
  model: string
  version: string
  requests: number
  /** 5xx answers (and requests that got none). */
  errors: number
  clientErrors: number
  /** Requests per latency bucket in the interval (metrics.ts REQUEST_DURATION_BUCKETS, one more above the last). */
  buckets: number[]
  replicas: number
  /** Percent of `latest` traffic during a rollout (mirrored copies for a shadow candidate); null with no rollout. */
  weight: number | null
}

/** One point of a chart; latencies in milliseconds, null when the interval saw no requests. */
export interface TimeseriesPoint {
  /** When the interval ended, ms since 1970. */
  t: number
  /** Requests answered in the interval (rps × its length). */
  requests: number
  rps: number
  errorRate: number | null
  p50: number | null
  p95: number | null
  p99: number | null
  replicas: number
  weight: number | null
}

export interface Marker { t: number; model: string; version: string; kind: 'deploy' | 'alias' | 'rollback' | 'rollout'; detail: string }

export interface VersionSeries { version: string; points: TimeseriesPoint[] }

interface Row { t: number; model: string; version: string; seconds: number; requests: number; errors: number; client_errors: number; buckets: string; p50: number | null; p95: number | null; p99: number | null; replicas: number; weight: number | null }

/** The columns a read needs: percentiles are computed when a row is written, so a day of points is read without parsing a bucket. */
const POINT_COLUMNS = 't, model, version, seconds, requests, errors, p50, p95, p99, replicas, weight'

function toPoint(row: Row): TimeseriesPoint {
  return {
    t: row.t,
    requests: row.requests,
    rps: row.requests / row.seconds,
    errorRate: row.requests > 0 ? row.errors / row.requests : null,
    p50: row.p50,
    p95: row.p95,
    p99: row.p99,
    replicas: row.replicas,
    weight: row.weight,
  }
}

const percentiles = (buckets: number[]) => ({ p50: bucketQuantile(0.5, buckets, REQUEST_DURATION_BUCKETS), p95: bucketQuantile(0.95, buckets, REQUEST_DURATION_BUCKETS), p99: bucketQuantile(0.99, buckets, REQUEST_DURATION_BUCKETS) })

export class TimeseriesStore {
  private readonly statements

  constructor(private readonly db: Database.Database) {
    this.statements = {
      insert: db.prepare(`INSERT INTO samples (resolution, t, model, version, seconds, requests, errors, client_errors, buckets, p50, p95, p99, replicas, weight)
        VALUES (@resolution, @t, @model, @version, @seconds, @requests, @errors, @client_errors, @buckets, @p50, @p95, @p99, @replicas, @weight)
        ON CONFLICT (resolution, model, t, version) DO UPDATE SET seconds = excluded.seconds, requests = excluded.requests, errors = excluded.errors,
          client_errors = excluded.client_errors, buckets = excluded.buckets, p50 = excluded.p50, p95 = excluded.p95, p99 = excluded.p99,
          replicas = excluded.replicas, weight = excluded.weight`),
      minute: db.prepare('SELECT * FROM samples WHERE resolution = ? AND model = ? AND t = ? AND version = ?'),
      prune: db.prepare('DELETE FROM samples WHERE resolution = ? AND t <= ?'),
      pruneMarkers: db.prepare('DELETE FROM markers WHERE t <= ?'),
      read: db.prepare(`SELECT ${POINT_COLUMNS} FROM samples WHERE resolution = ? AND model = ? AND t > ? ORDER BY t, version`),
      models: db.prepare('SELECT DISTINCT model FROM samples WHERE resolution = ? ORDER BY model'),
      marker: db.prepare('INSERT INTO markers (t, model, version, kind, detail) VALUES (@t, @model, @version, @kind, @detail)'),
      markers: db.prepare('SELECT t, model, version, kind, detail FROM markers WHERE model = ? AND t > ? ORDER BY t, id'),
      allMarkers: db.prepare('SELECT t, model, version, kind, detail FROM markers WHERE t > ? ORDER BY t, id'),
      // Every sample is also in a minute row: the primary key's (resolution, model) prefix finds it.
      hasModel: db.prepare('SELECT 1 FROM samples WHERE resolution = 60000 AND model = ? LIMIT 1'),
    }
  }

  /**
   * Stores one sample taken at `t` over the last `seconds`: a full-resolution row per version, added
   * into the minute it ends in, and drops what is older than each resolution keeps.
   * @example store.record(Date.now(), 10, [{ model: 'ocr', version: '1.0.0', requests: 42, errors: 0, clientErrors: 1, buckets, replicas: 1, weight: null }])
   */
  record(t: number, seconds: number, rows: SampleRow[]): void {
    const minuteEnd = Math.ceil(t / MINUTE) * MINUTE
    this.db.transaction(() => {
      for (const row of rows) {
        const fine = { resolution: 0, t, model: row.model, version: row.version, seconds, requests: row.requests, errors: row.errors, client_errors: row.clientErrors, buckets: JSON.stringify(row.buckets), ...percentiles(row.buckets), replicas: row.replicas, weight: row.weight }
        this.statements.insert.run(fine)
        const before = this.statements.minute.get(MINUTE, row.model, minuteEnd, row.version) as Row | undefined
        const earlier = before ? (JSON.parse(before.buckets) as number[]) : []
        const buckets = Array.from({ length: Math.max(earlier.length, row.buckets.length) }, (_, i) => (earlier[i] ?? 0) + (row.buckets[i] ?? 0))
        this.statements.insert.run({
          ...fine, resolution: MINUTE, t: minuteEnd, buckets: JSON.stringify(buckets), ...percentiles(buckets),
          seconds: seconds + (before?.seconds ?? 0), requests: row.requests + (before?.requests ?? 0),
          errors: row.errors + (before?.errors ?? 0), client_errors: row.clientErrors + (before?.client_errors ?? 0),
        })
      }
      this.statements.prune.run(0, t - KEEP_FINE_MS)
      this.statements.prune.run(MINUTE, t - KEEP_MINUTES_MS - MINUTE)
      this.statements.pruneMarkers.run(t - KEEP_MINUTES_MS)
    })()
  }

  addMarker(marker: Marker): void {
    this.statements.marker.run(marker)
  }

  /** True when anything was ever sampled for `model` (a removed model keeps its history for a day). */
  hasModel(model: string): boolean {
    return this.statements.hasModel.get(model) !== undefined
  }

  /** Each version's points of `model` after `from`, and its markers. */
  readModel(model: string, range: RangeName, now: number): { versions: VersionSeries[]; markers: Array<Omit<Marker, 'model'>> } {
    const from = now - RANGES[range].ms
    const rows = this.statements.read.all(RANGES[range].resolution, model, from) as Row[]
    const markers = (this.statements.markers.all(model, from) as Marker[]).map(({ model: _model, ...m }) => m)
    return { versions: groupByVersion(rows), markers }
  }

  /** Every model's versions and points after `from`, and every marker. */
  readAll(range: RangeName, now: number): { models: Array<{ model: string; versions: VersionSeries[] }>; markers: Marker[] } {
    const from = now - RANGES[range].ms
    const resolution = RANGES[range].resolution
    // One primary-key range per model (in time order already) rather than one sort of every row.
    const names = (this.statements.models.all(MINUTE) as Array<{ model: string }>).map((r) => r.model)
    return {
      models: names.map((model) => ({ model, versions: groupByVersion(this.statements.read.all(resolution, model, from) as Row[]) })).filter((m) => m.versions.length > 0),
      markers: this.statements.allMarkers.all(from) as Marker[],
    }
  }
}

function groupByVersion(rows: Row[]): VersionSeries[] {
  const byVersion = new Map<string, TimeseriesPoint[]>()
  for (const row of rows) {
    let points = byVersion.get(row.version)
    if (!points) byVersion.set(row.version, (points = []))
    points.push(toPoint(row))
  }
  return [...byVersion].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([version, points]) => ({ version, points }))
}
