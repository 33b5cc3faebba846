/**
 * Audit (admin): the audit trail, newest first: every management action and every refusal, with
 * who, what, on what, the outcome, the request id and the client; filtered by token, action,
 * outcome and time, paged with "Older".
 */
import { api } from '../api.js'
import { errorBox } from '../components/notice.js'
import { dataTable } from '../components/table.js'
import { field, h, replace } from '../dom.js'
import { formatTime } from '../format.js'
import { href, navigate, type Route } from '../router.js'

interface AuditEntry { id: number; time: string; token: string | null; role: string | null; action: string; path: string; target: string | null; status: number; code: string | null; requestId: string; client: string | null }

const PAGE = 50

export function renderAudit(main: HTMLElement, route: Route): void {
  const q = route.query
  const token = h('input', { type: 'text', name: 'token', value: q.get('token') ?? '', autocomplete: 'off', spellcheck: 'false' })
  const action = h('input', { type: 'text', name: 'action', value: q.get('action') ?? '', placeholder: 'POST or POST /api/tokens', autocomplete: 'off', spellcheck: 'false' })
  const outcome = h('select', { name: 'outcome' }, [['', 'Any'], ['ok', 'Succeeded'], ['refused', 'Refused (401/403)'], ['failed', 'Failed']].map(([v, l]) => h('option', { value: v!, selected: v === (q.get('outcome') ?? '') }, l!)))
  const since = h('input', { type: 'datetime-local', name: 'since', value: q.get('since') ?? '' })
  const form = h('form', { class: 'card filters', role: 'search' }, field('Token', token), field('Action', action), field('Outcome', outcome), field('Since', since), h('button', { type: 'submit' }, 'Filter'))
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'))
  const more = h('button', { type: 'button', hidden: true }, 'Older')
  const rows: AuditEntry[] = []

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const next = new URLSearchParams()
    for (const [key, el] of [['token', token], ['action', action], ['outcome', outcome], ['since', since]] as const) if (el.value.trim()) next.set(key, el.value.trim())
    navigate(`${href('audit')}${next.size ? `?${next}` : ''}`)
  })

  function show(): void {
    replace(body, dataTable<AuditEntry>([
      { label: 'Time', cell: (e) => formatTime(e.time) },
      { label: 'Token', cell: (e) => (e.token ? [h('code', null, e.token), e.role ? h('small', { class: 'muted block' }, e.role) : null] : h('span', { class: 'muted' }, 'none')) },
      { label: 'Action', kind: 'wide', cell: (e) => h('code', null, e.action) },
      { label: 'Target', cell: (e) => e.target ?? '—' },
      { label: 'Outcome', cell: (e) => h('span', { class: e.status >= 400 ? 'outcome bad' : 'outcome' }, String(e.status), e.code ? h('small', { class: 'block' }, e.code) : null) },
      { label: 'Client', cell: (e) => e.client ?? '—' },
      { label: 'Request', cell: (e) => h('code', { class: 'small' }, e.requestId) },
    ], rows, { caption: 'Audit trail', rowKey: (e) => `audit-${e.id}`, rowClass: (e) => (e.status === 401 || e.status === 403 ? 'refused' : undefined), empty: h('p', null, 'No entries match.') }))
  }

  async function load(before?: number): Promise<void> {
    const query = new URLSearchParams({ limit: String(PAGE) })
    for (const key of ['token', 'action', 'outcome']) { const v = q.get(key); if (v) query.set(key, v) }
    const sinceValue = q.get('since')
    if (sinceValue) query.set('since', new Date(sinceValue).toISOString())
    if (before !== undefined) query.set('before', String(before))
    try {
      const { entries } = await api.get<{ entries: AuditEntry[] }>(`/audit?${query}`)
      rows.push(...entries)
      more.hidden = entries.length < PAGE
      show()
    } catch (error) {
      replace(body, errorBox(error, 'Could not read the audit trail'))
    }
  }
  more.addEventListener('click', () => { more.disabled = true; void load(rows.at(-1)?.id).finally(() => { more.disabled = false }) })

  replace(main, h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Audit')), form,
    h('section', { 'aria-labelledby': 'audit-heading' }, h('h2', { id: 'audit-heading', class: 'visually-hidden' }, 'Audit trail'), body, more))
  void load()
}
