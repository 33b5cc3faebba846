/**
 * A model's aliases on its page: each with where it points and a Remove button (asks first; not
 * for `latest`, which every model keeps), and a form to point an alias at a version. The name
 * field checks the server's rule as the user types (a slug; the server also refuses version
 * numbers and reserved words, and its answer is shown beside the field).
 */
import { api, ApiError, seg } from '../api.js'
import { field, h, replace } from '../dom.js'
import { refreshInstances } from '../live.js'
import type { InstanceInfo } from '../types.js'
import { confirmDialog } from './confirm-dialog.js'
import { runAction } from './notice.js'

/**
 * The model-name slug of descriptors/descriptor.schema.json, written to compile under the `v`
 * flag that browsers use for the `pattern` attribute (no bare `-` inside a class).
 */
export const ALIAS_PATTERN = '[a-z](?:[a-z0-9]|-(?=[a-z0-9])){0,62}'

export function aliasEditor(name: string): { element: HTMLElement; update(versions: InstanceInfo[]): void } {
  const list = h('div')
  const aliasInput = h('input', { type: 'text', required: true, pattern: ALIAS_PATTERN, maxlength: '63', value: 'stable', autocomplete: 'off', spellcheck: 'false' })
  const target = h('select')
  const submit = h('button', { type: 'submit' }, 'Move alias')
  const problem = h('p', { class: 'field-error', role: 'alert', hidden: true })
  const form = h('form', { class: 'inline-form' },
    field('Alias', aliasInput, 'Lowercase letters, digits and hyphens, starting with a letter; not a version number.'),
    field('To version', target), submit, problem)
  aliasInput.addEventListener('input', () => { problem.hidden = true })
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    if (!form.reportValidity()) return
    const alias = aliasInput.value
    problem.hidden = true
    submit.disabled = true
    try {
      await api.put(`/models/${seg(name)}/aliases/${seg(alias)}`, { version: target.value })
      await refreshInstances()
    } catch (error) {
      problem.textContent = error instanceof ApiError ? `${error.message} (${error.code})` : String(error)
      problem.hidden = false
    } finally {
      submit.disabled = false
    }
  })

  function removeButton(alias: string, version: string): HTMLButtonElement {
    const button = h('button', { type: 'button', class: 'small danger', 'aria-label': `Remove alias ${alias}` }, 'Remove')
    button.addEventListener('click', async () => {
      const yes = await confirmDialog({ title: `Remove ${name}@${alias}?`, message: `Requests to /models/${name}@${alias}/ will then be refused; ${name}@${version} keeps running.`, action: 'Remove alias', danger: true })
      if (!yes) return
      await runAction(button, async () => { await api.del(`/models/${seg(name)}/aliases/${seg(alias)}`); await refreshInstances() }, `Removed ${name}@${alias}`)
    })
    return button
  }

  function update(versions: InstanceInfo[]): void {
    const aliases = versions.flatMap((v) => v.aliases.map((alias) => ({ alias, version: v.version }))).sort((a, b) => a.alias.localeCompare(b.alias))
    const chosen = target.value
    replace(target, [...versions].reverse().map((v) => h('option', { value: v.version, selected: v.version === chosen }, v.version)))
    replace(list, aliases.length
      ? h('ul', { class: 'alias-list' }, aliases.map((a) => h('li', { 'data-alias': a.alias },
        h('span', { class: 'chip' }, a.alias), ' → ', h('code', null, `${name}@${a.version}`), ' ',
        a.alias === 'latest' ? h('small', { class: 'muted' }, '(moved by deploys and rollbacks; never removed)') : removeButton(a.alias, a.version))))
      : h('p', { class: 'muted' }, 'No aliases yet: latest is set when a version first becomes ready.'))
  }

  return { element: h('div', null, list, form), update }
}
