/**
 * What each step of one pipeline version has done since the server started, from a scrape of
 * /metrics: calls and failed calls (ferry_pipeline_steps_total: no answer, status 0, or 400 and up)
 * and the 95th percentile of its time (ferry_pipeline_step_duration_seconds' buckets).
 */
import { quantile, type Scrape } from '../metrics.js'

export interface StepFigures { calls: number; failed: number; p95Ms: number | null }

/** @example stepFigures(await scrapeMetrics(), 'docflow', '1.0.0').get('ocr') // { calls: 12, failed: 0, p95Ms: 840 } */
export function stepFigures(scrape: Scrape, pipeline: string, version: string): Map<string, StepFigures> {
  const figures = new Map<string, StepFigures & { buckets: Map<number, number> }>()
  const of = (step: string) => {
    let found = figures.get(step)
    if (!found) figures.set(step, (found = { calls: 0, failed: 0, p95Ms: null, buckets: new Map() }))
    return found
  }
  for (const { name, labels, value } of scrape.samples) {
    if (labels['pipeline'] !== pipeline || labels['version'] !== version || labels['step'] === undefined) continue
    if (name === 'ferry_pipeline_steps_total') {
      const entry = of(labels['step'])
      entry.calls += value
      const status = Number(labels['status'])
      if (!(status >= 100 && status < 400)) entry.failed += value
    } else if (name === 'ferry_pipeline_step_duration_seconds_bucket') {
      const le = labels['le'] === '+Inf' ? Infinity : Number(labels['le'])
      of(labels['step']).buckets.set(le, value)
    }
  }
  return new Map([...figures].map(([step, { calls, failed, buckets }]) => {
    const p95 = quantile(0.95, buckets)
    return [step, { calls, failed, p95Ms: p95 === null ? null : p95 * 1000 }]
  }))
}
