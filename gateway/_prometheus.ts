/**
 * Prometheus text exposition format 0.0.4, written by hand (no client library): metric families
 * with their # HELP and # TYPE lines, samples with escaped label values, and a small in-memory
 * counter / gauge / histogram whose series render in a stable order.
 * Format: https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

/** The Content-Type of a /metrics response in this format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export type MetricType = 'counter' | 'gauge' | 'histogram'
export type Labels = Readonly<Record<string, string>>

/** A label value with `\`, `"` and newlines escaped, as the format requires. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

/** HELP text escapes only `\` and newlines. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

/** A sample value: Go's ParseFloat spellings for the infinities and NaN. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

/** `name{a="x",b="y"} value`, labels in the order given. */
export function formatSample(name: string, labels: Labels, value: number): string {
  const pairs = Object.entries(labels).map(([key, v]) => `${key}="${escapeLabelValue(v)}"`)
  return `${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}`
}

/** The # HELP and # TYPE lines that open a family. */
export function formatHeader(name: string, type: MetricType, help: string): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`
}

/** True when `labels` has every label of `match`, with its value. */
function includes(labels: Labels, match: Labels): boolean {
  return Object.entries(match).every(([label, value]) => labels[label] === value)
}

/** A stable key for a label set (the values in label order), also used to sort series. */
function keyOf(labels: Labels): string {
  return JSON.stringify(Object.values(labels))
}

/** A counter or gauge family: one value per label set. */
export class ValueFamily {
  readonly #series = new Map<string, { labels: Labels; value: number }>()
  constructor(readonly name: string, readonly type: 'counter' | 'gauge', readonly help: string) {}

  add(labels: Labels, amount = 1): void {
    const series = this.#series.get(keyOf(labels))
    if (series) series.value += amount
    else this.#series.set(keyOf(labels), { labels, value: amount })
  }

  /** The series of `labels`, created at 0 (for a caller that keeps it and adds to `value` itself; never deleted then). */
  series(labels: Labels): { labels: Labels; value: number } {
    const key = keyOf(labels)
    let series = this.#series.get(key)
    if (!series) this.#series.set(key, (series = { labels, value: 0 }))
    return series
  }

  set(labels: Labels, value: number): void {
    this.#series.set(keyOf(labels), { labels, value })
  }

  /** Every series whose labels include all of `match`. */
  matching(match: Labels): Array<{ labels: Labels; value: number }> {
    return [...this.#series.values()].filter((series) => includes(series.labels, match))
  }

  /** Drops every series whose labels include all of `match`. */
  delete(match: Labels): void {
    for (const [key, series] of this.#series) {
      if (includes(series.labels, match)) this.#series.delete(key)
    }
  }

  render(): string {
    let text = formatHeader(this.name, this.type, this.help)
    for (const key of [...this.#series.keys()].sort()) {
      const series = this.#series.get(key)!
      text += formatSample(this.name, series.labels, series.value) + '\n'
    }
    return text
  }
}

export interface HistogramSeries { labels: Labels; buckets: number[]; sum: number; count: number }

/** A series' count per bucket (not cumulative), with one more at the end for those above the last bound. */
export function bucketCounts(series: HistogramSeries): number[] {
  const bucketed = series.buckets.reduce((a, b) => a + b, 0)
  return [...series.buckets, series.count - bucketed]
}

/** A histogram family: per label set, a count per bucket, a sum and a count. */
export class HistogramFamily {
  readonly #series = new Map<string, HistogramSeries>()
  constructor(readonly name: string, readonly help: string, readonly bounds: readonly number[]) {}

  observe(labels: Labels, value: number): void {
    this.observeInto(this.series(labels), value)
  }

  /** The series of `labels`, created empty (a caller may keep it and pass it to observeInto). */
  series(labels: Labels): HistogramSeries {
    const key = keyOf(labels)
    let series = this.#series.get(key)
    if (!series) this.#series.set(key, (series = { labels, buckets: this.bounds.map(() => 0), sum: 0, count: 0 }))
    return series
  }

  /** Every series whose labels include all of `match`. */
  matching(match: Labels): HistogramSeries[] {
    return [...this.#series.values()].filter((series) => includes(series.labels, match))
  }

  observeInto(series: HistogramSeries, value: number): void {
    const bounds = this.bounds
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        series.buckets[i]! += 1
        break
      }
    }
    series.sum += value
    series.count += 1
  }

  render(): string {
    let text = formatHeader(this.name, 'histogram', this.help)
    for (const key of [...this.#series.keys()].sort()) {
      const { labels, buckets, sum, count } = this.#series.get(key)!
      let cumulative = 0
      this.bounds.forEach((bound, i) => {
        cumulative += buckets[i]!
        text += formatSample(`${this.name}_bucket`, { ...labels, le: formatValue(bound) }, cumulative) + '\n'
      })
      text += formatSample(`${this.name}_bucket`, { ...labels, le: '+Inf' }, count) + '\n'
      text += formatSample(`${this.name}_sum`, labels, sum) + '\n'
      text += formatSample(`${this.name}_count`, labels, count) + '\n'
    }
    return text
  }
}
