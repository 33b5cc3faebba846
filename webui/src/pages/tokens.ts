/**
 * Tokens (admin): the named tokens with their role, model and state; create one (its secret is
 * shown here once, then only its hash exists on the server) and revoke one (refused from the next
 * request on, its console sessions end).
 */
import { api, seg } from '../api.js'
import { errorBox, runAction } from '../components/notice.js'
import { dataTable } from '../components/table.js'
import { field, h, replace } from '../dom.js'
import { formatTime } from '../format.js'

interface TokenInfo { id: string; name: string; role: string; model: string | null; createdAt: string; createdBy: string | null; revokedAt: string | null }

const ROLE_HELP: Record<string, string> = {
  admin: 'everything, including tokens, trusted keys and the audit trail',
  deployer: 'packages, deployments, instances, aliases, rollouts, jobs; not tokens, trust or audit',
  viewer: 'read only',
  inference: 'calls one model under /models/, nothing else',
}

export function renderTokens(main: HTMLElement): void {
  const list = h('div', null, h('p', { class: 'muted' }, 'Loading…'))
  const created = h('div', { 'aria-live': 'polite' })
  const name = h('input', { type: 'text', name: 'name', required: true, pattern: '[a-z0-9][a-z0-9._\\-]{0,62}', autocomplete: 'off', spellcheck: 'false' })
  const role = h('select', { name: 'role' }, Object.keys(ROLE_HELP).map((r) => h('option', { value: r, selected: r === 'deployer' }, r)))
  const model = h('input', { type: 'text', name: 'model', autocomplete: 'off', spellcheck: 'false' })
  const modelField = field('Model', model, 'The model an inference token calls.')
  const roleHint = h('p', { class: 'muted small' })
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create token')
  const syncRole = () => {
    modelField.hidden = role.value !== 'inference'
    model.required = role.value === 'inference'
    roleHint.textContent = `${role.value}: ${ROLE_HELP[role.value]}`
  }
  role.addEventListener('change', syncRole)
  syncRole()
  const form = h('form', { class: 'card inline-form', 'aria-labelledby': 'new-token-heading' },
    field('Name', name, 'Lower-case letters, digits, ".", "_" and "-".'), field('Role', role), modelField, submit)

  async function load(): Promise<void> {
    try {
      const { tokens } = await api.get<{ tokens: TokenInfo[] }>('/tokens')
      replace(list, dataTable<TokenInfo>([
        { label: 'Name', cell: (t) => h('code', null, t.name) },
        { label: 'Role', cell: (t) => t.role },
        { label: 'Model', cell: (t) => t.model ?? '—' },
        { label: 'Created', cell: (t) => [formatTime(t.createdAt), t.createdBy ? h('small', { class: 'muted block' }, `by ${t.createdBy}`) : null] },
        { label: 'State', cell: (t) => (t.revokedAt ? `revoked ${formatTime(t.revokedAt)}` : 'active') },
        { label: 'Actions', kind: 'actions', cell: (t) => {
          if (t.revokedAt) return null
          const revoke = h('button', { type: 'button', class: 'danger', 'aria-label': `Revoke ${t.name}` }, 'Revoke')
          revoke.addEventListener('click', async () => {
            if (!confirm(`Revoke the token "${t.name}"? Anything using it is refused from its next request.`)) return
            if (await runAction(revoke, () => api.del(`/tokens/${seg(t.name)}`), `${t.name} revoked`)) await load()
          })
          return revoke
        } },
      ], tokens, { caption: 'Named tokens', rowKey: (t) => t.id, empty: h('p', null, 'No named tokens yet. The bootstrap admin token (', h('code', null, '<data dir>/token'), ') always works.') }))
    } catch (error) {
      replace(list, errorBox(error, 'Could not list the tokens'))
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    if (!form.reportValidity()) return
    submit.disabled = true
    try {
      const result = await api.post<TokenInfo & { token: string }>('/tokens', { name: name.value.trim(), role: role.value, ...(role.value === 'inference' ? { model: model.value.trim() } : {}) })
      const secret = h('input', { type: 'text', readonly: true, value: result.token, class: 'mono secret', 'aria-label': `The new token ${result.name}` })
      const copy = h('button', { type: 'button' }, 'Copy')
      copy.addEventListener('click', async () => { secret.select(); await navigator.clipboard?.writeText(result.token).catch(() => undefined) })
      replace(created, h('div', { class: 'ok-box', role: 'status' },
        h('p', null, h('strong', null, `${result.name} (${result.role}${result.model ? ` for ${result.model}` : ''}) created.`), ' Copy it now: it is shown only this once.'),
        h('div', { class: 'inline-form' }, secret, copy)))
      name.value = ''
      await load()
    } catch (error) {
      replace(created, errorBox(error, 'Could not create the token'))
    } finally {
      submit.disabled = false
    }
  })

  replace(main, h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Tokens')),
    h('section', { 'aria-labelledby': 'new-token-heading' }, h('h2', { id: 'new-token-heading' }, 'New token'), form, roleHint, created),
    h('section', { 'aria-labelledby': 'tokens-heading' }, h('h2', { id: 'tokens-heading' }, 'Named tokens'), list))
  void load()
}
