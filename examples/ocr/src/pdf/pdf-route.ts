/**
 * POST /recognize with a PDF: open it (page limit first), recognise each page, answer
 * `{pages: [{page, width, height, text, words, meanConfidence, source}], text, words, meanConfidence,
 * durationMs}`; with `?highlight=1` each page also has `highlight` (its PNG with each word boxed).
 * Once the answer is sent, the run recorder gets the document's text and its first pages
 * highlighted.
 */
import type { ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import { sendJson } from '../http-reply.js'
import type { RecognizeContext } from '../recognize-route.js'
import { openPdf } from './pdf-document.js'
import { combinePages, drawHighlightedPage, recognizePdf } from './pdf-recognition.js'

/** Highlighted pages kept with a tracked run, at most. */
export const RECORDED_PAGES = 5

export interface PdfRequest {
  bytes: Buffer
  wantsHighlight: boolean
  requestId: string | undefined
  startedAt: Date
}

/** Answers one PDF; throws an OcrError for a bad one (answered by the caller). */
export async function handlePdf(res: ServerResponse, request: PdfRequest, context: RecognizeContext): Promise<void> {
  const started = performance.now()
  const pdf = await openPdf(request.bytes, context.maxPdfPages)
  try {
    const pages = await recognizePdf(pdf, { pool: context.pool, highlightPages: request.wantsHighlight ? pdf.numPages : 0 })
    const durationMs = Math.round((performance.now() - started) * 10) / 10
    const combined = combinePages(pages.map((page) => page.result))
    sendJson(res, 200, {
      pages: pages.map(({ result, highlightPng }) => ({
        ...result,
        ...(highlightPng ? { highlight: { contentType: 'image/png', base64: highlightPng.toString('base64') } } : {}),
      })),
      ...combined,
      durationMs,
    })
    const endedAt = new Date()
    const { recorder } = context
    if (!recorder) return
    // After the answer: the first pages highlighted (drawn now unless the request asked for them).
    const artifacts: Array<{ name: string; png: Buffer }> = []
    for (const { result, highlightPng } of pages.slice(0, RECORDED_PAGES)) {
      try {
        artifacts.push({ name: `highlighted-page-${result.page}.png`, png: highlightPng ?? (await drawHighlightedPage(pdf, result.page, result.words)) })
      } catch (error) {
        process.stderr.write(`ocr: warning: request ${request.requestId ?? '(no id)'}: page ${result.page} was not drawn for its run: ${(error as Error).message}\n`)
      }
    }
    recorder.record({ recognition: combined, pages: pages.length, durationMs, requestId: request.requestId, startedAt: request.startedAt, endedAt, image: null, highlightPng: null, artifacts })
  } finally {
    await pdf.destroy()
  }
}
