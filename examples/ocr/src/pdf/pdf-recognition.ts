/**
 * Recognising a PDF page by page: a page with a text layer gives its own text (text-layer.ts,
 * confidence 100), a page without one (a scan) is rendered and recognised by the worker pool.
 * Scanned pages are recognised as many at a time as the pool has workers. With `highlightPages`,
 * the first that many pages are also drawn with each word boxed, as PNGs (a text-layer page is
 * rendered for it only then); drawHighlightedPage draws one later, for a tracked run.
 */
import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs'
import { OcrError } from '../errors.js'
import type { Recognition, RecognizedWord } from '../recognition.js'
import type { RecognizerPool } from '../recognizer-pool.js'
import { highlightPage, renderPage, renderSize } from './page-render.js'
import { readTextLayer } from './text-layer.js'

export type PageSource = 'text-layer' | 'ocr'

/**
 * The PNG bytes of all highlighted pages of one answer, at most. A page of noise at 16 MP is a
 * ~7 MB PNG; 50 of them, base64 in one JSON answer, would pass the longest string V8 can make.
 */
export const MAX_HIGHLIGHT_BYTES = 64 * 1024 * 1024

export interface PageRecognition extends Recognition {
  /** 1-based. */
  page: number
  /** The page's size in the pixels its words' boxes are in (the page rendered at 144 dpi). */
  width: number
  height: number
  source: PageSource
}

export interface RecognizedPage {
  result: PageRecognition
  /** The page with its words boxed, when asked for. */
  highlightPng: Buffer | null
}

export interface PdfRecognitionOptions {
  pool: RecognizerPool
  /** Draw the highlighted image of pages 1..highlightPages (0: none). */
  highlightPages: number
}

async function readPage(pdf: PDFDocumentProxy, number: number): Promise<PDFPageProxy> {
  try {
    return await pdf.getPage(number)
  } catch (error) {
    throw new OcrError('E_PDF_INVALID', `Page ${number} of the PDF could not be read: ${(error as Error).message}`, { cause: error, details: { page: number } })
  }
}

async function recognizePage(pdf: PDFDocumentProxy, number: number, options: PdfRecognitionOptions): Promise<RecognizedPage> {
  const page = await readPage(pdf, number)
  try {
    const { scale, width, height } = renderSize(page)
    const wantsHighlight = number <= options.highlightPages
    let textLayer: Recognition
    let canvas
    try {
      textLayer = await readTextLayer(page, scale)
      if (textLayer.words.length === 0 || wantsHighlight) canvas = await renderPage(page, scale)
    } catch (error) {
      throw new OcrError('E_PDF_INVALID', `Page ${number} of the PDF could not be read: ${(error as Error).message}`, { cause: error, details: { page: number } })
    }
    let recognition = textLayer
    let source: PageSource = 'text-layer'
    if (textLayer.words.length === 0) {
      source = 'ocr'
      try {
        recognition = await options.pool.recognize(await canvas!.encode('png'))
      } catch (error) {
        throw new OcrError('E_RECOGNITION_FAILED', `Recognition of page ${number} failed: ${String(error)}`, { cause: error, details: { page: number } })
      }
    }
    const highlightPng = wantsHighlight ? await highlightPage(canvas!, recognition.words) : null
    return { result: { page: number, width, height, ...recognition, source }, highlightPng }
  } finally {
    page.cleanup()
  }
}

/**
 * Recognises every page of `pdf`, in page order.
 * @example
 * const pages = await recognizePdf(await openPdf(bytes, 50), { pool, highlightPages: 0 })
 * pages.map((p) => p.result.source) // ['text-layer', 'ocr']
 */
export async function recognizePdf(pdf: PDFDocumentProxy, options: PdfRecognitionOptions): Promise<RecognizedPage[]> {
  const pages = new Array<RecognizedPage>(pdf.numPages)
  let next = 1
  let failed = false
  let highlightBytes = 0
  const lane = async (): Promise<void> => {
    while (!failed && next <= pdf.numPages) {
      const number = next++
      try {
        const page = await recognizePage(pdf, number, options)
        highlightBytes += page.highlightPng?.length ?? 0
        if (highlightBytes > MAX_HIGHLIGHT_BYTES) {
          throw new OcrError('E_HIGHLIGHT_TOO_LARGE', `The highlighted pages pass ${MAX_HIGHLIGHT_BYTES} bytes of PNG at page ${number}; ask without ?highlight=1, or send fewer pages.`, { details: { page: number, limitBytes: MAX_HIGHLIGHT_BYTES } })
        }
        pages[number - 1] = page
      } catch (error) {
        failed = true
        throw error
      }
    }
  }
  // Every lane settles before the caller destroys the document; the first failure is the answer.
  const lanes = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(options.pool.size, pdf.numPages)) }, lane))
  const failure = lanes.find((lane) => lane.status === 'rejected')
  if (failure) throw failure.reason
  return pages
}

/**
 * Renders page `number` again with `words` boxed, as a PNG: for a tracked run, after the answer
 * was sent, so recording never delays it.
 * @example
 * const png = await drawHighlightedPage(pdf, 1, pages[0].result.words)
 */
export async function drawHighlightedPage(pdf: PDFDocumentProxy, number: number, words: readonly RecognizedWord[]): Promise<Buffer> {
  const page = await pdf.getPage(number)
  try {
    return await highlightPage(await renderPage(page, renderSize(page).scale), words)
  } finally {
    page.cleanup()
  }
}

const roundTo2 = (value: number): number => Math.round(value * 100) / 100

/**
 * The document as a whole: pages' text separated by a blank line, every word with its page, and the
 * mean confidence over all words.
 */
export function combinePages(pages: readonly PageRecognition[]): { text: string; words: Array<RecognizedWord & { page: number }>; meanConfidence: number } {
  const words = pages.flatMap((page) => page.words.map((word) => ({ ...word, page: page.page })))
  const weighted = pages.reduce((sum, page) => sum + page.meanConfidence * page.words.length, 0)
  return {
    text: pages.map((page) => page.text).filter((text) => text !== '').join('\n\n'),
    words,
    meanConfidence: words.length > 0 ? roundTo2(weighted / words.length) : 0,
  }
}
