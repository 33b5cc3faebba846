/**
 * An OCR answer: the recognised text, and the image that was sent with a box over every word
 * (SVG in the image's own pixel coordinates, so it scales with it), or the highlighted image the
 * model returned when asked with ?highlight=1.
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

async function annotated(image: Blob, words: Word[]): Promise<HTMLElement> {
  const url = URL.createObjectURL(image)
  const bitmap = await createImageBitmap(image).catch(() => undefined)
  const width = bitmap?.width ?? 1
  const height = bitmap?.height ?? 1
  bitmap?.close()
  const overlay = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'word-boxes', 'aria-hidden': 'true', preserveAspectRatio: 'none' },
    words.map((w) => { const b = box(w.bbox); return b ? svg('rect', { x: b.x, y: b.y, width: b.w, height: b.h, class: (w.confidence ?? 100) < 60 ? 'low' : '' }, svg('title', null, `${w.text ?? ''} (${formatNumber(w.confidence ?? 0)}%)`)) : null }))
  return h('figure', { class: 'annotated' }, h('div', { class: 'stack' }, h('img', { src: url, alt: `The image sent, with ${words.length} recognised words boxed` }), overlay),
    h('figcaption', { class: 'muted small' }, `${words.length} words; boxes under 60 % confidence are dashed.`))
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
