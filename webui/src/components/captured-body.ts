/**
 * A request's kept bodies (body capture, GET /api/requests/:requestId/body) in a dialog: what was
 * sent and what came back, as text or "binary, N bytes", marked when cut at the cap; and "Replay in
 * Try it", which opens Try it on the same version and endpoint with the request's body filled in.
 */
import { api, seg } from '../api.js'
import { h } from '../dom.js'
import { formatBytes } from '../format.js'
import { href } from '../router.js'
import type { RequestRecord } from '../types.js'
import { errorBox } from './notice.js'

export interface CapturedSide { contentType: string | null; bytes: number; truncated: boolean; text?: string; base64?: string }
export interface CapturedExchange { requestId: string; model: string; version: string | null; method: string; path: string; status: number; request: CapturedSide; response: CapturedSide }

/** The endpoint a proxied path called: `/models/echo@latest/predict?x=1` → `/predict`. */
export function endpointPath(path: string): string {
  return path.replace(/^\/models\/[^/]+/, '').replace(/\?.*$/, '') || '/'
}

/** The Try it link that replays a captured request. */
export function replayHref(c: Pick<CapturedExchange, 'model' | 'version' | 'method' | 'path' | 'requestId'>): string {
  const query = new URLSearchParams({ ...(c.version ? { version: c.version } : {}), endpoint: `${c.method} ${endpointPath(c.path)}`, replay: c.requestId })
  return `${href('models', c.model, 'try')}?${query}`
}

function side(title: string, s: CapturedSide): HTMLElement {
  const shown = s.text !== undefined
    ? h('pre', { class: 'json captured', tabindex: '0' }, prettify(s.text, s.contentType))
    : h('p', { class: 'muted' }, `Binary (${s.contentType ?? 'no content type'}), ${formatBytes(s.bytes)}: not shown.`)
  return h('section', null, h('h3', null, title, ' ', h('small', { class: 'muted' }, `${s.contentType ?? 'no content type'} · ${formatBytes(s.bytes)}${s.truncated ? ' · cut at the cap' : ''}`)), shown)
}

function prettify(text: string, type: string | null): string {
  if (!/json/i.test(type ?? '')) return text
  try { return JSON.stringify(JSON.parse(text), null, 2) } catch { return text }
}

export function openCapturedBody(record: RequestRecord): void {
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'))
  const close = h('button', { type: 'button', class: 'small' }, 'Close')
  const dialog = h('dialog', { class: 'viewer captured-body', 'aria-labelledby': 'captured-title' },
    h('div', { class: 'viewer-head' }, h('div', null, h('h2', { id: 'captured-title' }, `${record.method} ${record.path}`),
      h('p', { class: 'muted small' }, `${record.model}@${record.version ?? '?'} · ${record.status} · request ${record.requestId ?? ''}`)), close),
    body)
  close.addEventListener('click', () => dialog.close())
  dialog.addEventListener('close', () => dialog.remove())
  document.body.append(dialog)
  dialog.showModal()
  close.focus()
  api.get<CapturedExchange>(`/requests/${seg(record.requestId ?? '')}/body`).then((c) => {
    const replay = h('a', { class: 'button primary', href: replayHref(c) }, 'Replay in Try it')
    replay.addEventListener('click', () => dialog.close())
    body.replaceChildren(h('div', { class: 'button-row' }, c.request.text !== undefined ? replay : h('span', { class: 'muted small' }, 'Only text bodies can be replayed.')), side('Request', c.request), side(`Response (${c.status})`, c.response))
  }, (error) => body.replaceChildren(errorBox(error, 'The bodies could not be read')))
}
