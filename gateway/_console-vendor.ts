/**
 * The third-party files the console loads, served from node_modules under /console/vendor/ (never
 * a CDN: the console works offline and its CSP allows only its own origin). Only the files named
 * here are served; the rest of node_modules is not reachable.
 */
import { ferryPath } from '../packager/repo-root.js'

/** /console/vendor/<name> → the file on disk. uPlot: https://github.com/leeoniya/uPlot (MIT). */
export const CONSOLE_VENDOR_FILES: Readonly<Record<string, string>> = Object.freeze({
  'uPlot.esm.js': ferryPath('node_modules', 'uplot', 'dist', 'uPlot.esm.js'),
  'uPlot.min.css': ferryPath('node_modules', 'uplot', 'dist', 'uPlot.min.css'),
})
