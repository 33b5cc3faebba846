/**
 * The overview's sparklines: each version's requests/s over the last 15 minutes, from
 * GET /api/timeseries?range=15m, refreshed every 10 s. A version keeps its one sparkline element
 * across the table's re-renders (it is moved into the new cell, not drawn again).
 */
import { api } from '../api.js'
import { alignSeries, formatFigure, type AllTimeseries } from '../charts/chart-data.js'
import { createSparkline, type Sparkline } from '../charts/sparkline.js'

const REFRESH_MS = 10_000

export interface TrafficSparklines {
  /** The sparkline of `name@version`, for a table cell. */
  cell(ref: string): HTMLElement
  close(): void
}

export function createTrafficSparklines(): TrafficSparklines {
  const sparks = new Map<string, Sparkline>()
  let latest: AllTimeseries | undefined
  const draw = (ref: string, spark: Sparkline) => {
    const at = ref.lastIndexOf('@')
    const series = latest?.models.find((m) => m.model === ref.slice(0, at))?.versions.find((v) => v.version === ref.slice(at + 1))
    if (!latest) return
    const { x, ys } = alignSeries(series ? [series] : [], (p) => p.rps, latest.stepMs)
    spark.update(x, ys[0] ?? [], [latest.from, latest.to])
  }
  const load = async () => {
    try {
      latest = await api.get<AllTimeseries>('/timeseries?range=15m')
      for (const [ref, spark] of sparks) draw(ref, spark)
    } catch {
      // The table beside says what the server answers; a sparkline stays as it was.
    }
  }
  void load()
  const timer = setInterval(() => void load(), REFRESH_MS)
  return {
    cell(ref) {
      let spark = sparks.get(ref)
      if (!spark) {
        spark = createSparkline(`requests/s of ${ref} over the last 15 minutes`, (n) => `${formatFigure(n)}/s`)
        sparks.set(ref, spark)
        draw(ref, spark)
      }
      return spark.element
    },
    close() {
      clearInterval(timer)
      for (const spark of sparks.values()) spark.destroy()
    },
  }
}
