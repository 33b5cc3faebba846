/**
 * The digits form: a drawing pad whose drawing becomes `{ "pixels": [64 values 0–16] }`; the
 * values are also in an editable text box, for the keyboard and for pasting, and an example or
 * typed values are painted on the pad, so what is shown is what is sent. A blank pad is not sent
 * (the model would answer it anyway, with a confident-looking guess). When the endpoint also takes
 * images, an Image tab offers the image form (file, drop, samples, camera) instead.
 */
import { createDrawingPad, pixelGrid } from '../components/drawing-pad.js'
import { field, h, replace } from '../dom.js'
import type { TryForm } from './try-form.js'

const isPixels = (value: unknown): value is number[] => Array.isArray(value) && value.length === 64 && value.every((v) => typeof v === 'number' && v >= 0 && v <= 16)

export function digitsForm(example?: unknown, images?: TryForm): TryForm {
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
  const show = (pixels: number[]) => {
    replace(grid, pixelGrid(pixels))
    pad.paint(pixels)
    drawn = pixels.some((v) => v > 0)
  }
  pad.onChange(() => { drawn = true; sync() })
  clear.addEventListener('click', () => { pad.clear(); drawn = false })
  values.addEventListener('input', () => {
    try { const parsed = JSON.parse(values.value) as unknown; if (isPixels(parsed)) show(parsed) } catch { /* still typing */ }
  })
  sync()
  const start = (example as { pixels?: unknown } | undefined)?.pixels
  if (isPixels(start)) { values.value = JSON.stringify(start); show(start) }

  const drawPane = h('div', { class: 'digits-form', id: 'digits-draw', role: 'tabpanel', 'aria-labelledby': 'digits-tab-draw' },
    h('div', { class: 'pad-wrap' }, pad.element, h('div', { class: 'button-row' }, clear),
      h('label', { class: 'check', for: asPng.id }, asPng, 'Send the drawing as a PNG image')),
    h('div', null, h('p', { class: 'muted small' }, 'What the model sees (8×8, 0–16):'), grid, field('Pixels (64 values, 0–16)', values)))

  let mode: 'draw' | 'image' = 'draw'
  let element: HTMLElement = drawPane
  if (images) {
    const imagePane = h('div', { id: 'digits-image', role: 'tabpanel', 'aria-labelledby': 'digits-tab-image', hidden: true }, images.element)
    const tab = (id: 'draw' | 'image', label: string) => h('button', { type: 'button', role: 'tab', id: `digits-tab-${id}`, 'aria-controls': `digits-${id}`, 'aria-selected': id === 'draw' ? 'true' : 'false', class: 'tab' }, label)
    const tabs = [tab('draw', 'Draw'), tab('image', 'Image')]
    for (const button of tabs) {
      button.addEventListener('click', () => {
        mode = button.id.endsWith('image') ? 'image' : 'draw'
        for (const b of tabs) b.setAttribute('aria-selected', String(b === button))
        drawPane.hidden = mode !== 'draw'
        imagePane.hidden = mode !== 'image'
      })
    }
    element = h('div', null, h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Input' }, tabs), drawPane, imagePane)
  }

  return {
    element,
    async build() {
      if (mode === 'image' && images) return images.build()
      if (asPng.checked) {
        if (!drawn) throw new Error('The pad is blank: draw a digit first.')
        const image = await pad.toPng()
        return { body: image, contentType: 'image/png', image }
      }
      let pixels: unknown
      try { pixels = JSON.parse(values.value) } catch { throw new Error('The pixels are not valid JSON: 64 numbers from 0 to 16.') }
      if (!Array.isArray(pixels) || pixels.length !== 64) throw new Error('Draw a digit first (or enter 64 values from 0 to 16).')
      if (pixels.every((v) => v === 0)) throw new Error('The pad is blank: draw a digit first (or choose an example). A blank image would still get an answer, and it would mean nothing.')
      return { body: JSON.stringify({ pixels }), contentType: 'application/json' }
    },
  }
}
