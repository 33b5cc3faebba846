/**
 * The digits form: a drawing pad whose drawing becomes `{ "pixels": [64 values 0–16] }`; the
 * values are also in an editable text box, for the keyboard and for pasting.
 */
import { createDrawingPad, pixelGrid } from '../components/drawing-pad.js'
import { field, h, replace } from '../dom.js'
import type { TryForm } from './try-form.js'

export function digitsForm(example?: unknown): TryForm {
  const pad = createDrawingPad('Drawing pad: draw one digit with the mouse, a finger or a pen')
  const values = h('textarea', { rows: '4', class: 'mono', spellcheck: 'false' })
  const grid = h('div')
  const clear = h('button', { type: 'button' }, 'Clear')
  const asPng = h('input', { type: 'checkbox', id: 'digits-png' })
  let drawn = false
  const sync = () => {
    const pixels = pad.pixels()
    values.value = JSON.stringify(pixels)
    replace(grid, pixelGrid(pixels))
  }
  pad.onChange(() => { drawn = true; sync() })
  clear.addEventListener('click', () => { pad.clear(); drawn = false })
  values.addEventListener('input', () => {
    try { const parsed = JSON.parse(values.value) as number[]; if (Array.isArray(parsed)) replace(grid, pixelGrid(parsed)) } catch { /* still typing */ }
  })
  sync()
  const start = (example as { pixels?: unknown } | undefined)?.pixels
  if (Array.isArray(start)) { values.value = JSON.stringify(start); replace(grid, pixelGrid(start as number[])) }
  return {
    element: h('div', { class: 'digits-form' },
      h('div', { class: 'pad-wrap' }, pad.element, h('div', { class: 'button-row' }, clear),
        h('label', { class: 'check', for: asPng.id }, asPng, 'Send the drawing as a PNG image')),
      h('div', null, h('p', { class: 'muted small' }, 'What the model sees (8×8, 0–16):'), grid, field('Pixels (64 values, 0–16)', values))),
    async build() {
      if (asPng.checked) {
        if (!drawn) throw new Error('Draw a digit first.')
        const image = await pad.toPng()
        return { body: image, contentType: 'image/png', image }
      }
      let pixels: unknown
      try { pixels = JSON.parse(values.value) } catch { throw new Error('The pixels are not valid JSON: 64 numbers from 0 to 16.') }
      if (!Array.isArray(pixels) || pixels.length !== 64) throw new Error('Draw a digit first (or enter 64 values from 0 to 16).')
      return { body: JSON.stringify({ pixels }), contentType: 'application/json' }
    },
  }
}
