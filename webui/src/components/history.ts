/**
 * Prediction history of a model: every inference request the gateway proxied to it
 * (GET /api/requests), newest first, with the version that answered, status and time taken;
 * filtered by status, time taken and time, and read a page of 20 at a time (Older / Newer), so a
 * busy model's history stays a short page on a phone too.
 */
import { api, ApiError, seg } from '../api.js'
import { openCapturedBody } from './captured-body.js'
import { field, h, replace } from '../dom.js'
import { formatBytes, formatMs, formatTime } from '../format.js'
import type { RequestRecord } from '../types.js'
import { errorBox, toast } from './notice.js'
import { dataTable } from './table.js'

const PAGE = 20
const STATUS: Array<[string, string]> = [['', 'Any status'], ['error', 'Errors (400 and up)'], ['2xx', 'Successful (2xx)'], ['4xx', 'Client errors (4xx)'], ['5xx', 'Server errors (5xx)']]
const SLOWER: Array<[string, string]> = [['', 'Any time taken'], ['100', 'Slower than 100 ms'], ['500', 'Slower than 500 ms'], ['1000', 'Slower than 1 s'], ['5000', 'Slower than 5 s']]
const SINCE: Array<[string, string]> = [['', 'Any time'], ['900000', 'Last 15 minutes'], ['3600000', 'Last hour'], ['86400000', 'Last 24 hours']]

interface RequestPage { requests: RequestRecord[]; next?: number | null; total?: number }

const select = (name: string, options: Array<[string, string]>) => h('select', { name }, options.map(([value, label]) => h('option', { value }, label)))

function bodyButton(r: RequestRecord): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'small', 'aria-label': `Bodies of request ${r.requestId}`, 'aria-haspopup': 'dialog' }, 'View')
  button.addEventListener('click', () => openCapturedBody(r))
  return button
}

/** "Keep request and response bodies" for one model (PUT /api/models/:name/capture). */
function captureToggle(model: string): HTMLElement {
  const box = h('input', { type: 'checkbox', id: 'capture-bodies' })
  const note = h('small', { class: 'muted' })
  const describe = (s: { enabled: boolean; maxBytes: number }) => { box.checked = s.enabled; note.textContent = s.enabled ? ` up to ${formatBytes(s.maxBytes)} each; the newest 2,000 requests` : ' off: only the figures are kept' }
  api.get<{ enabled: boolean; maxBytes: number }>(`/models/${seg(model)}/capture`).then(describe, () => { box.disabled = true })
  box.addEventListener('change', async () => {
    box.disabled = true
    try { describe(await api.put(`/models/${seg(model)}/capture`, { enabled: box.checked })) } catch (error) { box.checked = !box.checked; toast(error instanceof Error ? error.message : String(error), 'error') } finally { box.disabled = false }
  })
  return h('p', { class: 'capture-toggle' }, h('label', { class: 'check', for: box.id }, box, 'Keep request and response bodies'), note)
}

export function predictionHistory(filter: { model?: string; version?: string }): { element: HTMLElement; reload(): Promise<void> } {
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'))
  const status = select('status', STATUS)
  const slower = select('minMs', SLOWER)
  const since = select('since', SINCE)
  const older = h('button', { type: 'button', class: 'small' }, 'Older')
  const newer = h('button', { type: 'button', class: 'small' }, 'Newer')
  const position = h('span', { class: 'muted small', 'aria-live': 'polite' })
  /** The `before` cursor of each page shown so far (undefined: the newest page). */
  const cursors: Array<number | undefined> = [undefined]
  let next: number | null = null
  let shown: string | undefined

  async function reload(): Promise<void> {
    const before = cursors.at(-1)
    const query = new URLSearchParams({
      limit: String(PAGE), ...(filter.model ? { model: filter.model } : {}), ...(filter.version ? { version: filter.version } : {}),
      ...(status.value ? { status: status.value } : {}), ...(slower.value ? { minMs: slower.value } : {}),
      ...(since.value ? { since: new Date(Date.now() - Number(since.value)).toISOString() } : {}), ...(before ? { before: String(before) } : {}),
    })
    try {
      const page = await api.get<RequestPage>(`/requests?${query}`)
      const { requests } = page
      next = page.next ?? null
      const first = (cursors.length - 1) * PAGE
      position.textContent = requests.length ? `${first + 1}–${first + requests.length}${page.total !== undefined ? ` of ${page.total}` : ''}` : ''
      older.disabled = next === null
      newer.disabled = cursors.length === 1
      const key = `${requests.map((r) => r.id).join()}|${page.total}`
      if (key === shown) return
      shown = key
      replace(body, dataTable<RequestRecord>([
        { label: 'Time', cell: (r) => formatTime(r.time) },
        { label: 'Version', cell: (r) => `${r.model}@${r.version ?? '?'}` },
        { label: 'Request', kind: 'wide', cell: (r) => h('code', null, `${r.method} ${r.path}`) },
        { label: 'Status', kind: 'num', cell: (r) => h('span', { class: r.status >= 400 ? 'bad-text' : '' }, String(r.status)) },
        { label: 'Time taken', kind: 'num', cell: (r) => formatMs(r.durationMs) },
        { label: 'In / out', kind: 'num', cell: (r) => `${formatBytes(r.requestBytes)} / ${formatBytes(r.responseBytes)}` },
        ...(requests.some((r) => r.captured) ? [{ label: 'Bodies', kind: 'actions' as const, cell: (r: RequestRecord) => (r.captured ? bodyButton(r) : '—') }] : []),
      ], requests, { caption: 'Prediction history', rowKey: (r) => `request-${r.id}`, empty: h('p', { class: 'muted' }, status.value || slower.value || since.value ? 'No predictions match these filters.' : 'No predictions yet.') }))
    } catch (error) {
      shown = undefined
      if (error instanceof ApiError && error.status === 404 && error.code === 'E_ROUTE_NOT_FOUND') replace(body, h('p', { class: 'muted' }, 'This server keeps no prediction history (no GET /api/requests).'))
      else replace(body, errorBox(error, 'Could not read the prediction history', () => void reload()))
    }
  }
  const restart = () => { cursors.length = 1; void reload() }
  for (const control of [status, slower, since]) control.addEventListener('change', restart)
  older.addEventListener('click', () => { if (next !== null) { cursors.push(next); void reload() } })
  newer.addEventListener('click', () => { if (cursors.length > 1) { cursors.pop(); void reload() } })
  const refresh = h('button', { type: 'button', class: 'small' }, 'Refresh')
  refresh.addEventListener('click', () => void reload())
  void reload()
  return {
    element: h('section', { 'aria-labelledby': 'history-heading' },
      h('div', { class: 'section-head' }, h('h2', { id: 'history-heading' }, 'Prediction history'), refresh),
      filter.model ? captureToggle(filter.model) : null,
      h('div', { class: 'filters', role: 'group', 'aria-label': 'Filter the prediction history' }, field('Status', status), field('Time taken', slower), field('When', since)),
      body,
      h('nav', { class: 'pager button-row', 'aria-label': 'Prediction history pages' }, newer, position, older)),
    reload,
  }
}
