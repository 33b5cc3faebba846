/**
 * Prediction history of a model: every inference request the gateway proxied to it
 * (GET /api/requests), newest first, with the version that answered, status and time taken.
 */
import { api, ApiError } from '../api.js'
import { h, replace } from '../dom.js'
import { formatBytes, formatMs, formatTime } from '../format.js'
import type { RequestRecord } from '../types.js'
import { errorBox } from './notice.js'
import { dataTable } from './table.js'

export function predictionHistory(filter: { model?: string; version?: string }): { element: HTMLElement; reload(): Promise<void> } {
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'))
  let shown: string | undefined
  async function reload(): Promise<void> {
    const query = new URLSearchParams({ limit: '50', ...(filter.model ? { model: filter.model } : {}), ...(filter.version ? { version: filter.version } : {}) })
    try {
      const { requests } = await api.get<{ requests: RequestRecord[] }>(`/requests?${query}`)
      const key = requests.map((r) => r.id).join()
      if (key === shown) return
      shown = key
      replace(body, dataTable<RequestRecord>([
        { label: 'Time', cell: (r) => formatTime(r.time) },
        { label: 'Version', cell: (r) => `${r.model}@${r.version ?? '?'}` },
        { label: 'Request', kind: 'wide', cell: (r) => h('code', null, `${r.method} ${r.path}`) },
        { label: 'Status', kind: 'num', cell: (r) => h('span', { class: r.status >= 400 ? 'bad-text' : '' }, String(r.status)) },
        { label: 'Time taken', kind: 'num', cell: (r) => formatMs(r.durationMs) },
        { label: 'In / out', kind: 'num', cell: (r) => `${formatBytes(r.requestBytes)} / ${formatBytes(r.responseBytes)}` },
      ], requests, { caption: 'Prediction history', rowKey: (r) => `request-${r.id}`, empty: h('p', { class: 'muted' }, 'No predictions yet.') }))
    } catch (error) {
      shown = undefined
      if (error instanceof ApiError && error.status === 404 && error.code === 'E_ROUTE_NOT_FOUND') replace(body, h('p', { class: 'muted' }, 'This server keeps no prediction history (no GET /api/requests).'))
      else replace(body, errorBox(error, 'Could not read the prediction history', () => void reload()))
    }
  }
  const refresh = h('button', { type: 'button', class: 'small' }, 'Refresh')
  refresh.addEventListener('click', () => void reload())
  void reload()
  return {
    element: h('section', { 'aria-labelledby': 'history-heading' },
      h('div', { class: 'section-head' }, h('h2', { id: 'history-heading' }, 'Prediction history'), refresh), body),
    reload,
  }
}
