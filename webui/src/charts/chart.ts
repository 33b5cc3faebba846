/**
 * A chart: uPlot (served from /console/vendor/) drawing lines or points, with markers as
 * vertical lines on the time axis, resized with its container; and its text alternative: the
 * figure is named by a summary of each series (last, peak, mean) and holds a visually hidden
 * table of the figures, so a screen reader gets the numbers the picture shows.
 */
import type uPlot from 'uplot'
import { loadUplot } from './_uplot.js'
import { h, replace } from '../dom.js'
import { describeValues, formatClock, type ChartMarker } from './chart-data.js'

export interface LineSeries {
  label: string
  values: Array<number | null>
  color: string
  dash?: number[]
  /** Points only, no line (a scatter plot). */
  pointsOnly?: boolean
  /** Join the points across nulls (values of other series' slots), not break the line. */
  spanGaps?: boolean
}

export interface ChartData {
  x: number[]
  series: LineSeries[]
  markers?: ChartMarker[]
  /** The x axis' extent (e.g. the chosen range, in ms for time); default: the data's. */
  xRange?: [number, number]
}

export interface ChartOptions {
  title: string
  /** Formats a y value, e.g. `(n) => `${n.toFixed(1)} ms``. */
  format(n: number): string
  /** `time`: x in ms since 1970; `number`: any number (a metric against another). */
  xKind: 'time' | 'number'
  xLabel?: string
  formatX?(n: number): string
  height?: number
  /** Rows at most in the table of figures (the newest). */
  tableRows?: number
  /** Whole numbers only on the y axis (counts such as replicas). */
  integer?: boolean
}

export interface Chart { element: HTMLElement; update(data: ChartData): void; destroy(): void }

/** Colours told apart in both schemes; versions take them in order. */
export const PALETTE = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#db2777', '#0891b2', '#ca8a04', '#64748b'] as const
export const MARKER_COLORS: Readonly<Record<string, string>> = { deploy: '#2563eb', alias: '#9333ea', rollback: '#dc2626', rollout: '#ea580c' }
export const MARKER_LETTERS: Readonly<Record<string, string>> = { deploy: 'D', alias: 'A', rollback: 'R', rollout: 'S' }

let styled = false
/** The chart styles, linked once (the CSP allows the console's own stylesheets only). */
export function linkChartStyles(): void {
  if (styled) return
  styled = true
  for (const href of ['/console/vendor/uPlot.min.css', '/console/charts.css']) document.head.append(h('link', { rel: 'stylesheet', href }))
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback
}

function markersPlugin(markers: () => ChartMarker[]): uPlot.Plugin {
  return {
    hooks: {
      draw: [(u: uPlot) => {
        const ctx = u.ctx
        const { top, height, left, width } = u.bbox
        const ratio = window.devicePixelRatio || 1
        for (const marker of markers()) {
          const x = u.valToPos(marker.t / 1000, 'x', true)
          if (!Number.isFinite(x) || x < left || x > left + width) continue
          const color = MARKER_COLORS[marker.kind] ?? '#64748b'
          ctx.save()
          ctx.strokeStyle = color
          ctx.fillStyle = color
          ctx.lineWidth = ratio
          ctx.setLineDash([4 * ratio, 3 * ratio])
          ctx.beginPath()
          ctx.moveTo(x, top)
          ctx.lineTo(x, top + height)
          ctx.stroke()
          ctx.font = `bold ${10 * ratio}px system-ui, sans-serif`
          ctx.fillText(MARKER_LETTERS[marker.kind] ?? '•', x + 2 * ratio, top + 10 * ratio)
          ctx.restore()
        }
      }],
    },
  }
}

/**
 * @example
 * const chart = createChart({ title: 'Requests/s', format: (n) => n.toFixed(1), xKind: 'time' })
 * section.append(chart.element); chart.update({ x, series: [{ label: '1.0.0', values, color: PALETTE[0] }] })
 */
