/**
 * The image input: choose a file, drop one, or take a photo (capture on phones), with a preview;
 * sent as the raw body with its own type (or as a multipart field when the endpoint says so).
 */
import { acceptDroppedFile } from '../components/drop-zone.js'
import { h, replace } from '../dom.js'
import { formatBytes } from '../format.js'
import type { SampleSource, TryForm } from './try-form.js'

export function imageForm(options: { contentType: string; multipartField?: string | undefined; samples?: SampleSource | undefined }): TryForm {
  let image: Blob | undefined
  let url: string | undefined
  const input = h('input', { type: 'file', id: 'try-image', accept: options.contentType.startsWith('image/') ? options.contentType.replace(/\*$/, '*') : 'image/*', capture: 'environment', class: 'visually-hidden' })
  const choose = h('button', { type: 'button' }, 'Choose an image or take a photo…')
  const preview = h('div', { class: 'image-preview', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'No image yet.'))

  function use(blob: Blob, name: string): void {
    image = blob
    if (url) URL.revokeObjectURL(url)
    url = URL.createObjectURL(blob)
    replace(preview, h('img', { src: url, alt: `The image to send: ${name}` }), h('p', { class: 'muted small' }, `${name} · ${blob.type || 'unknown type'} · ${formatBytes(blob.size)}`))
  }

  choose.addEventListener('click', () => input.click())
  input.addEventListener('change', () => { const file = input.files?.[0]; if (file) use(file, file.name) })
  const zone = h('div', { class: 'dropzone compact' },
    h('label', { for: 'try-image', class: 'visually-hidden' }, 'Image'),
    input, h('p', null, choose, ' or drop an image here'),
    options.samples?.list.length ? h('p', { class: 'samples' }, 'Samples: ', options.samples.list.map((s) => {
      const button = h('button', { type: 'button', class: 'small' }, s.name)
      button.addEventListener('click', async () => { button.disabled = true; try { use(await options.samples!.fetch(s.file), s.file) } finally { button.disabled = false } })
      return button
    })) : null)
  acceptDroppedFile(zone, (file) => use(file, file.name))

  return {
    element: h('div', { class: 'image-form' }, zone, preview),
    build() {
      if (!image) throw new Error('Choose an image first.')
      if (options.multipartField) {
        const form = new FormData()
        form.append(options.multipartField, image, image instanceof File ? image.name : 'image')
        return { body: form, image }
      }
      const type = image.type || (options.contentType.includes('*') ? 'application/octet-stream' : options.contentType)
      return { body: image, contentType: type, image }
    },
  }
}
