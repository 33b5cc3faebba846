/**
 * The gateway's Prometheus metrics, served at /metrics: requests and their latency per
 * model@version, deploys, instance liveness and restarts, and the process's own metrics. Text
 * format 0.0.4, written without a client library; series render in a stable order.
 */
import { createProcessMetrics } from './_metrics-process.js'
import { RequestWindow, WINDOW_SECONDS } from './_metrics-window.js'
import { bucketCounts, HistogramFamily, PROMETHEUS_CONTENT_TYPE, ValueFamily, type HistogramSeries } from './_prometheus.js'
import { bucketQuantile } from './_bucket-quantile.js'

export { PROMETHEUS_CONTENT_TYPE }

/** Upper bounds of ferry_request_duration_seconds, in seconds (+Inf is added). */
export const REQUEST_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const

export interface RequestRecord {
  model: string
  version: string
  code: number
  durationSeconds: number
  /** stable (the default), canary (a rollout's split chose the candidate) or shadow (a mirrored copy). */
  role?: 'stable' | 'canary' | 'shadow'
}

export interface ModelTrafficSummary { model: string; version: string; requestsPerSecond: number; p95Seconds: number | null }

/** Cumulative counts of one model@version since the gateway started (stable and canary traffic; mirrored copies left out). */
export interface RequestCounts {
  model: string
  version: string
  /** Requests by status class: `2xx`, `3xx`, `4xx`, `5xx` (anything else counts as `5xx`). */
  byClass: Record<StatusClass, number>
  /** Requests per duration bucket of REQUEST_DURATION_BUCKETS, not cumulative; one more at the end for above the last bound. */
  buckets: number[]
}

export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx'

/** A pipeline step's figures since the gateway started; `failed`: no answer (status 0) or 400 and up. */
export interface PipelineStepFigures { calls: number; failed: number; p95Ms: number | null }

export interface Metrics {
  /** One proxied request: ferry_requests_total{model,version,code,role} and ferry_request_duration_seconds{model,version,role}. */
  recordRequest(r: RequestRecord): void
  /** ferry_rollout_weight{model,version,role}: a rollout's current weights; `undefined` drops the model's series. */
  setRolloutWeights(model: string, weights: Array<{ version: string; role: 'stable' | 'canary' | 'shadow'; weight: number }> | undefined): void
  /** ferry_deploys_total{result}. */
  recordDeploy(result: 'success' | 'failure'): void
  /** ferry_instance_up{model,version,replica}: 1 or 0. */
  setInstanceUp(model: string, version: string, replica: number, up: boolean): void
  /** Drops every ferry_instance_up series of a stopped version. */
  removeInstance(model: string, version: string): void
  /** ferry_instance_restarts_total{model,version}. */
  recordRestart(model: string, version: string): void
  /** One step of a pipeline call: ferry_pipeline_steps_total{pipeline,version,step,model,status} and, unless `durationSeconds` is null (the step's model could not be called), ferry_pipeline_step_duration_seconds{pipeline,version,step}. */
  recordPipelineStep(r: { pipeline: string; version: string; step: string; model: string; status: number; durationSeconds: number | null }): void
  /** What each step of one pipeline version has done since the gateway started (its calls, those answered with no 1xx–3xx status, their p95). */
  pipelineStepFigures(pipeline: string, version: string): Map<string, PipelineStepFigures>
  /** Every family in the text exposition format 0.0.4 (serve with PROMETHEUS_CONTENT_TYPE). */
  render(): string
  /** Requests/s and p95 latency over the last minute per model@version, for the console. */
  summary(): ModelTrafficSummary[]
  /** Cumulative request counts per model@version, for the time series (gateway/timeseries/): cheap, a walk over the series. */
  snapshot(): RequestCounts[]
  /** Stops the event-loop delay monitor. */
  close(): void
}

export interface MetricsOptions {
  /** The clock, in ms since the epoch (tests pass their own). */
  now?: () => number
}

