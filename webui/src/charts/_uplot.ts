/**
 * uPlot, loaded once from /console/vendor/ (gateway/_console-vendor.ts serves it from
 * node_modules). A dynamic import by URL: the console is plain ES modules with no bundler, and
 * the types come from the npm package (erased at build).
 */
import type uPlot from 'uplot'

const UPLOT_URL = '/console/vendor/uPlot.esm.js'

let loading: Promise<typeof uPlot> | undefined

/** The uPlot constructor. */
export function loadUplot(): Promise<typeof uPlot> {
  loading ??= (import(UPLOT_URL) as Promise<{ default: typeof uPlot }>).then((m) => m.default)
  loading.catch(() => { loading = undefined })
  return loading
}
