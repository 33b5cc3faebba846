/**
 * examples/ocr end to end: a real `ferry serve` deploys the folder (npm ci of tesseract.js and the
 * English model at deploy time), and everything goes through the gateway at /models/ocr/…: each
 * sample's words are read, ?highlight=1 gives a PNG of the same size, multipart works, each bad
 * input gets its status and code, and each recognition is recorded as a tracked run with its
 * highlighted image and appears in the prediction history. Then the server alone, outside Ferry:
 * it answers 503 while its workers load and fails start-up with a clear message when they cannot,
 * and a tracking API that is down costs only a warning.
 * Needs examples/ocr built (`npx tsc -b examples/ocr`, part of `npm run build`).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { PNG } from 'pngjs'
import { getFreePort } from '../deployer/port-pool.js'
import { ferryPath } from '../packager/repo-root.js'
import { makeTempDir } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

interface Word { text: string; confidence: number; bbox: { x0: number; y0: number; x1: number; y1: number } }
interface Recognition { text: string; words: Word[]; meanConfidence: number; durationMs: number; highlight?: { contentType: string; base64: string } }
interface Run { id: number | string; status: string; params: Record<string, unknown>; metrics: Record<string, number>; requestId: string | null; artifacts: Array<{ name: string; contentType: string; url: string }> }

const OCR = ferryPath('examples', 'ocr')
const SAMPLES = join(OCR, 'samples')
const EXPECTED = JSON.parse(readFileSync(join(SAMPLES, 'expected.json'), 'utf8')) as Record<string, string>
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

const readSample = (file: string): Buffer => readFileSync(join(SAMPLES, file))
const contentTypeOf = (file: string): string => (file.endsWith('.png') ? 'image/png' : 'image/jpeg')

/** Lower-case words, punctuation as a separator: "Maps,novels" → ["maps", "novels"]. */
function toWords(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter((word) => word !== '')
}

/** The expected words the recognised text lacks (each expected word is looked for once). */
function findMissedWords(expected: string, recognised: string): string[] {
  const left = toWords(recognised)
  return toWords(expected).filter((word) => {
    const at = left.indexOf(word)
    if (at === -1) return true
    left.splice(at, 1)
    return false
  })
}

async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

function makePngHeader(width: number, height: number): Buffer {
  const png = new PNG({ width: 4, height: 4 })
  png.data.fill(255)
  const bytes = PNG.sync.write(png)
  bytes.writeUInt32BE(width, 16)
  bytes.writeUInt32BE(height, 20)
  return bytes // the IHDR CRC no longer matches: the header is read before any decoding
}

