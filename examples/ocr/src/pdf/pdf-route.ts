/**
 * POST /recognize with a PDF: open it (page limit first), recognise each page, answer
 * `{pages: [{page, width, height, text, words, meanConfidence, source}], text, words, meanConfidence,
 * durationMs}`; with `?highlight=1` each page also has `highlight` (its PNG with each word boxed).
 * The run recorder gets the document's text and the highlighted first pages.
 */
import type { ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import { sendJson } from '../http-reply.js'
import type { RecognizeContext } from '../recognize-route.js'
import { openPdf } from './pdf-document.js'
import { combinePages, recognizePdf } from './pdf-recognition.js'

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
  let pages
  try {
    const highlightPages = request.wantsHighlight ? pdf.numPages : context.recorder ? RECORDED_PAGES : 0
    pages = await recognizePdf(pdf, { pool: context.pool, highlightPages })
  } finally {
    await pdf.destroy()
  }
  const durationMs = Math.round((performance.now() - started) * 10) / 10
  const combined = combinePages(pages.map((page) => page.result))
  sendJson(res, 200, {
    pages: pages.map(({ result, highlightPng }) => ({
      ...result,
      ...(request.wantsHighlight && highlightPng ? { highlight: { contentType: 'image/png', base64: highlightPng.toString('base64') } } : {}),
    })),
    ...combined,
    durationMs,
  })

  const { recorder } = context
  if (recorder) {
    const artifacts = pages.slice(0, RECORDED_PAGES).flatMap(({ result, highlightPng }) => (highlightPng ? [{ name: `highlighted-page-${result.page}.png`, png: highlightPng }] : []))
    const record = (): void => recorder.record({
      recognition: combined, pages: pages.length, durationMs, requestId: request.requestId, startedAt: request.startedAt, endedAt: new Date(), image: null, highlightPng: null, artifacts,
    })
    if (res.writableFinished) record()
    else res.once('finish', record)
  }
}
