/**
 * A model's inference token: require one for /models/<name>/… (kept by the server only as its
 * sha256, so it is shown once, here, when generated) or open the model again. Named inference
 * tokens that call the model (made on the Tokens page) are listed beside it.
 */
import { api, seg } from '../api.js'
import { field, h, replace, type Child } from '../dom.js'
import { href } from '../router.js'
import type { ModelInfo } from '../types.js'
import { runAction } from './notice.js'

function randomToken(): string {
  return [...crypto.getRandomValues(new Uint8Array(24))].map((b) => b.toString(16).padStart(2, '0')).join('')
}

export function modelTokenSection(name: string): { element: HTMLElement; update(model: ModelInfo | undefined): void } {
  const body = h('div')
  function update(model: ModelInfo | undefined): void {
    if (!model) return replace(body)
    const named = model.inferenceTokens ?? []
    const namedNote: Child = named.length
      ? h('p', null, 'Named inference tokens call it: ', named.map((n, i) => [i ? ', ' : '', h('code', null, n)]), ' (', h('a', { href: href('tokens') }, 'Tokens'), ').')
      : null
    const ownSet = model.modelTokenSet ?? model.inferenceTokenRequired
    if (ownSet) {
      const open = h('button', { type: 'button' }, 'Remove the token requirement')
      open.addEventListener('click', async () => { if (await runAction(open, () => api.del(`/models/${seg(name)}/token`), `${name} is open again`)) update({ ...model, modelTokenSet: false, inferenceTokenRequired: named.length > 0 }) })
      replace(body, h('p', null, 'Inference on ', h('code', null, `/models/${name}/…`), ' requires its token (', h('code', null, 'Authorization: Bearer …'), '). '), namedNote, open)
      return
    }
    const input = h('input', { type: 'text', minlength: '16', required: true, autocomplete: 'off', spellcheck: 'false', class: 'mono' })
    const generate = h('button', { type: 'button' }, 'Generate')
    const submit = h('button', { type: 'submit' }, 'Require this token')
    generate.addEventListener('click', () => { input.value = randomToken(); input.select() })
    const form = h('form', { class: 'inline-form' }, field('Inference token (at least 16 characters)', input, 'Copy it now: the server keeps only its hash.'), generate, submit)
    form.addEventListener('submit', async (event) => {
      event.preventDefault()
      if (!form.reportValidity()) return
      if (await runAction(submit, () => api.put(`/models/${seg(name)}/token`, { token: input.value }), `${name} now requires its token`)) update({ ...model, modelTokenSet: true, inferenceTokenRequired: true })
    })
    replace(body, named.length ? namedNote : h('p', { class: 'muted' }, 'Anyone who can reach the gateway may call this model.'), form)
  }
  return { element: h('section', { 'aria-labelledby': 'token-heading' }, h('h2', { id: 'token-heading' }, 'Access'), body), update }
}