test('examples/ocr through a real gateway: text, words, highlight, multipart, bad input, tracked runs', { timeout: 300_000 }, async (t) => {
  const ferry = await startFerryServe(t)
  const instance = await ferry.deployFolder(OCR)
  assert.equal(instance.state, 'ready', 'health answers 200 once the workers are loaded')
  const recognizeUrl = `${ferry.url}/models/ocr/recognize`
  const post = (body: string | Buffer | FormData, contentType?: string, query = '', headers: Record<string, string> = {}) =>
    fetch(recognizeUrl + query, { method: 'POST', body, headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers } })

  await t.test('each sample reads as its expected text', async () => {
    let missed = 0
    let total = 0
    const report: string[] = []
    for (const [file, expected] of Object.entries(EXPECTED)) {
      const res = await post(readSample(file), contentTypeOf(file))
      assert.equal(res.status, 200, file)
      const body = (await res.json()) as Recognition
      const misses = findMissedWords(expected, body.text)
      report.push(`${file}: "${body.text}" missed [${misses.join(', ')}]`)
      missed += misses.length
      total += toWords(expected).length
      assert.ok(misses.length <= 2, `${file}: too many words missed\n${report.at(-1)}`)
      assert.deepEqual(toWords(body.words.map((w) => w.text).join(' ')), toWords(body.text), `${file}: words are the text's words`)
      for (const word of body.words) {
        assert.ok(word.confidence >= 0 && word.confidence <= 100, `${file}: confidence ${word.confidence}`)
        const { x0, y0, x1, y1 } = word.bbox
        assert.ok(x0 >= 0 && y0 >= 0 && x0 < x1 && y0 < y1 && x1 <= 1200 && y1 <= 200, `${file}: box ${JSON.stringify(word.bbox)} inside the image`)
      }
      assert.ok(body.meanConfidence > 50 && body.meanConfidence <= 100, `${file}: mean confidence ${body.meanConfidence}`)
      assert.ok(body.durationMs > 0)
      assert.equal(body.highlight, undefined, 'no highlight unless asked')
    }
    assert.ok(missed / total <= 0.1, `missed ${missed} of ${total} words:\n${report.join('\n')}`)
  })

  await t.test('?highlight=1 adds the image with boxes drawn, as a PNG of the same size', async () => {
    const original = PNG.sync.read(readSample('fox.png'))
    const body = (await (await post(readSample('fox.png'), 'image/png', '?highlight=1')).json()) as Recognition
    assert.equal(body.highlight?.contentType, 'image/png')
    const bytes = Buffer.from(body.highlight.base64, 'base64')
    assert.ok(bytes.subarray(0, 8).equals(PNG_SIGNATURE))
    const highlighted = PNG.sync.read(bytes)
    assert.deepEqual([highlighted.width, highlighted.height], [original.width, original.height])
    // The sample is grey; the boxes are coloured, around each word.
    const word = body.words[0]!
    const at = ((word.bbox.y0 - 1) * highlighted.width + word.bbox.x0) * 4
    const [r, g, b] = highlighted.data.subarray(at, at + 3)
    assert.ok(r !== g || g !== b, `the pixel just above the first word is coloured (got ${r},${g},${b})`)
    const jpeg = (await (await post(readSample('harbour.jpg'), 'image/jpeg', '?highlight=1')).json()) as Recognition
    assert.deepEqual([PNG.sync.read(Buffer.from(jpeg.highlight!.base64, 'base64')).width], [1200], 'a JPEG is highlighted as a PNG')
  })

  await t.test('multipart/form-data with a file field "image" works', async () => {
    const form = new FormData()
    form.append('note', 'ignored')
    form.append('image', new Blob([readSample('ferry.png')], { type: 'image/png' }), 'ferry.png')
    const res = await post(form)
    assert.equal(res.status, 200)
    const body = (await res.json()) as Recognition
    assert.ok(findMissedWords(EXPECTED['ferry.png']!, body.text).length <= 1, body.text)
  })

  await t.test('bad input: each case gets its status and a stable code', async () => {
    const noImage = new FormData()
    noImage.append('picture', new Blob([readSample('fox.png')], { type: 'image/png' }), 'fox.png')
    const cases: Array<[string, () => Promise<Response>, number, string]> = [
      ['empty body', () => post(Buffer.alloc(0), 'image/png'), 400, 'E_EMPTY_BODY'],
      ['text/plain', () => post('hello', 'text/plain'), 415, 'E_UNSUPPORTED_MEDIA_TYPE'],
      ['JSON', () => post('{"image": "x"}', 'application/json'), 415, 'E_UNSUPPORTED_MEDIA_TYPE'],
      ['not an image', () => post('this is not a picture', 'image/png'), 400, 'E_NOT_AN_IMAGE'],
      ['truncated PNG', () => post(readSample('fox.png').subarray(0, 3000), 'image/png'), 400, 'E_IMAGE_CORRUPT'],
      ['truncated JPEG', () => post(readSample('harbour.jpg').subarray(0, 5000), 'image/jpeg'), 400, 'E_IMAGE_CORRUPT'],
      ['9000×9000 PNG header', () => post(makePngHeader(9000, 9000), 'image/png'), 413, 'E_IMAGE_TOO_LARGE'],
      ['7000×7000 (49 MP) PNG header', () => post(makePngHeader(7000, 7000), 'image/png'), 413, 'E_IMAGE_TOO_LARGE'],
      ['21 MB body', () => post(Buffer.concat([readSample('fox.png'), Buffer.alloc(21 * 1024 * 1024)]), 'image/png'), 413, 'E_BODY_TOO_LARGE'],
      ['multipart without "image"', () => post(noImage), 400, 'E_MULTIPART_NO_IMAGE'],
    ]
    for (const [name, send, status, code] of cases) {
      const res = await send()
      const body = (await res.json()) as { error?: { code: string; message: string } }
      assert.equal(res.status, status, `${name}: ${JSON.stringify(body)}`)
      assert.equal(body.error?.code, code, name)
      assert.ok((body.error?.message.length ?? 0) > 10, `${name}: a reason is given`)
    }
    assert.equal((await post(readSample('fox.png'), 'image/png')).status, 200, 'still serving after bad input')
  })

  await t.test('the service documents its API at /openapi.json, merged into the gateway\'s', async () => {
    const doc = (await (await fetch(`${ferry.url}/models/ocr/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> }
    assert.equal(doc.openapi, '3.1.0')
    assert.ok(doc.paths['/recognize']?.['post'])
    assert.ok(doc.paths['/health']?.['get'])
    const merged = (await (await fetch(`${ferry.url}/openapi.json`)).json()) as { paths: Record<string, { post?: { requestBody?: { content?: Record<string, unknown> } } }> }
    for (const path of ['/models/ocr/recognize', '/models/ocr@1.0.0/recognize']) {
      assert.deepEqual(Object.keys(merged.paths[path]?.post?.requestBody?.content ?? {}).sort(), ['application/pdf', 'image/jpeg', 'image/png', 'multipart/form-data'], `${path} in the gateway's document`)
    }
  })

  await t.test('each recognition is a tracked run with its words, confidence, request id and highlighted.png', async () => {
    const requestId = `ocr-test-${randomUUID()}`
    const res = await post(readSample('fox.png'), 'image/png', '', { 'x-request-id': requestId })
    assert.equal(res.status, 200)
    const recognition = (await res.json()) as Recognition

    const run = await pollUntil('the run, finished with its artifact', async () => {
      const list = await ferry.api('/api/runs?model=ocr&limit=50')
      assert.equal(list.status, 200, 'GET /api/runs answers with the admin token')
      const found = ((await list.json()) as { runs: Run[] }).runs.find((r) => r.requestId === requestId)
      return found?.status === 'finished' && found.artifacts.length > 0 ? found : undefined
    })
    assert.equal(run.params['num_words'], recognition.words.length)
    assert.equal(run.params['words'], recognition.words.map((w) => w.text).join(' '))
    assert.match(String(run.params['words']), /quick brown fox/i)
    assert.equal(run.metrics['mean_confidence'], recognition.meanConfidence)
    assert.equal(typeof run.metrics['duration_ms'], 'number')
    const artifact = run.artifacts.find((a) => a.name === 'highlighted.png')
    assert.ok(artifact, `artifacts: ${JSON.stringify(run.artifacts)}`)
    assert.equal(artifact.contentType, 'image/png')
    const png = Buffer.from(await (await ferry.api(artifact.url)).arrayBuffer())
    assert.ok(png.subarray(0, 8).equals(PNG_SIGNATURE), 'the artifact is a PNG')
    assert.deepEqual([PNG.sync.read(png).width, PNG.sync.read(png).height], [1200, 200], 'drawn even though the request did not ask for it')

    const detail = (await (await ferry.api(`/api/runs/${run.id}`)).json()) as Run & { text: string }
    assert.equal(detail.text, recognition.text, 'the recognised text is recorded with the run')
    const searched = (await (await ferry.api('/api/runs?model=ocr&q=brown%20fox')).json()) as { runs: Array<Run & { snippet: Array<{ text: string; match?: true }> }> }
    const hit = searched.runs.find((r) => r.id === run.id)
    assert.ok(hit, 'a search for words it read finds the run')
    assert.ok(hit.snippet.some((p) => p.match && /brown|fox/i.test(p.text)), 'with the matching words marked')

    const history = (await (await ferry.api('/api/requests?model=ocr&limit=200')).json()) as { requests: Array<{ path: string; method: string; status: number; requestId: string | null }> }
    const entry = history.requests.find((r) => r.requestId === requestId)
    assert.ok(entry, 'the request is in the prediction history')
    assert.deepEqual([entry.method, entry.status], ['POST', 200])
    assert.match(entry.path, /recognize/)
  })

  assert.equal(await ferry.stop(), 0)
})

/** Starts build/server.js alone (outside Ferry) and collects its stderr. */
async function startOcrServer(t: TestContext, env: Record<string, string>) {
  const port = await getFreePort('127.0.0.1')
  const child = spawn(process.execPath, [join(OCR, 'build', 'server.js')], {
    cwd: OCR,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', PORT: String(port), HOST: '127.0.0.1', OCR_WORKERS: '1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  return { url: `http://127.0.0.1:${port}`, stderr: () => stderr, exited, child }
}

test('outside Ferry: 503 while the workers load, then a clear start-up failure when they cannot', { timeout: 60_000 }, async (t) => {
  // A source of language data that never answers, as a hung load would (a local server that
  // accepts and stays silent; OCR_LANG_PATH takes what tesseract.js's langPath takes).
  const silent = createServer(() => {})
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  t.after(() => { silent.closeAllConnections(); silent.close() })
  const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/tessdata`
  const server = await startOcrServer(t, { OCR_LANG_PATH: silentUrl, OCR_LOAD_TIMEOUT_SECONDS: '3' })
  const health = await pollUntil('the server to listen', async () => {
    try { return await fetch(`${server.url}/health`) } catch { return undefined }
  })
  assert.equal(health.status, 503)
  assert.equal(((await health.json()) as { status: string }).status, 'loading')
  const recognize = await fetch(`${server.url}/recognize`, { method: 'POST', body: readSample('fox.png'), headers: { 'content-type': 'image/png' } })
  assert.equal(recognize.status, 503)
  assert.equal(((await recognize.json()) as { error: { code: string } }).error.code, 'E_NOT_READY')
  assert.equal(await server.exited, 1, 'start-up fails')
  assert.match(server.stderr(), /did not load: no answer within 3 s/)
  assert.ok(server.stderr().includes(silentUrl), 'the message names the language data')

  const dir = await makeTempDir(t, 'ocr-no-data-')
  const missing = await startOcrServer(t, { OCR_LANG_PATH: dir })
  assert.equal(await missing.exited, 1)
  assert.match(missing.stderr(), /did not load: .*ENOENT/)
})

test('outside Ferry: a tracking API that is down costs a warning, never the answer', { timeout: 60_000 }, async (t) => {
  const closedPort = await getFreePort('127.0.0.1')
  const server = await startOcrServer(t, { FERRY_TRACKING_URL: `http://127.0.0.1:${closedPort}/api/runs`, FERRY_TRACKING_TOKEN: 'ftr_test' })
  await pollUntil('health 200', async () => {
    try { return (await fetch(`${server.url}/health`)).status === 200 ? true : undefined } catch { return undefined }
  }, 45_000)
  const res = await fetch(`${server.url}/recognize`, { method: 'POST', body: readSample('fox.png'), headers: { 'content-type': 'image/png', 'x-request-id': 'down-1' } })
  assert.equal(res.status, 200)
  assert.match(((await res.json()) as Recognition).text, /quick brown fox/i)
  await pollUntil('the warning', async () => (server.stderr().includes('warning') ? true : undefined))
  assert.match(server.stderr(), /warning: request down-1: the run was not recorded/)
  server.child.kill('SIGTERM')
  assert.equal(await server.exited, 0, 'stops cleanly on SIGTERM')
})
