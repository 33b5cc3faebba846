/**
 * The image input: choose a file, drop one, take a photo (the file input's capture on phones), or
 * use the camera in the page (getUserMedia, e.g. a desktop's webcam), with a preview; sent as the
 * raw body with its own type (or as a multipart field when the endpoint says so).
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

  const camera = cameraCapture((blob) => use(blob, 'camera photo.png'))
  choose.addEventListener('click', () => input.click())
  input.addEventListener('change', () => { const file = input.files?.[0]; if (file) use(file, file.name) })
  const zone = h('div', { class: 'dropzone compact' },
    h('label', { for: 'try-image', class: 'visually-hidden' }, 'Image'),
    input, h('p', null, choose, ' or drop an image here', camera ? [' or ', camera.button] : null),
    options.samples?.list.length ? h('p', { class: 'samples' }, 'Samples: ', options.samples.list.map((s) => {
      const button = h('button', { type: 'button', class: 'small' }, s.name)
      button.addEventListener('click', async () => { button.disabled = true; try { use(await options.samples!.fetch(s.file), s.file) } finally { button.disabled = false } })
      return button
    })) : null)
  acceptDroppedFile(zone, (file) => use(file, file.name))

  return {
    element: h('div', { class: 'image-form' }, zone, camera?.view ?? null, preview),
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

/** A camera in the page (getUserMedia), when the browser has one: Use the camera → Take photo. */
function cameraCapture(onPhoto: (blob: Blob) => void): { button: HTMLButtonElement; view: HTMLElement } | undefined {
  if (!navigator.mediaDevices?.getUserMedia) return undefined
  const button = h('button', { type: 'button' }, 'Use the camera')
  const video = h('video', { autoplay: true, playsinline: true, muted: true, class: 'camera-video', 'aria-label': 'Camera preview' })
  const take = h('button', { type: 'button', class: 'primary' }, 'Take photo')
  const stop = h('button', { type: 'button' }, 'Close camera')
  const note = h('p', { class: 'field-error', role: 'alert', hidden: true })
  const view = h('div', { class: 'camera', hidden: true }, video, h('div', { class: 'button-row' }, take, stop), note)
  let stream: MediaStream | undefined
  const close = () => { for (const track of stream?.getTracks() ?? []) track.stop(); stream = undefined; video.srcObject = null; view.hidden = true }
  button.addEventListener('click', async () => {
    note.hidden = true
    view.hidden = false
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false })
      video.srcObject = stream
      await video.play().catch(() => undefined)
    } catch (error) {
      note.textContent = `The camera could not be opened: ${(error as Error).message || (error as Error).name}. Choose an image instead.`
      note.hidden = false
    }
  })
  take.addEventListener('click', () => {
    if (!stream || !video.videoWidth) return
    const canvas = h('canvas', { width: String(video.videoWidth), height: String(video.videoHeight) })
    canvas.getContext('2d')!.drawImage(video, 0, 0)
    canvas.toBlob((blob) => { if (blob) { onPhoto(blob); close() } }, 'image/png')
  })
  stop.addEventListener('click', close)
  return { button, view }
}
