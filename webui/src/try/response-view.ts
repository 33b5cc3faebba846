/**
 * What came back from a Try-it request: status, time taken, the version that answered
 * (X-Ferry-Version) and request id, then the body: OCR text and boxes, scores, an image, or
 * JSON / text as it is.
 */
import { h } from '../dom.js'
import { formatBytes, formatMs } from '../format.js'
import { isOcrAnswer, ocrResult } from './ocr-result.js'
import { isScoredAnswer, scoresResult } from './scores.js'

export interface TryOutcome { response: Response; body: Blob; ms: number; image?: Blob | undefined }

export async function responseView({ response, body, ms, image }: TryOutcome): Promise<HTMLElement> {
  const type = response.headers.get('content-type') ?? ''
  const version = response.headers.get('x-ferry-version')
  const requestId = response.headers.get('x-request-id')
  const meta = h('dl', { class: 'response-meta' },
    h('div', null, h('dt', null, 'Status'), h('dd', { class: response.ok ? 'ok-text' : 'bad-text', 'data-testid': 'status' }, `${response.status} ${response.statusText}`)),
    h('div', null, h('dt', null, 'Time'), h('dd', { 'data-testid': 'time' }, formatMs(ms))),
    h('div', null, h('dt', null, 'Version'), h('dd', { 'data-testid': 'version' }, version ?? '—')),
    h('div', null, h('dt', null, 'Size'), h('dd', null, formatBytes(body.size))),
    requestId ? h('div', null, h('dt', null, 'Request id'), h('dd', null, h('code', null, requestId))) : null)
  let content: HTMLElement
  if (type.startsWith('image/')) {
    content = h('img', { src: URL.createObjectURL(body), alt: 'The image the model answered with', class: 'answer-image' })
  } else {
    const text = await body.text()
    let json: unknown
    let isJson = false
    if (/json/.test(type)) { try { json = JSON.parse(text); isJson = true } catch { /* shown as text */ } }
    const raw = h('pre', { class: 'json', 'data-testid': 'response-body' }, isJson ? JSON.stringify(json, null, 2) : text)
    if (isJson && response.ok && isOcrAnswer(json)) content = h('div', null, await ocrResult(json, image), h('details', null, h('summary', null, 'Raw JSON'), raw))
    else if (isJson && response.ok && isScoredAnswer(json)) content = h('div', null, scoresResult(json), h('details', null, h('summary', null, 'Raw JSON'), raw))
    else content = raw
  }
  return h('div', { class: 'response' }, meta, content)
}
