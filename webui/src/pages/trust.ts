/**
 * Trusted keys `#/trust`: the public keys whose package signatures this server trusts, with
 * whether it takes signed packages only (`ferry serve --require-signed`); add a key by pasting
 * the line `ferry keygen` printed (or its .pub file), remove one (packages it signed keep their
 * recorded signer, shown as "key removed").
 */
import { api, seg } from '../api.js'
import { errorBox, runAction } from '../components/notice.js'
import { dataTable } from '../components/table.js'
import { field, h, replace } from '../dom.js'
import { formatTime } from '../format.js'
import type { Cleanup } from '../router.js'
import type { TrustedKey } from '../types.js'

function removeButton(key: TrustedKey, after: () => void): HTMLElement {
  const button = h('button', { type: 'button', class: 'danger', 'aria-label': `Remove key ${key.name}` }, 'Remove')
  let armed = false
  button.addEventListener('click', async () => {
    if (!armed) {
      armed = true
      button.textContent = 'Confirm remove'
      setTimeout(() => { armed = false; button.textContent = 'Remove' }, 4000)
      return
    }
    if (await runAction(button, () => api.del(`/trust/${seg(key.keyId)}`), `${key.name} is no longer trusted`)) after()
  })
  return button
}

function addForm(after: () => void): HTMLElement {
  const line = h('textarea', { rows: '2', required: true, spellcheck: 'false', class: 'mono', placeholder: 'ferry-ed25519 … name' })
  const file = h('input', { type: 'file', accept: '.pub,text/plain' })
  const name = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', pattern: '[A-Za-z0-9][A-Za-z0-9._@\\-]{0,63}' })
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Trust this key')
  const result = h('div')
  file.addEventListener('change', async () => { const f = file.files?.[0]; if (f) line.value = (await f.text()).trim() })
  const form = h('form', { class: 'trust-form', 'aria-labelledby': 'trust-add-heading' },
    field('Public key', line, 'The line `ferry keygen` printed, or the contents of its .pub file.'),
    field('Or read it from a .pub file', file),
    field('Name (optional)', name, 'Shown as the signer of the packages this key signs; default: the name on the line.'),
    submit, result)
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    if (!form.reportValidity()) return
    replace(result)
    if (/PRIVATE KEY/.test(line.value)) {
      // Never sent: a private key stays with whoever signs.
      replace(result, h('div', { class: 'error-box', role: 'alert' }, h('strong', null, 'This is a private key'), h('p', null, 'Give the .pub file (one line, "ferry-ed25519 …"), never the .key file: the private key stays with the signer.')))
      return
    }
    submit.disabled = true
    try {
      const key = await api.post<TrustedKey>('/trust', { publicKey: line.value.trim(), ...(name.value ? { name: name.value } : {}) })
      replace(result, h('p', { class: 'ok-box', role: 'status' }, 'Trusted ', h('strong', null, key.name), ' (key ', h('code', null, key.keyId), ').'))
      line.value = ''
      name.value = ''
      file.value = ''
      after()
    } catch (error) {
      replace(result, errorBox(error, 'The key was not added'))
    } finally {
      submit.disabled = false
    }
  })
  return h('section', { 'aria-labelledby': 'trust-add-heading' }, h('h2', { id: 'trust-add-heading' }, 'Add a key'), form)
}

export function renderTrust(main: HTMLElement): Cleanup {
  const policy = h('p', { class: 'muted' })
  const list = h('div', null, h('p', { class: 'muted' }, 'Loading…'))
  async function load(): Promise<void> {
    try {
      const { requireSigned, keys } = await api.get<{ requireSigned: boolean; keys: TrustedKey[] }>('/trust')
      replace(policy, requireSigned
        ? ['This server takes ', h('strong', null, 'signed packages only'), ': an upload must be signed by one of these keys.']
        : ['This server takes unsigned packages too. A signed one is still checked: a bad signature is refused, and a key not listed here is shown as unknown.'])
      replace(list, dataTable<TrustedKey>([
        { label: 'Name', cell: (k) => h('strong', null, k.name) },
        { label: 'Key id', cell: (k) => h('code', null, k.keyId) },
        { label: 'Public key', kind: 'wide', cell: (k) => h('code', { class: 'trust-key', title: k.line }, k.publicKey) },
        { label: 'Added', cell: (k) => formatTime(k.addedAt) },
        { label: 'Actions', kind: 'actions', cell: (k) => removeButton(k, () => void load()) },
      ], keys, { caption: 'Trusted keys', rowKey: (k) => k.keyId, empty: h('p', null, 'No trusted keys yet: add one below.') }))
    } catch (error) {
      replace(list, errorBox(error, 'Could not list the trusted keys'))
    }
  }
  replace(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Trusted keys')),
    policy,
    h('section', { 'aria-labelledby': 'keys-heading' }, h('h2', { id: 'keys-heading' }, 'Keys'), list),
    addForm(() => void load()))
  void load()
  return () => undefined
}
