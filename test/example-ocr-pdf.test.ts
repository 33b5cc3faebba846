/**
 * examples/ocr with PDFs, end to end: a real `ferry serve` deploys the folder (npm ci installs
 * pdfjs-dist and @napi-rs/canvas from the example's own lock), and through the gateway a PDF with
 * a text layer gives its own text (confidence 100), a scanned one is rendered and recognised, a
 * mixed one does each page its way; ?highlight=1 boxes every page; images answer with one page in
 * the same shape; each bad document (not a PDF, truncated, encrypted, 2,000 pages, 0×0, 100 MP)
 * gets its status and code; a PDF is a tracked run with its pages highlighted. Then the server
 * alone: OCR_MAX_PDF_PAGES sets the page limit.
 * Needs examples/ocr built (`npm run build`); the PDFs are made by scripts/generate-pdf-samples.mjs.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { PNG } from 'pngjs'
import { getFreePort } from '../deployer/port-pool.js'
import { ferryPath } from '../packager/repo-root.js'
import { startFerryServe } from './_serve-helpers.js'

interface Word { text: string; confidence: number; bbox: { x0: number; y0: number; x1: number; y1: number }; page?: number }
interface Highlight { contentType: string; base64: string }
interface Page { page: number; width: number; height: number; text: string; words: Word[]; meanConfidence: number; source: string; highlight?: Highlight }
interface Answer { pages: Page[]; text: string; words: Word[]; meanConfidence: number; durationMs: number; highlight?: Highlight }
interface Failure { error: { code: string; message: string; details?: Record<string, unknown> } }

const OCR = ferryPath('examples', 'ocr')
const SAMPLES = join(OCR, 'samples')
const EXPECTED = JSON.parse(readFileSync(join(SAMPLES, 'pdf-expected.json'), 'utf8')) as Record<string, Array<{ source: string; text: string }>>
const readSample = (file: string): Buffer => readFileSync(join(SAMPLES, file))

const toWords = (text: string): string[] => text.toLowerCase().split(/[^a-z0-9]+/).filter((word) => word !== '')
function missedWords(expected: string, recognised: string): string[] {
  const left = toWords(recognised)
  return toWords(expected).filter((word) => {
    const at = left.indexOf(word)
    if (at !== -1) left.splice(at, 1)
    return at === -1
  })
}

function pngHeader(width: number, height: number): Buffer {
  const png = new PNG({ width: 4, height: 4 })
  png.data.fill(255)
  const bytes = PNG.sync.write(png)
  bytes.writeUInt32BE(width, 16)
  bytes.writeUInt32BE(height, 20)
  return bytes // read from the header before any decoding: the CRC no longer matching is never seen
}

/** A JPEG that is only its start-of-frame header: `width` × `height`, three components. */
function jpegHeader(width: number, height: number): Buffer {
  const frame = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1])
  return Buffer.concat([Buffer.from([0xff, 0xd8]), frame, Buffer.from([0xff, 0xd9])])
}

function assertBoxesInside(page: Page): void {
  for (const { bbox, text } of page.words) {
    assert.ok(bbox.x0 >= 0 && bbox.y0 >= 0 && bbox.x0 < bbox.x1 && bbox.y0 < bbox.y1 && bbox.x1 <= page.width && bbox.y1 <= page.height, `page ${page.page}: "${text}" box ${JSON.stringify(bbox)} inside ${page.width}×${page.height}`)
  }
}