export function createChart(options: ChartOptions): Chart {
  linkChartStyles()
  const plotEl = h('div', { class: 'chart-plot', 'aria-hidden': 'true' })
  // The class is on a wrapper: a table grows to its content whatever its own width says.
  const table = h('table', { class: 'chart-figures' })
  const caption = h('figcaption', { class: 'chart-title' }, options.title)
  const element = h('figure', { class: 'chart' }, caption, plotEl, h('div', { class: 'visually-hidden' }, table))
  let plot: uPlot | undefined
  let shape = ''
  let current: ChartData = { x: [], series: [] }
  const formatX = options.formatX ?? (options.xKind === 'time' ? (n: number) => formatClock(n, true) : (n: number) => String(n))

  let UPlot: typeof uPlot | undefined
  const build = () => {
    const width = plotEl.clientWidth
    if (width === 0) return
    if (!UPlot) return void loadUplot().then((loaded) => { UPlot = loaded; build() }, () => { plotEl.textContent = 'The chart library did not load.' })
    plot?.destroy()
    const muted = cssVar('--muted', '#59636e')
    const grid = cssVar('--border', '#d6dbe1')
    plotEl.dataset['axisColor'] = muted
    const isTime = options.xKind === 'time'
    const opts: uPlot.Options = {
      width, height: options.height ?? 200,
      scales: { x: { time: isTime, range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => (current.xRange ? (isTime ? [current.xRange[0] / 1000, current.xRange[1] / 1000] : current.xRange) : [min, max]) }, y: { range: (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [0, max > 0 ? max * 1.1 : 1] } },
      series: [
        { label: options.xLabel ?? (isTime ? 'time' : 'x'), value: (_u: uPlot, v: number | null) => (v === null ? '—' : formatX(isTime ? v * 1000 : v)) },
        ...current.series.map((s) => ({
          label: s.label, stroke: s.color, width: 1.5, spanGaps: s.spanGaps ?? false,
          ...(s.dash ? { dash: s.dash } : {}),
          ...(s.pointsOnly ? { paths: () => null, points: { show: true, size: 7, fill: s.color } } : {}),
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : options.format(v)),
        })),
      ],
      axes: [
        { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, ...(isTime ? {} : { values: (_u: uPlot, splits: number[]) => splits.map((v) => formatX(v)) }) },
        { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, size: 72, values: (_u: uPlot, splits: number[]) => splits.map((v) => options.format(v)), ...(options.integer ? { incrs: [1, 2, 5, 10, 20, 50, 100] } : {}) },
      ],
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      plugins: [markersPlugin(() => current.markers ?? [])],
    }
    plot = new UPlot(opts, toUplot(current, isTime), plotEl)
  }

  const resize = new ResizeObserver(() => {
    const width = plotEl.clientWidth
    if (!plot) build()
    else if (width > 0 && Math.abs(plot.width - width) > 1) plot.setSize({ width, height: options.height ?? 200 })
  })
  resize.observe(plotEl)
  // The axes and grid take the scheme's colours when drawn: a switch between light and dark draws the chart again.
  const scheme = window.matchMedia('(prefers-color-scheme: dark)')
  const redraw = () => { if (plot) build() }
  scheme.addEventListener('change', redraw)

  function describe(): void {
    const parts = current.series.map((s) => `${s.label}: ${describeValues(s.values, options.format)}`)
    const marks = (current.markers ?? []).length
    element.setAttribute('aria-label', `${options.title}. ${parts.length ? parts.join('; ') : 'no data'}${marks ? `; ${marks} marker${marks === 1 ? '' : 's'}` : ''}`)
    element.dataset['values'] = String(current.series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0))
    const rows = current.x.map((x, i) => ({ x, values: current.series.map((s) => s.values[i] ?? null) })).filter((r) => r.values.some((v) => v !== null))
    const limit = options.tableRows ?? 30
    const shown = rows.slice(-limit)
    replace(table,
      h('caption', null, `Figures of ${options.title}${rows.length > shown.length ? ` (the newest ${shown.length} of ${rows.length})` : ''}`),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, options.xLabel ?? (options.xKind === 'time' ? 'Time' : 'x')), current.series.map((s) => h('th', { scope: 'col' }, s.label)))),
      h('tbody', null, shown.map((r) => h('tr', null, h('th', { scope: 'row' }, formatX(r.x)), r.values.map((v) => h('td', null, v === null ? '—' : options.format(v)))))))
  }

  return {
    element,
    update(data) {
      current = data
      describe()
      const next = JSON.stringify(data.series.map((s) => [s.label, s.color, s.dash, s.pointsOnly, s.spanGaps]))
      if (!plot || next !== shape) { shape = next; build() } else plot.setData(toUplot(data, options.xKind === 'time'))
    },
    destroy() {
      resize.disconnect()
      scheme.removeEventListener('change', redraw)
      plot?.destroy()
      plot = undefined
    },
  }
}

function toUplot(data: ChartData, isTime: boolean): uPlot.AlignedData {
  return [isTime ? data.x.map((t) => t / 1000) : data.x, ...data.series.map((s) => s.values)] as uPlot.AlignedData
}
