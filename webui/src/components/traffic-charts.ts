/**
 * A model's traffic as charts: requests/s, error rate (5xx share) and latency (p50, p95, p99)
 * of every version on the same time axis, its ready replicas and (during a rollout) weights, over 15 minutes, an hour or a day, with deploys, alias
 * moves, rollbacks and rollout steps marked, listed below with their time. From
 * GET /api/models/:name/timeseries, refreshed while the page is open.
 */
import { api, seg } from '../api.js'
import { alignSeries, formatClock, formatFigure, type ModelTimeseries, type TimeseriesPoint } from '../charts/chart-data.js'
import { createChart, MARKER_LETTERS, PALETTE, type Chart, type LineSeries } from '../charts/chart.js'
import { h, replace } from '../dom.js'
import { errorBox } from './notice.js'

const RANGES = [['15m', '15 min'], ['1h', '1 hour'], ['24h', '24 hours']] as const
type Range = (typeof RANGES)[number][0]
const PERCENTILES = [['p50', [2, 3]], ['p95', undefined], ['p99', [8, 4]]] as const

export interface TrafficCharts { element: HTMLElement; close(): void }

/** @example const traffic = trafficCharts('ocr'); page.append(traffic.element); … traffic.close() */
export function trafficCharts(name: string, initial: Range = '15m'): TrafficCharts {
  let range: Range = initial
  let timer: ReturnType<typeof setTimeout> | undefined
  let closed = false
  const picker = h('fieldset', { class: 'range-picker' }, h('legend', null, 'Range'),
    RANGES.map(([value, label]) => {
      const input = h('input', { type: 'radio', name: `range-${name}`, value, checked: value === range })
      input.addEventListener('change', () => { if (input.checked) { range = value; void load() } })
      return h('label', null, input, h('span', null, label))
    }))
  const note = h('p', { class: 'muted small' })
  const rate = createChart({ title: 'Requests/s', format: (n) => `${formatFigure(n)}/s`, xKind: 'time' })
  const errors = createChart({ title: 'Errors (% answered 5xx)', format: (n) => `${formatFigure(n)} %`, xKind: 'time' })
  const latency = createChart({ title: 'Latency (ms)', format: (n) => `${formatFigure(n)} ms`, xKind: 'time', height: 240 })
  const replicas = createChart({ title: 'Ready replicas', format: (n) => (Number.isInteger(n) ? String(n) : formatFigure(n)), xKind: 'time', height: 140, integer: true })
  const weight = createChart({ title: 'Rollout weight (% of latest)', format: (n) => `${formatFigure(n)} %`, xKind: 'time', height: 140 })
  const charts: Chart[] = [rate, errors, latency, replicas, weight]
  const markers = h('ul', { class: 'chart-markers', 'aria-label': 'Markers' })
  const problem = h('div')
  const element = h('section', { 'aria-labelledby': 'traffic-heading', class: 'traffic' },
    h('div', { class: 'section-head' }, h('h2', { id: 'traffic-heading' }, 'Traffic'), picker),
    problem, note, h('div', { class: 'chart-grid' }, rate.element, errors.element, latency.element, replicas.element, weight.element), markers)

  function show(data: ModelTimeseries): void {
    const versions = data.versions
    const color = (i: number) => PALETTE[i % PALETTE.length]!
    const line = (pick: (p: TimeseriesPoint) => number | null) => alignSeries(versions, pick, data.stepMs)
    const xRange: [number, number] = [data.from, data.to]
    const r = line((p) => p.rps)
    rate.update({ x: r.x, xRange, markers: data.markers, series: versions.map((v, i) => ({ label: v.version, values: r.ys[i]!, color: color(i) })) })
    const e = line((p) => (p.errorRate === null ? null : 100 * p.errorRate))
    errors.update({ x: e.x, xRange, markers: data.markers, series: versions.map((v, i) => ({ label: v.version, values: e.ys[i]!, color: color(i) })) })
    const series: LineSeries[] = []
    let x: number[] = []
    for (const [p, dash] of PERCENTILES) {
      const aligned = line((point) => point[p])
      x = aligned.x
      versions.forEach((v, i) => series.push({ label: `${v.version} ${p}`, values: aligned.ys[i]!, color: color(i), ...(dash ? { dash: [...dash] } : {}) }))
    }
    latency.update({ x, xRange, markers: data.markers, series })
    const n = line((p) => p.replicas)
    replicas.update({ x: n.x, xRange, markers: data.markers, series: versions.map((v, i) => ({ label: v.version, values: n.ys[i]!, color: color(i) })) })
    // The weight only while a rollout ran in the range.
    const w = line((p) => p.weight)
    weight.element.hidden = !w.ys.some((ys) => ys.some((y) => y !== null))
    weight.update({ x: w.x, xRange, markers: data.markers, series: versions.map((v, i) => ({ label: v.version, values: w.ys[i]!, color: color(i) })) })
    const requests = versions.reduce((n, v) => n + v.points.reduce((m, p) => m + p.requests, 0), 0)
    const step = data.stepMs >= 60_000 ? 'one point per minute' : `one point per ${formatFigure(data.stepMs / 1000)} s sample`
    note.textContent = requests > 0 ? `${requests} requests in the range; ${step}.` : `No requests in this range yet; the gateway samples every ${formatFigure(data.stepMs / 1000)} s (${step}).`
    replace(markers, data.markers.slice(-20).map((m) => h('li', null, h('span', { class: `kind kind-${m.kind}`, 'aria-hidden': 'true' }, MARKER_LETTERS[m.kind] ?? '•'), ' ',
      h('time', { datetime: new Date(m.t).toISOString() }, formatClock(m.t, range !== '24h')), ` ${m.kind}: ${m.detail}`)))
  }

  async function load(): Promise<void> {
    clearTimeout(timer)
    const asked = range
    try {
      const data = await api.get<ModelTimeseries>(`/models/${seg(name)}/timeseries?range=${asked}`)
      if (closed || asked !== range) return
      replace(problem)
      show(data)
    } catch (error) {
      if (closed) return
      replace(problem, errorBox(error, 'Could not load the traffic'))
    }
    if (!closed) timer = setTimeout(() => void load(), range === '24h' ? 30_000 : 5000)
  }
  void load()
  return {
    element,
    close() {
      closed = true
      clearTimeout(timer)
      for (const chart of charts) chart.destroy()
    },
  }
}