test('examples/ocr reads PDFs through a real gateway: text layers, scans, mixed, highlight, bad documents, tracked runs', { timeout: 300_000 }, async (t) => {
  const ferry = await startFerryServe(t)
  const instance = await ferry.deployFolder(OCR)
  assert.equal(instance.state, 'ready')
  const post = (body: Buffer | string | FormData, contentType?: string, query = '', headers: Record<string, string> = {}) =>
    fetch(`${ferry.url}/models/ocr/recognize${query}`, { method: 'POST', body, headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers } })
  const recognise = async (file: string, query = ''): Promise<Answer> => {
    const res = await post(readSample(file), 'application/pdf', query)
    assert.equal(res.status, 200, `${file}: ${res.status}`)
    return (await res.json()) as Answer
  }

  await t.test('each page is read from its text layer or recognised from its pixels, as expected', async () => {
    for (const [file, expectedPages] of Object.entries(EXPECTED)) {
      const answer = await recognise(file)
      assert.deepEqual(answer.pages.map((p) => [p.page, p.source]), expectedPages.map((p, i) => [i + 1, p.source]), file)
      answer.pages.forEach((page, i) => {
        const expected = expectedPages[i]!
        if (page.source === 'text-layer') {
          assert.equal(page.text, expected.text, `${file} page ${page.page}: the text layer, exactly`)
          assert.ok(page.words.every((w) => w.confidence === 100), 'text-layer words are certain')
          assert.equal(page.meanConfidence, 100)
        } else {
          const missed = missedWords(expected.text, page.text)
          assert.ok(missed.length <= 1, `${file} page ${page.page}: read "${page.text}", missed [${missed.join(', ')}]`)
          assert.ok(page.meanConfidence > 60, `${file} page ${page.page}: mean confidence ${page.meanConfidence}`)
        }
        assert.deepEqual(toWords(page.words.map((w) => w.text).join(' ')), toWords(page.text), `${file} page ${page.page}: words are the text's words`)
        assert.deepEqual([page.width, page.height], [864, 576], 'a 6 × 4 inch page at 144 dpi')
        assertBoxesInside(page)
      })
      assert.equal(answer.text, answer.pages.map((p) => p.text).join('\n\n'), `${file}: the document's text is its pages' text`)
      assert.deepEqual(answer.words.map((w) => w.page), answer.pages.flatMap((p) => p.words.map(() => p.page)), `${file}: every word names its page`)
      const mean = answer.pages.reduce((sum, p) => sum + p.meanConfidence * p.words.length, 0) / answer.words.length
      assert.ok(Math.abs(answer.meanConfidence - mean) < 0.01, `${file}: mean confidence over all words`)
      assert.ok(answer.durationMs > 0)
      assert.equal(answer.highlight, undefined)
    }
  })

  await t.test('?highlight=1 gives each PDF page as a PNG of its size, with coloured boxes', async () => {
    const answer = await recognise('mixed.pdf', '?highlight=1')
    for (const page of answer.pages) {
      assert.equal(page.highlight?.contentType, 'image/png')
      const png = PNG.sync.read(Buffer.from(page.highlight.base64, 'base64'))
      assert.deepEqual([png.width, png.height], [page.width, page.height])
      const word = page.words[0]!
      const at = ((word.bbox.y0 - 1) * png.width + word.bbox.x0 + 4) * 4
      const [r, g, b] = png.data.subarray(at, at + 3)
      assert.ok(r !== g || g !== b, `page ${page.page}: the pixel on the first word's box is coloured (${r},${g},${b})`)
    }
  })

  await t.test('a PDF in multipart (field "document"), or sent as image/png or application/octet-stream, is read as a PDF', async () => {
    const form = new FormData()
    form.append('document', new Blob([readSample('text-layer.pdf')], { type: 'application/pdf' }), 'text-layer.pdf')
    const res = await post(form)
    assert.equal(res.status, 200)
    assert.equal(((await res.json()) as Answer).pages[0]!.source, 'text-layer')
    const mislabelled = (await (await post(readSample('text-layer.pdf'), 'image/png')).json()) as Answer
    assert.equal(mislabelled.pages[0]?.text, EXPECTED['text-layer.pdf']![0]!.text, 'what the bytes are decides, not the label')
    const untyped = (await (await post(readSample('mixed.pdf'), 'application/octet-stream')).json()) as Answer
    assert.equal(untyped.pages.length, 2, 'application/octet-stream (a file passed on without its type) is sniffed too')
  })

  await t.test('an image answers in the same shape: one page, source "ocr"', async () => {
    const res = await post(readSample('fox.png'), 'image/png', '?highlight=1')
    const answer = (await res.json()) as Answer
    assert.equal(answer.pages.length, 1)
    const [page] = answer.pages
    assert.deepEqual([page!.page, page!.source, page!.width, page!.height], [1, 'ocr', 1200, 200])
    assert.equal(page!.text, answer.text)
    assert.deepEqual(page!.words, answer.words)
    assert.equal(page!.meanConfidence, answer.meanConfidence)
    assert.equal(page!.highlight?.base64, answer.highlight?.base64, 'the highlight is there too')
  })

  await t.test('bad documents: each gets its status, its stable code, and nothing is half-answered', async () => {
    const textLayer = readSample('text-layer.pdf')
    const cases: Array<[string, () => Promise<Response>, number, string]> = [
      ['not a PDF, sent as application/pdf', () => post(readSample('not-a-pdf.pdf'), 'application/pdf'), 400, 'E_PDF_INVALID'],
      ['a PDF cut at 40 %', () => post(textLayer.subarray(0, Math.floor(textLayer.length * 0.4)), 'application/pdf'), 400, 'E_PDF_INVALID'],
      ['only the %PDF- header', () => post('%PDF-1.7\n', 'application/pdf'), 400, 'E_PDF_INVALID'],
      ['password-protected', () => post(readSample('encrypted.pdf'), 'application/pdf'), 422, 'E_PDF_ENCRYPTED'],
      ['2,000 pages', () => post(readSample('many-pages.pdf'), 'application/pdf'), 413, 'E_PDF_TOO_MANY_PAGES'],
      ['a 21 MB PDF', () => post(Buffer.concat([textLayer, Buffer.alloc(21 * 1024 * 1024, 0x20)]), 'application/pdf'), 413, 'E_BODY_TOO_LARGE'],
      ['a 0×0 PNG', () => post(pngHeader(0, 0), 'image/png'), 400, 'E_IMAGE_EMPTY'],
      ['a 5000×0 PNG', () => post(pngHeader(5000, 0), 'image/png'), 400, 'E_IMAGE_EMPTY'],
      ['a 100-megapixel PNG (10000×10000)', () => post(pngHeader(10_000, 10_000), 'image/png'), 413, 'E_IMAGE_TOO_LARGE'],
      ['a 100-megapixel PNG (25000×4000)', () => post(pngHeader(25_000, 4000), 'image/png'), 413, 'E_IMAGE_TOO_LARGE'],
      ['a 100-megapixel JPEG (10000×10000)', () => post(jpegHeader(10_000, 10_000), 'image/jpeg'), 413, 'E_IMAGE_TOO_LARGE'],
      ['a 0×0 JPEG', () => post(jpegHeader(0, 0), 'image/jpeg'), 400, 'E_IMAGE_EMPTY'],
    ]
    for (const [name, send, status, code] of cases) {
      const res = await send()
      const body = (await res.json()) as Failure
      assert.equal(res.status, status, `${name}: ${JSON.stringify(body)}`)
      assert.equal(body.error.code, code, name)
      assert.ok(body.error.message.length > 10, `${name}: a reason is given`)
      if (code === 'E_PDF_TOO_MANY_PAGES') assert.deepEqual(body.error.details, { pages: 2000, maxPages: 50 })
    }
    assert.equal((await recognise('text-layer.pdf')).pages.length, 1, 'still serving after bad documents')
  })

  await t.test('a PDF is a tracked run: num_pages, its text, and each page highlighted', async () => {
    const requestId = `ocr-pdf-${randomUUID()}`
    const res = await post(readSample('mixed.pdf'), 'application/pdf', '', { 'x-request-id': requestId })
    assert.equal(res.status, 200)
    const answer = (await res.json()) as Answer
    interface Run { id: string | number; status: string; requestId: string | null; params: Record<string, unknown>; metrics: Record<string, number>; artifacts: Array<{ name: string; url: string }> }
    let run: Run | undefined
    for (let i = 0; i < 200 && !(run?.status === 'finished' && run.artifacts.length >= 2); i++) {
      const list = (await (await ferry.api('/api/runs?model=ocr&limit=50')).json()) as { runs: Run[] }
      run = list.runs.find((r) => r.requestId === requestId)
      await sleep(100)
    }
    assert.ok(run, 'the run was recorded')
    assert.equal(run.params['num_pages'], 2)
    assert.equal(run.params['num_words'], answer.words.length)
    assert.equal(run.metrics['mean_confidence'], answer.meanConfidence)
    assert.deepEqual(run.artifacts.map((a) => a.name).sort(), ['highlighted-page-1.png', 'highlighted-page-2.png'])
    const png = PNG.sync.read(Buffer.from(await (await ferry.api(run.artifacts[0]!.url)).arrayBuffer()))
    assert.deepEqual([png.width, png.height], [864, 576])
    const detail = (await (await ferry.api(`/api/runs/${run.id}`)).json()) as { text: string }
    assert.equal(detail.text, answer.text, 'both pages\' text is recorded with the run')
  })

  await t.test('the OpenAPI document lists application/pdf', async () => {
    const doc = (await (await fetch(`${ferry.url}/models/ocr/openapi.json`)).json()) as { paths: Record<string, { post?: { requestBody: { content: Record<string, unknown> } } }> }
    assert.ok(doc.paths['/recognize']?.post?.requestBody.content['application/pdf'])
  })
  assert.equal(await ferry.stop(), 0)
})

test('outside Ferry: OCR_MAX_PDF_PAGES sets the page limit', { timeout: 60_000 }, async (t) => {
  const port = await getFreePort('127.0.0.1')
  const child = spawn(process.execPath, [join(OCR, 'build', 'server.js')], {
    cwd: OCR,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', PORT: String(port), HOST: '127.0.0.1', OCR_WORKERS: '1', OCR_MAX_PDF_PAGES: '1' },
    stdio: ['ignore', 'ignore', 'ignore'],
  })
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    const status = await fetch(`${url}/health`).then((r) => r.status, () => 0)
    if (status === 200) break
    assert.ok(i < 450, 'the server became ready')
    await sleep(100)
  }
  const post = (file: string) => fetch(`${url}/recognize`, { method: 'POST', body: readSample(file), headers: { 'content-type': 'application/pdf' } })
  const refused = await post('mixed.pdf')
  assert.equal(refused.status, 413)
  assert.deepEqual(((await refused.json()) as Failure).error.details, { pages: 2, maxPages: 1 })
  assert.equal((await post('text-layer.pdf')).status, 200, 'a one-page PDF is within the limit')
  child.kill('SIGTERM')
})
