/**
 * Runs side by side, `#/runs/compare?ids=3,7,9`: one column per run, one row per field (model,
 * status, duration, then every param and metric any of them has); a row whose values differ is
 * highlighted and says so in words, so the differences can be found without comparing by eye.
 */
import { api } from '../api.js'
import { linkChartStyles } from '../charts/chart.js'
import { errorBox } from '../components/notice.js'
import { h, replace, type Child } from '../dom.js'
import { formatDuration, formatNumber } from '../format.js'
import { href, type Route } from '../router.js'
import type { Run } from '../types.js'

interface Row { label: string; group: string; values: string[] }

function rowsOf(runs: Run[]): Row[] {
  const took = (r: Run) => (r.endedAt ? formatDuration(Date.parse(r.endedAt) - Date.parse(r.startedAt)) : 'running')
  const keys = (pick: (r: Run) => Record<string, unknown>) => [...new Set(runs.flatMap((r) => Object.keys(pick(r))))].sort()
  const field = (group: string, pick: (r: Run) => Record<string, unknown>, format: (v: unknown) => string) =>
    keys(pick).map((key) => ({ label: key, group, values: runs.map((r) => (Object.hasOwn(pick(r), key) ? format(pick(r)[key]) : '—')) }))
  return [
    { label: 'model', group: 'Run', values: runs.map((r) => `${r.model}@${r.version}`) },
    { label: 'status', group: 'Run', values: runs.map((r) => r.status) },
    { label: 'duration', group: 'Run', values: runs.map(took) },
    ...field('Params', (r) => r.params, String),
    ...field('Metrics', (r) => r.metrics, formatNumber),
  ]
}

export async function renderRunCompare(main: HTMLElement, route: Route): Promise<void> {
  linkChartStyles()
  const ids = (route.query.get('ids') ?? '').split(',').map((s) => s.trim()).filter((s) => /^\d+$/.test(s)).slice(0, 10)
  const head = h('div', { class: 'page-head' }, h('div', null, h('p', { class: 'crumbs' }, h('a', { href: href('runs') }, 'Runs'), ' / compare'), h('h1', { tabindex: '-1' }, 'Compare runs')))
  if (ids.length < 2) {
    replace(main, head, h('p', null, 'Choose two runs or more to compare on the ', h('a', { href: href('runs') }, 'runs page'), '.'))
    return
  }
  replace(main, head, h('p', { class: 'muted' }, 'Loading…'))
  let runs: Run[]
  try {
    runs = await Promise.all(ids.map((id) => api.get<Run>(`/runs/${id}`)))
  } catch (error) {
    replace(main, head, errorBox(error, 'Could not load the runs'))
    return
  }
  const rows = rowsOf(runs)
  const differing = rows.filter((r) => new Set(r.values).size > 1).length
  let group = ''
  const body: Child[] = []
  for (const row of rows) {
    if (row.group !== group) {
      group = row.group
      body.push(h('tr', { class: 'group' }, h('th', { scope: 'rowgroup', colspan: String(runs.length + 1) }, group)))
    }
    const differs = new Set(row.values).size > 1
    body.push(h('tr', { class: differs ? 'differs' : null, 'data-field': `${row.group}.${row.label}` },
      h('th', { scope: 'row' }, row.label, differs ? h('span', { class: 'visually-hidden' }, ' (differs)') : null),
      row.values.map((v) => h('td', { class: differs ? 'differs' : null }, v))))
  }
  replace(main, head,
    h('p', null, `${runs.length} runs; ${differing} of ${rows.length} fields differ (highlighted).`),
    h('div', { class: 'table-scroll' }, h('table', { class: 'compare-table' },
      h('caption', { class: 'visually-hidden' }, 'Runs side by side'),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Field'), runs.map((r) => h('th', { scope: 'col' }, h('a', { href: href('runs', String(r.id)) }, `Run #${r.id}`))))),
      h('tbody', null, body))))
}
