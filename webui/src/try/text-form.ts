/** A text box: `{ "<field>": text }` as JSON, or the text itself for a text/* endpoint. */
import { field, h } from '../dom.js'
import type { TryForm } from './try-form.js'

export function textForm(options: { field?: string; contentType?: string; example?: unknown }): TryForm {
  const initial = options.field ? (options.example as Record<string, unknown> | undefined)?.[options.field] : options.example
  const text = h('textarea', { rows: '6', required: true, value: typeof initial === 'string' ? initial : '' })
  return {
    element: field('Text', text, options.field ? `Sent as {"${options.field}": …}` : `Sent as ${options.contentType}`),
    build() {
      if (!text.value.trim()) throw new Error('Enter some text first.')
      if (options.field) return { body: JSON.stringify({ [options.field]: text.value }), contentType: 'application/json' }
      return { body: text.value, contentType: options.contentType ?? 'text/plain' }
    },
  }
}
