/**
 * Samples the gateway's metrics every few seconds (FERRY_TIMESERIES_SAMPLE_MS, default 10 s):
 * the change of each version's cumulative counts since the last sample (a counter that went
 * backwards was reset, so its value is the change), its ready replicas and rollout weight from
 * the routing table, into the store. Each sample is a few rows in one transaction.
 */
import { REQUEST_DURATION_BUCKETS, type RequestCounts } from '../metrics.js'
import type { RoutingTable } from '../routing/index.js'
import type { SampleRow, TimeseriesStore } from './timeseries-store.js'

export interface SamplerSources {
  snapshot(): RequestCounts[]
  routing(): RoutingTable
}

const key = (model: string, version: string) => `${model}\0${version}`
const diff = (now: number, before: number | undefined) => (before === undefined || now < before ? now : now - before)

/** The weight of each version of a model during a rollout: the candidate's share of `latest`, the stable's the rest. */
function weightsOf(table: RoutingTable, model: string): Map<string, number> {
  const route = table.models[model]
  const weights = new Map<string, number>()
  const stable = route?.aliases['latest']
  if (!route?.rollout) return weights
  if (route.rollout.split) {
    weights.set(route.rollout.split.version, route.rollout.split.weight)
    if (stable && stable !== route.rollout.split.version) weights.set(stable, 100 - route.rollout.split.weight)
  } else if (route.rollout.mirror) {
    weights.set(route.rollout.mirror.version, route.rollout.mirror.percent)
    if (stable && stable !== route.rollout.mirror.version) weights.set(stable, 100)
  }
  return weights
}

export class Sampler {
  private last: { at: number; counts: Map<string, RequestCounts> }
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly sources: SamplerSources, private readonly store: TimeseriesStore, private readonly now: () => number = Date.now) {
    // The baseline: what was counted before the first sample is not in its interval.
    this.last = { at: now(), counts: new Map(sources.snapshot().map((c) => [key(c.model, c.version), c])) }
  }

  /** Samples every `intervalMs` until stop(). */
  start(intervalMs: number, onError: (error: unknown) => void): void {
    this.timer = setInterval(() => { try { this.sample() } catch (error) { onError(error) } }, intervalMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
  }

  /** Takes one sample now; returns the rows stored. */
  sample(): SampleRow[] {
    const at = this.now()
    const seconds = (at - this.last.at) / 1000
    if (seconds <= 0) return []
    const table = this.sources.routing()
    const counts = new Map(this.sources.snapshot().map((c) => [key(c.model, c.version), c]))
    const versions = new Map<string, { model: string; version: string }>()
    for (const [model, route] of Object.entries(table.models)) for (const version of Object.keys(route.versions)) versions.set(key(model, version), { model, version })
    for (const [k, c] of counts) if (!versions.has(k)) versions.set(k, { model: c.model, version: c.version })
    const weights = new Map<string, Map<string, number>>()
    const rows: SampleRow[] = []
    for (const [k, { model, version }] of versions) {
      const now = counts.get(k)
      const before = this.last.counts.get(k)
      const byClass = now ? Object.fromEntries(Object.entries(now.byClass).map(([cls, n]) => [cls, diff(n, before?.byClass[cls as keyof RequestCounts['byClass']])])) : {}
      const requests = Object.values(byClass).reduce((a, b) => a + b, 0)
      const route = table.models[model]?.versions[version]
      // A version gone from the table with nothing new counted has nothing left to chart.
      if (!route && requests === 0) continue
      if (!weights.has(model)) weights.set(model, weightsOf(table, model))
      rows.push({
        model, version, requests,
        errors: byClass['5xx'] ?? 0,
        clientErrors: byClass['4xx'] ?? 0,
        buckets: now ? now.buckets.map((n, i) => diff(n, before?.buckets[i])) : new Array<number>(REQUEST_DURATION_BUCKETS.length + 1).fill(0),
        replicas: route?.endpoints.length ?? 0,
        weight: weights.get(model)!.get(version) ?? null,
      })
    }
    this.store.record(at, seconds, rows)
    this.last = { at, counts }
    return rows
  }
}
