/**
 * Plot run metrics: a metric of every listed run over time (when each run started), or against
 * another metric (e.g. mean_confidence against latency_ms), one colour per model@version. The
 * chart's text alternative and table of figures come with it (charts/chart.ts).
 */
import { createChart, PALETTE } from '../charts/chart.js'
import { formatClock, formatFigure } from '../charts/chart-data.js'
import { metricNames, runPoints, X_TIME, type RunLike } from '../charts/run-points.js'
import { field, h, replace } from '../dom.js'

export interface RunPlot { element: HTMLElement; update(runs: RunLike[]): void; destroy(): void }

/** @example const plot = runPlot('Plot'); section.append(plot.element); plot.update(runs) */
export function runPlot(heading = 'Plot a metric', headingId = 'run-plot-heading'): RunPlot {
  let runs: RunLike[] = []
  const ySelect = h('select', { name: 'y' })
  const xSelect = h('select', { name: 'x' })
  const note = h('p', { class: 'muted small' })
  const slot = h('div')
  let chart: ReturnType<typeof createChart> | undefined
  let shape = ''
  const controls = h('div', { class: 'plot-controls' }, field('Metric', ySelect), field('Against', xSelect))
  const element = h('section', { 'aria-labelledby': headingId, class: 'run-plot' }, h('h2', { id: headingId }, heading), controls, note, slot)

  function draw(): void {
    const names = metricNames(runs)
    const options = (select: HTMLSelectElement, values: Array<[string, string]>, fallback: string) => {
      const keep = select.value || fallback
      if ([...select.options].map((o) => o.value).join('\n') !== values.map(([v]) => v).join('\n')) {
        replace(select, values.map(([value, label]) => h('option', { value }, label)))
      }
      select.value = values.some(([v]) => v === keep) ? keep : (values[0]?.[0] ?? '')
    }
    options(ySelect, names.map((n) => [n, n]), names[0] ?? '')
    options(xSelect, [[X_TIME, 'time (run start)'], ...names.filter((n) => n !== ySelect.value).map((n): [string, string] => [n, n])], X_TIME)
    controls.hidden = names.length === 0
    if (names.length === 0) {
      chart?.destroy()
      chart = undefined
      shape = ''
      replace(slot)
      note.textContent = 'No run recorded a metric yet.'
      return
    }
    const y = ySelect.value
    const x = xSelect.value
    const points = runPoints(runs, y, x)
    const isTime = x === X_TIME
    const next = `${y}\n${x}`
    if (!chart || next !== shape) {
      chart?.destroy()
      shape = next
      chart = createChart({
        title: isTime ? `${y} over time` : `${y} against ${x}`, xKind: isTime ? 'time' : 'number', xLabel: isTime ? 'Started' : x,
        format: (n) => formatFigure(n), formatX: isTime ? (n) => formatClock(n, true) : (n) => formatFigure(n), tableRows: 100,
      })
      replace(slot, chart.element)
    }
    chart.update({ x: points.x, series: points.series.map((s, i) => ({ label: s.label, values: s.values, color: PALETTE[i % PALETTE.length]!, pointsOnly: !isTime, spanGaps: true })) })
    note.textContent = `${points.x.length} run${points.x.length === 1 ? '' : 's'} plotted${points.skipped ? `; ${points.skipped} without both figures left out` : ''}.`
  }
  ySelect.addEventListener('change', draw)
  xSelect.addEventListener('change', draw)
  return {
    element,
    update(next) {
      runs = next
      draw()
    },
    destroy() { chart?.destroy() },
  }
}
