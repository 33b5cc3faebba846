/**
 * A run's image artifact, opened in place: a modal viewer that names the run it belongs to (run,
 * model@version, when, size), shows the image to fit the screen, at actual size, or zoomed in
 * (wide scans scroll sideways inside the viewer, never the page), steps to the run's other images
 * with ← and →, offers a download, and closes with Escape, leaving focus where it was.
 * @example openArtifactViewer({ artifacts, index: 0, cache, context: 'run #3 · ocr@1.0.0' })
 */
import { h, replace } from '../dom.js'
import { formatBytes } from '../format.js'
import type { RunArtifact } from '../types.js'
import type { ArtifactCache } from './artifact.js'

export interface ArtifactViewerOptions {
  /** The run's image artifacts, in order; `index` is the one to show. */
  artifacts: RunArtifact[]
  index: number
  cache: ArtifactCache
  /** Which run it is from, e.g. "run #12 · ocr@1.0.0 · 2 Dec 14:02". */
  context: string
}

const ZOOMS = [{ id: 'fit', label: 'Fit' }, { id: '100', label: 'Actual size' }, { id: '200', label: '200 %' }] as const

export function openArtifactViewer(options: ArtifactViewerOptions): void {
  let index = options.index
  let zoom: (typeof ZOOMS)[number]['id'] = 'fit'
  const title = h('h2', { id: 'viewer-title' })
  const meta = h('p', { class: 'muted small', id: 'viewer-meta' })
  const frame = h('div', { class: 'viewer-frame', tabindex: '0', 'aria-label': 'The image (scrolls when larger than the screen)' })
  const download = h('a', { class: 'button small', download: '' }, 'Download')
  const zoomButtons = ZOOMS.map((z) => {
    const button = h('button', { type: 'button', class: 'small', 'aria-pressed': String(z.id === zoom) }, z.label)
    button.addEventListener('click', () => { zoom = z.id; draw() })
    return button
  })
  const prev = h('button', { type: 'button', class: 'small', 'aria-label': 'Previous image' }, '←')
  const next = h('button', { type: 'button', class: 'small', 'aria-label': 'Next image' }, '→')
  const close = h('button', { type: 'button', class: 'small' }, 'Close')
  const dialog = h('dialog', { class: 'viewer', 'aria-labelledby': 'viewer-title', 'aria-describedby': 'viewer-meta' },
    h('div', { class: 'viewer-head' }, h('div', null, title, meta),
      h('div', { class: 'button-row' }, options.artifacts.length > 1 ? [prev, next] : null, h('span', { role: 'group', 'aria-label': 'Zoom', class: 'button-row' }, zoomButtons), download, close)),
    frame)

  function draw(): void {
    const artifact = options.artifacts[index]!
    title.textContent = artifact.name
    meta.textContent = `${options.context} · ${artifact.contentType} · ${formatBytes(artifact.size)}${options.artifacts.length > 1 ? ` · ${index + 1} of ${options.artifacts.length}` : ''}`
    zoomButtons.forEach((b, i) => b.setAttribute('aria-pressed', String(ZOOMS[i]!.id === zoom)))
    frame.dataset['zoom'] = zoom
    download.setAttribute('download', artifact.name)
    const img = h('img', { alt: `${artifact.name}, an artifact of ${options.context}` })
    img.addEventListener('load', () => {
      // Actual size and 200 % from the image's own pixels; fit is CSS (contain in the frame).
      if (zoom !== 'fit') img.style.width = `${img.naturalWidth * (zoom === '200' ? 2 : 1)}px`
    })
    replace(frame, img)
    options.cache.get(artifact.url).then((url) => { img.src = url; download.href = url }, () => replace(frame, h('p', { class: 'field-error' }, `${artifact.name} could not be read.`)))
  }

  prev.addEventListener('click', () => { index = (index - 1 + options.artifacts.length) % options.artifacts.length; draw() })
  next.addEventListener('click', () => { index = (index + 1) % options.artifacts.length; draw() })
  dialog.addEventListener('keydown', (event) => {
    if (options.artifacts.length > 1 && event.key === 'ArrowLeft') prev.click()
    if (options.artifacts.length > 1 && event.key === 'ArrowRight') next.click()
  })
  const opener = document.activeElement as HTMLElement | null
  close.addEventListener('click', () => dialog.close())
  dialog.addEventListener('close', () => { dialog.remove(); opener?.focus() })
  document.body.append(dialog)
  draw()
  dialog.showModal()
  close.focus()
}
