/**
 * Rendering a PDF page to pixels with pdfjs-dist on an @napi-rs/canvas canvas (Skia, native), for
 * recognising a scanned page and for drawing the highlighted page: at RENDER_SCALE (144 dpi), or
 * less for a page so large that it would pass MAX_RENDER_PIXELS or a side MAX_RENDER_SIDE.
 */
import { createCanvas, type Canvas } from '@napi-rs/canvas'
import type { PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs'
import { pickColour } from '../highlight.js'
import { MAX_SIDE } from '../image-header.js'
import type { RecognizedWord } from '../recognition.js'

/** 2 × 72 dpi: 144 dpi, where tesseract reads body text well. */
export const RENDER_SCALE = 2
/** The most pixels one rendered page may have (16 MP: 64 MB of RGBA). */
export const MAX_RENDER_PIXELS = 16_000_000
/** The longest side of a rendered page: an image's own limit, so a strip-shaped page (1 × 100,000 pt) is not a 200,000-pixel strip tesseract cannot read. */
export const MAX_RENDER_SIDE = MAX_SIDE

/**
 * The scale `page` is rendered at, and its size there in whole pixels.
 * @example
 * renderSize(page) // { scale: 2, width: 1224, height: 1584 } for US Letter
 */
export function renderSize(page: PDFPageProxy): { scale: number; width: number; height: number } {
  const natural = page.getViewport({ scale: 1 })
  const area = Math.max(1, natural.width * natural.height)
  const side = Math.max(1, natural.width, natural.height)
  const scale = Math.min(RENDER_SCALE, Math.sqrt(MAX_RENDER_PIXELS / area), MAX_RENDER_SIDE / side)
  const viewport = page.getViewport({ scale })
  return { scale, width: Math.max(1, Math.floor(viewport.width)), height: Math.max(1, Math.floor(viewport.height)) }
}

/** Renders `page` at `scale` on a white canvas. */
export async function renderPage(page: PDFPageProxy, scale: number): Promise<Canvas> {
  const viewport = page.getViewport({ scale })
  const canvas = createCanvas(Math.max(1, Math.floor(viewport.width)), Math.max(1, Math.floor(viewport.height)))
  const context = canvas.getContext('2d')
  context.fillStyle = '#fff'
  context.fillRect(0, 0, canvas.width, canvas.height)
  // pdfjs-dist's types name the DOM canvas; @napi-rs/canvas is what its Node build draws on.
  await page.render({ canvas, canvasContext: context, viewport } as unknown as Parameters<PDFPageProxy['render']>[0]).promise
  return canvas
}

/** Draws a box around each word (coloured by confidence, as highlight.ts does) and encodes a PNG. */
export async function highlightPage(canvas: Canvas, words: readonly RecognizedWord[]): Promise<Buffer> {
  const context = canvas.getContext('2d')
  context.lineWidth = 2
  for (const { bbox, confidence } of words) {
    const [r, g, b] = pickColour(confidence)
    context.strokeStyle = `rgb(${r},${g},${b})`
    context.strokeRect(bbox.x0 - 1, bbox.y0 - 1, bbox.x1 - bbox.x0 + 2, bbox.y1 - bbox.y0 + 2)
  }
  return canvas.encode('png')
}
