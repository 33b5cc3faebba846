/**
 * POST /recognize: read the upload; a PDF goes to pdf/pdf-route.ts. An image: check its header
 * (format, dimensions) before decoding, decode it, recognise it in the worker pool, answer
 * `{text, words, meanConfidence, durationMs, pages: [one page]}` (plus the highlighted PNG with
 * `?highlight=1`), then hand the result to the run recorder.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import { OcrError } from './errors.js'
import { drawWordBoxes } from './highlight.js'
import { sendJson } from './http-reply.js'
import { readImageHeader, sniffImageFormat } from './image-header.js'
import { encodeRgbPng } from './png-encoder.js'
import { decodeImage } from './raster.js'
import type { RecognizerPool } from './recognizer-pool.js'
import { readImageUpload } from './request-body.js'
import type { RunRecorder } from './run-recorder.js'
import { isPdf } from './pdf/pdf-document.js'
import { handlePdf } from './pdf/pdf-route.js'

export interface RecognizeContext {
  pool: RecognizerPool
  recorder: RunRecorder | null
  /** OCR_MAX_PDF_PAGES. */
  maxPdfPages: number
}

const PDF_TYPES = new Set(['application/pdf', 'application/x-pdf'])

const TRUE_VALUES = new Set(['1', 'true', 'yes'])

/** One request id: the gateway's X-Request-Id, when it sent one. */
function readRequestId(req: IncomingMessage): string | undefined {
  const value = req.headers['x-request-id']
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** Handles one recognize request; throws an OcrError for bad input (answered by the caller). */
export async function handleRecognize(req: IncomingMessage, res: ServerResponse, url: URL, context: RecognizeContext): Promise<void> {
  const startedAt = new Date()
  const { bytes, mediaType } = await readImageUpload(req)
  if (!context.pool.isReady()) throw new OcrError('E_NOT_READY')
  const wantsHighlight = TRUE_VALUES.has((url.searchParams.get('highlight') ?? '').toLowerCase())
  // The bytes decide, as for a PDF sent as image/png: a PNG or JPEG labelled application/pdf is read as the image it is.
  if (isPdf(bytes) || (PDF_TYPES.has(mediaType) && sniffImageFormat(bytes) === null)) {
    return handlePdf(res, { bytes, wantsHighlight, requestId: readRequestId(req), startedAt }, context)
  }
  const header = readImageHeader(bytes)
  const image = decodeImage(bytes, header)

  const started = performance.now()
  let recognition
  try {
    recognition = await context.pool.recognize(bytes)
  } catch (error) {
    throw new OcrError('E_RECOGNITION_FAILED', `Recognition failed: ${String(error)}`, { cause: error })
  }
  const durationMs = Math.round((performance.now() - started) * 10) / 10

  const highlightPng = wantsHighlight ? encodeRgbPng(drawWordBoxes(image, recognition.words)) : null
  const highlight = highlightPng ? { highlight: { contentType: 'image/png', base64: highlightPng.toString('base64') } } : {}
  sendJson(res, 200, {
    ...recognition,
    durationMs,
    ...highlight,
    // The same shape as a PDF's answer, so callers can treat both alike.
    pages: [{ page: 1, width: image.width, height: image.height, ...recognition, source: 'ocr', ...highlight }],
  })

  const { recorder } = context
  if (recorder) {
    const requestId = readRequestId(req)
    const endedAt = new Date()
    const record = (): void => recorder.record({ recognition, pages: 1, durationMs, requestId, startedAt, endedAt, image, highlightPng })
    if (res.writableFinished) record()
    else res.once('finish', record)
  }
}
