/**
 * Validation problems of a refused package, field by field: the JSON path in descriptor.json,
 * the stable code, what is wrong and what to do (details.errors of E_PACKAGE_INVALID).
 */
import { ApiError } from '../api.js'
import { h } from '../dom.js'
import type { Problem } from '../types.js'
import { errorBox } from './notice.js'
import { dataTable } from './table.js'

function problemsOf(error: unknown): Problem[] {
  if (!(error instanceof ApiError)) return []
  const list = error.details?.['errors']
  return Array.isArray(list) ? (list as Problem[]).filter((p) => p && typeof p.path === 'string') : []
}

/** The error, with a table of its problems when it has any. */
export function problemsView(error: unknown, title: string): HTMLElement {
  const problems = problemsOf(error)
  if (problems.length === 0) return errorBox(error, title)
  const e = error as ApiError
  return h('div', { class: 'error-box problems', role: 'alert' },
    h('strong', null, `${title}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in descriptor.json`),
    h('p', { class: 'muted' }, h('code', null, e.code)),
    dataTable([
      { label: 'Field (JSON path)', cell: (p) => h('code', { class: 'json-path' }, p.path + (p.line ? ` (line ${p.line}${p.column ? `, column ${p.column}` : ''})` : '')) },
      { label: 'Code', cell: (p) => h('code', null, p.code) },
      { label: 'Problem', kind: 'wide', cell: (p) => p.message },
      { label: 'What to do', cell: (p) => p.hint ?? '' },
    ], problems, { caption: 'Validation problems', rowClass: (p) => (p.severity === 'warning' ? 'warning' : undefined) }))
}
