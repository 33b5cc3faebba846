/**
 * A sparkline: a small uPlot line with no axes, legend or cursor, for a table cell. Its text
 * alternative is its aria-label (the figure's last, peak and mean); the page's table beside it
 * carries the exact current figures.
 */
import type uPlot from 'uplot'
import { loadUplot } from './_uplot.js'
import { h } from '../dom.js'
import { linkChartStyles } from './chart.js'
import { describeValues } from './chart-data.js'

export interface Sparkline { element: HTMLElement; update(x: number[], values: Array<number | null>, xRange?: [number, number]): void; destroy(): void }

/** @example const spark = createSparkline('requests/s of ocr@1.0.0', (n) => `${n.toFixed(1)}/s`) */
export function createSparkline(label: string, format: (n: number) => string, color = '#2563eb'): Sparkline {
  linkChartStyles()
  const element = h('span', { class: 'sparkline', role: 'img', 'aria-label': `${label}: no data` })
  let plot: uPlot | undefined
  let data: uPlot.AlignedData = [[], []]
  let range: [number, number] | undefined
  let building = false
  const build = () => {
    if (building) return
    building = true
    void loadUplot().then((UPlot) => { if (!destroyed) plot = create(UPlot) }, () => { building = false })
  }
  let destroyed = false
  const create = (UPlot: typeof uPlot) => {
    return new UPlot({
      width: 120, height: 28, legend: { show: false }, cursor: { show: false }, select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      scales: { x: { time: true, range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => (range ? [range[0] / 1000, range[1] / 1000] : [min, max]) }, y: { range: (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [0, max > 0 ? max * 1.15 : 1] } },
      axes: [{ show: false }, { show: false }],
      series: [{}, { stroke: color, width: 1.5, fill: `${color}22`, spanGaps: false, points: { show: false } }],
    }, data, element)
  }
  return {
    element,
    update(x, values, xRange) {
      range = xRange
      data = [x.map((t) => t / 1000), values]
      element.setAttribute('aria-label', `${label}: ${describeValues(values, format)}`)
      element.dataset['values'] = String(values.filter((v) => v !== null).length)
      if (!plot) build()
      else plot.setData(data)
    },
    destroy() { destroyed = true; plot?.destroy() },
  }
}