/**
 * A fresh set of metrics; one per gateway, no global registry.
 * @example
 * const metrics = createMetrics()
 * metrics.recordRequest({ model: 'ocr', version: '1.0.0', code: 200, durationSeconds: 0.042 })
 * response.setHeader('content-type', PROMETHEUS_CONTENT_TYPE).end(metrics.render())
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const now = options.now ?? Date.now
  const requests = new ValueFamily('ferry_requests_total', 'counter', 'Requests proxied to model instances, by status code.')
  const durations = new HistogramFamily('ferry_request_duration_seconds', 'Time to answer a proxied request, in seconds.', REQUEST_DURATION_BUCKETS)
  const deploys = new ValueFamily('ferry_deploys_total', 'counter', 'Deploys finished, by result.')
  const instanceUp = new ValueFamily('ferry_instance_up', 'gauge', 'Whether an instance replica is up (1) or not (0).')
  const restarts = new ValueFamily('ferry_instance_restarts_total', 'counter', 'Instance replica restarts by the supervisor.')
  const rolloutWeights = new ValueFamily('ferry_rollout_weight', 'gauge', 'Percent of latest traffic (stable, canary) or of mirrored copies (shadow) during a rollout.')
  const pipelineSteps = new ValueFamily('ferry_pipeline_steps_total', 'counter', 'Steps run by pipeline calls, by the status the step answered (0: no answer).')
  const pipelineStepDurations = new HistogramFamily('ferry_pipeline_step_duration_seconds', 'Time a pipeline step took, in seconds.', REQUEST_DURATION_BUCKETS)
  const windows = new Map<string, { model: string; version: string; window: RequestWindow }>()
  const series = new Map<string, { model: string; version: string; role: string; codes: Map<number, { value: number }>; duration: HistogramSeries; window: RequestWindow | null }>()
  const windowOf = (model: string, version: string): RequestWindow => {
    const key = JSON.stringify([model, version])
    let entry = windows.get(key)
    if (!entry) windows.set(key, (entry = { model, version, window: new RequestWindow() }))
    return entry.window
  }
  const processMetrics = createProcessMetrics()

  return {
    recordRequest({ model, version, code, durationSeconds, role = 'stable' }) {
      // A clock step backwards or a NaN must not corrupt the histogram's sum.
      const duration = durationSeconds >= 0 && Number.isFinite(durationSeconds) ? durationSeconds : 0
      // The series of one model@version and role are found once and kept: no label key is built per request.
      const key = `${model}\0${version}\0${role}`
      let hot = series.get(key)
      if (!hot) {
        hot = { model, version, role, codes: new Map(), duration: durations.series({ model, version, role }), window: role === 'shadow' ? null : windowOf(model, version) }
        series.set(key, hot)
      }
      let counter = hot.codes.get(code)
      if (!counter) hot.codes.set(code, (counter = requests.series({ model, version, code: String(code), role })))
      counter.value += 1
      durations.observeInto(hot.duration, duration)
      // Mirrored copies are not traffic the console's requests/s should show.
      hot.window?.record(now(), duration)
    },
    setRolloutWeights(model, weights) {
      rolloutWeights.delete({ model })
      for (const w of weights ?? []) rolloutWeights.set({ model, version: w.version, role: w.role }, w.weight)
    },
    recordDeploy(result) {
      deploys.add({ result })
    },
    setInstanceUp(model, version, replica, up) {
      instanceUp.set({ model, version, replica: String(replica) }, up ? 1 : 0)
    },
    removeInstance(model, version) {
      instanceUp.delete({ model, version })
    },
    recordRestart(model, version) {
      restarts.add({ model, version })
    },
    recordPipelineStep({ pipeline, version, step, model, status, durationSeconds }) {
      pipelineSteps.add({ pipeline, version, step, model, status: String(status) })
      if (durationSeconds !== null) pipelineStepDurations.observe({ pipeline, version, step }, durationSeconds >= 0 && Number.isFinite(durationSeconds) ? durationSeconds : 0)
    },
    pipelineStepFigures(pipeline, version) {
      const figures = new Map<string, PipelineStepFigures>()
      for (const { labels, value } of pipelineSteps.matching({ pipeline, version })) {
        const step = labels['step']!
        const entry = figures.get(step) ?? { calls: 0, failed: 0, p95Ms: null }
        const status = Number(labels['status'])
        entry.calls += value
        if (!(status >= 100 && status < 400)) entry.failed += value
        figures.set(step, entry)
      }
      for (const series of pipelineStepDurations.matching({ pipeline, version })) {
        const entry = figures.get(series.labels['step']!)
        if (entry) entry.p95Ms = bucketQuantile(0.95, bucketCounts(series), REQUEST_DURATION_BUCKETS)
      }
      return figures
    },
    render() {
      return [requests, durations, deploys, instanceUp, restarts, rolloutWeights, pipelineSteps, pipelineStepDurations].map((f) => f.render()).join('') + processMetrics.render()
    },
    summary() {
      const at = now()
      return [...windows.keys()].sort().map((key) => {
        const { model, version, window } = windows.get(key)!
        const { count, p95Seconds } = window.read(at)
        return { model, version, requestsPerSecond: count / WINDOW_SECONDS, p95Seconds }
      })
    },
    snapshot() {
      const byVersion = new Map<string, RequestCounts>()
      for (const hot of series.values()) {
        if (hot.role === 'shadow') continue
        const key = `${hot.model}\0${hot.version}`
        let counts = byVersion.get(key)
        if (!counts) byVersion.set(key, (counts = { model: hot.model, version: hot.version, byClass: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 }, buckets: new Array<number>(REQUEST_DURATION_BUCKETS.length + 1).fill(0) }))
        for (const [code, counter] of hot.codes) {
          const cls = code >= 200 && code < 500 ? (`${Math.floor(code / 100)}xx` as StatusClass) : '5xx'
          counts.byClass[cls] += counter.value
        }
        bucketCounts(hot.duration).forEach((n, i) => { counts!.buckets[i]! += n })
      }
      return [...byVersion.values()]
    },
    close() {
      processMetrics.close()
    },
  }
}
