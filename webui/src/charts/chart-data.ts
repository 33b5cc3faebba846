/**
 * Chart data without the chart: the time series API's points lined up on one time axis for every
 * version (uPlot wants one x array), with a gap (null) wherever a sample is missing, so a server
 * that was down draws as a break, not a line across; and the words a chart's text alternative says.
 */

export interface TimeseriesPoint { t: number; requests: number; rps: number; errorRate: number | null; p50: number | null; p95: number | null; p99: number | null; replicas: number; weight: number | null }
export interface VersionSeries { version: string; points: TimeseriesPoint[] }
export interface ChartMarker { t: number; kind: string; version: string; detail: string; model?: string }
export interface ModelTimeseries { model: string; range: string; from: number; to: number; stepMs: number; versions: VersionSeries[]; markers: ChartMarker[] }
export interface AllTimeseries { range: string; from: number; to: number; stepMs: number; models: Array<{ model: string; versions: VersionSeries[] }>; markers: ChartMarker[] }

/** x in ms and one y array per series, aligned. */
export interface Aligned { x: number[]; ys: Array<Array<number | null>> }

/**
 * Lines up `series` on the union of their times; a point whose time is more than 2.5 steps after
 * the one before starts a new stretch (a null is put between).
 * @example alignSeries([{ version: '1.0.0', points }], (p) => p.rps, 10_000)
 */
export function alignSeries(series: VersionSeries[], pick: (p: TimeseriesPoint) => number | null, stepMs: number): Aligned {
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p.t)))].sort((a, b) => a - b)
  const x: number[] = []
  for (const t of times) {
    const previous = x[x.length - 1]
    if (previous !== undefined && t - previous > 2.5 * stepMs) x.push(previous + stepMs)
    x.push(t)
  }
  const ys = series.map((s) => {
    const byTime = new Map(s.points.map((p) => [p.t, pick(p)]))
    return x.map((t) => byTime.get(t) ?? null)
  })
  return { x, ys }
}

/** "last 3.2, peak 5.1, mean 2.0" over the non-null values; "no data" without any. */
export function describeValues(values: Array<number | null>, format: (n: number) => string): string {
  const numbers = values.filter((v): v is number => v !== null && Number.isFinite(v))
  if (numbers.length === 0) return 'no data'
  const last = [...values].reverse().find((v): v is number => v !== null)!
  const mean = numbers.reduce((a, b) => a + b, 0) / numbers.length
  return `last ${format(last)}, peak ${format(Math.max(...numbers))}, mean ${format(mean)}`
}

/** A figure for a table cell or a label: up to 3 significant digits. */
export function formatFigure(n: number | null, unit = ''): string {
  if (n === null || !Number.isFinite(n)) return '—'
  const text = n === 0 ? '0' : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2)
  return `${text}${unit}`
}

/** hh:mm (or hh:mm:ss for short ranges) in the reader's time zone. */
export function formatClock(ms: number, seconds = false): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}) })
}
