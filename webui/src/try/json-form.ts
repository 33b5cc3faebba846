/** Raw JSON, prefilled from the descriptor's example for the endpoint; checked before sending. */
import { field, h } from '../dom.js'
import type { TryForm } from './try-form.js'

export function jsonForm(example?: unknown): TryForm {
  const body = h('textarea', { rows: '10', class: 'mono', spellcheck: 'false', value: JSON.stringify(example ?? {}, null, 2) })
  return {
    element: field('JSON body', body),
    build() {
      try { JSON.parse(body.value) } catch (error) { throw new Error(`The body is not valid JSON: ${(error as Error).message}`) }
      return { body: body.value, contentType: 'application/json' }
    },
  }
}
