/**
 * An OCR answer: the recognised text, the image that was sent at full width with a box over every
 * word (SVG in the image's own pixel coordinates, so it scales with it), each box coloured by its
 * confidence (and labelled with it: colour is never the only cue), and the list of words beside
 * it; pointing at or focusing a word lights its box. "Actual size" shows the image unscaled, with
 * scrolling, for wide scans. A highlighted image the model returned (?highlight=1) is shown as is.
 */
import { h, svg } from '../dom.js'
import { formatNumber } from '../format.js'

interface Word { text?: string; confidence?: number; bbox?: Record<string, number> }
export interface OcrAnswer { text: string; words?: Word[]; meanConfidence?: number; highlight?: { contentType: string; base64: string } }

export function isOcrAnswer(value: unknown): value is OcrAnswer {
  return typeof value === 'object' && value !== null && typeof (value as OcrAnswer).text === 'string' && (Array.isArray((value as OcrAnswer).words) || (value as OcrAnswer).highlight !== undefined)
}

/** {x0,y0,x1,y1} (tesseract) or {x,y,width,height}. */
function box(bbox: Record<string, number> | undefined): { x: number; y: number; w: number; h: number } | undefined {
  if (!bbox) return undefined
  if ('x0' in bbox) return { x: bbox['x0']!, y: bbox['y0']!, w: bbox['x1']! - bbox['x0']!, h: bbox['y1']! - bbox['y0']! }
  if ('x' in bbox) return { x: bbox['x']!, y: bbox['y']!, w: bbox['width'] ?? bbox['w'] ?? 0, h: bbox['height'] ?? bbox['h'] ?? 0 }
  return undefined
}

/** high ≥ 85 %, medium ≥ 60 %, low below (the OCR model's own highlight colours). */
export function confidenceLevel(confidence: number | undefined): 'high' | 'medium' | 'low' {
  const c = confidence ?? 100
  return c >= 85 ? 'high' : c >= 60 ? 'medium' : 'low'
}

async function annotated(image: Blob, words: Word[]): Promise<HTMLElement> {
  const url = URL.createObjectURL(image)
  const bitmap = await createImageBitmap(image).catch(() => undefined)
  const width = bitmap?.width ?? 1
  const height = bitmap?.height ?? 1
  bitmap?.close()
  const placed = words.map((w, i) => ({ word: w, index: i, box: box(w.bbox) })).filter((p) => p.box)
  const label = Math.max(10, Math.round(height / 40))
  const rects = placed.map(({ word, index, box: b }) => svg('g', { class: `word ${confidenceLevel(word.confidence)}`, 'data-word': index },
    svg('rect', { x: b!.x, y: b!.y, width: b!.w, height: b!.h }),
    svg('text', { x: b!.x, y: Math.max(label, b!.y - 2), 'font-size': label }, `${formatNumber(word.confidence ?? 0)}%`),
    svg('title', null, `${word.text ?? ''} (${formatNumber(word.confidence ?? 0)}%)`)))
  const overlay = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'word-boxes', 'aria-hidden': 'true', preserveAspectRatio: 'none' }, rects)
  const stack = h('div', { class: 'stack' }, h('img', { src: url, alt: `The image sent, with ${words.length} recognised words boxed`, width: String(width), height: String(height) }), overlay)
  const frame = h('div', { class: 'zoom-frame', tabindex: '0', 'aria-label': 'The image with its words boxed' }, stack)
  const zoom = h('button', { type: 'button', class: 'small', 'aria-pressed': 'false' }, 'Actual size')
  zoom.addEventListener('click', () => {
    const actual = zoom.getAttribute('aria-pressed') !== 'true'
    zoom.setAttribute('aria-pressed', String(actual))
    frame.classList.toggle('actual', actual)
  })
  const light = (index: number, on: boolean) => overlay.querySelector(`[data-word="${index}"]`)?.classList.toggle('lit', on)
  const list = h('ol', { class: 'word-list', 'aria-label': 'Recognised words with their confidence' }, words.map((w, i) => {
    const item = h('li', { tabindex: '0', class: confidenceLevel(w.confidence), 'data-word': String(i) },
      h('span', { class: 'word-text' }, w.text ?? ''), ' ', h('span', { class: `confidence ${confidenceLevel(w.confidence)}` }, `${formatNumber(w.confidence ?? 0)} %`))
    for (const [on, events] of [[true, ['mouseenter', 'focus']], [false, ['mouseleave', 'blur']]] as const) for (const e of events) item.addEventListener(e, () => light(i, on))
    return item
  }))
  return h('div', { class: 'ocr-picture' },
    h('figure', { class: 'annotated' }, frame,
      h('figcaption', { class: 'muted small' }, `${words.length} words. Boxes: green 85 % or more, orange 60–85 %, red (dashed) under 60 %. `, zoom)),
    h('div', { class: 'ocr-words' }, h('h3', null, 'Words'), list))
}

export async function ocrResult(answer: OcrAnswer, image: Blob | undefined): Promise<HTMLElement> {
  const words = answer.words ?? []
  const picture = answer.highlight ? h('figure', { class: 'annotated' }, h('img', { src: `data:${answer.highlight.contentType};base64,${answer.highlight.base64}`, alt: 'The image with the recognised words highlighted' }))
    : image && words.length ? await annotated(image, words) : null
  return h('div', { class: 'ocr-result' },
    h('div', null,
      h('h3', null, 'Recognised text'),
      h('pre', { class: 'ocr-text', 'data-testid': 'ocr-text' }, answer.text.trim() || '(no text found)'),
      answer.meanConfidence !== undefined ? h('p', { class: 'muted small' }, `Mean confidence ${formatNumber(answer.meanConfidence)} %`) : null),
    picture)
}
