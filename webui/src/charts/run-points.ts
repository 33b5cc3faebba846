/**
 * Runs as chart points: one series per model@version, x a run's start time or one of its
 * metrics, y another metric. Runs without both figures are left out (and counted, so the page
 * can say so). Points share one sorted x array (uPlot's shape); a run's slot holds its y in its
 * own series and null in the others.
 */

export interface RunLike { id: number; model: string; version: string; startedAt: string; metrics: Record<string, number> }

/** `time`: x is when the run started (ms). */
export const X_TIME = ''

export interface RunPoints { x: number[]; series: Array<{ label: string; values: Array<number | null>; runs: Array<number | null> }>; skipped: number }

/** Every metric name the runs recorded, sorted. */
export function metricNames(runs: RunLike[]): string[] {
  return [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort()
}

/** @example runPoints(runs, 'mean_confidence', X_TIME) */
export function runPoints(runs: RunLike[], y: string, x: string): RunPoints {
  const xOf = (r: RunLike) => (x === X_TIME ? Date.parse(r.startedAt) : r.metrics[x])
  const usable = runs.filter((r) => Number.isFinite(r.metrics[y]) && Number.isFinite(xOf(r)))
    .sort((a, b) => xOf(a)! - xOf(b)! || a.id - b.id)
  const labels = [...new Set(usable.map((r) => `${r.model}@${r.version}`))].sort()
  return {
    x: usable.map((r) => xOf(r)!),
    series: labels.map((label) => ({
      label,
      values: usable.map((r) => (`${r.model}@${r.version}` === label ? r.metrics[y]! : null)),
      runs: usable.map((r) => (`${r.model}@${r.version}` === label ? r.id : null)),
    })),
    skipped: runs.length - usable.length,
  }
}
