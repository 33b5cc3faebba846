/**
 * examples/docflow end to end: a real `ferry serve` deploys ocr, doc-classifier and the docflow
 * pipeline (packed from their folders), and each sample document of examples/docflow/samples goes
 * through POST /models/docflow/upload-and-predict, raw or as a multipart form: its words are read,
 * its label is the one expected.json names, and the call is a tracked run (page count, label,
 * confidence, mean OCR confidence, the highlighted page, the text) that `GET /api/runs?q=` finds by
 * any word of the document. The PDF's page comes from its text layer. A file that is not an image
 * is refused naming the OCR step.
 * Every fetch has a timeout; the server and its models are killed when the test ends.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { startFerryServe } from './_serve-helpers.js'

interface Page { page: number; text: string; words: Array<{ text: string }>; meanConfidence: number; source: string }
interface Answer { document: { name: string | null; contentType: string; size: number; sha256: string }; pages: Page[]; text: string; label: string; confidence: number; scores: Record<string, number> }
interface Run { id: number; model: string; status: string; params: Record<string, unknown>; metrics: Record<string, number>; requestId: string | null; text?: string; artifacts: Array<{ name: string; contentType: string; url: string }> }

const SAMPLES = ferryPath('examples', 'docflow', 'samples')
const EXPECTED = JSON.parse(readFileSync(join(SAMPLES, 'expected.json'), 'utf8')) as Record<string, { label: string; words: string[]; pages: number }>
const TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.pdf': 'application/pdf' }
const typeOf = (file: string) => TYPES[file.slice(file.lastIndexOf('.'))]!

test('examples/docflow: upload → OCR → classify, each call a tracked run found by its words', { timeout: 420_000 }, async (t) => {
  const ferry = await startFerryServe(t)
  for (const example of ['doc-classifier', 'ocr', 'docflow']) await ferry.deployFolder(ferryPath('examples', example))
  const health = await fetch(`${ferry.url}/models/docflow/health`, { signal: AbortSignal.timeout(10_000) })
  assert.equal(health.status, 200, await health.clone().text())

  const post = (body: Buffer | FormData, headers: Record<string, string> = {}) =>
    fetch(`${ferry.url}/models/docflow/upload-and-predict`, { method: 'POST', body, headers, signal: AbortSignal.timeout(120_000) })

  for (const file of Object.keys(EXPECTED)) {
    await t.test(`${file}: read, classified as ${EXPECTED[file]!.label}, recorded as a run`, async () => {
      const bytes = readFileSync(join(SAMPLES, file))
      const res = await post(bytes, { 'content-type': typeOf(file), 'x-request-id': `docflow-${file}` })
      assert.equal(res.status, 200, await res.clone().text())
      const answer = await res.json() as Answer
      const expected = EXPECTED[file]!
      assert.equal(answer.document.contentType, typeOf(file))
      assert.equal(answer.document.size, bytes.length)
      assert.equal(answer.pages.length, expected.pages)
      assert.deepEqual(answer.pages.map((p) => p.page), Array.from({ length: expected.pages }, (_, i) => i + 1))
      assert.ok(answer.pages[0]!.words.length > 3, 'each page has its words')
      assert.equal(answer.pages[0]!.source, file.endsWith('.pdf') ? 'text-layer' : 'ocr')
      assert.equal(Object.hasOwn(answer.pages[0]!, 'highlight'), false, 'the highlighted pages are kept with the run, not sent back')
      for (const word of expected.words) assert.match(answer.text, new RegExp(`\\b${word}\\b`), `"${word}" is read`)
      assert.equal(answer.label, expected.label)
      assert.ok(answer.confidence > 0 && answer.confidence <= 1)
      assert.equal(answer.scores[answer.label], answer.confidence)

      const runId = res.headers.get('x-ferry-run-id')
      assert.ok(runId)
      const run = await (await ferry.api(`/api/runs/${runId}`)).json() as Run
      assert.equal(run.model, 'docflow')
      assert.equal(run.status, 'finished')
      assert.equal(run.requestId, `docflow-${file}`)
      assert.equal(run.params['pages'], expected.pages)
      assert.equal(run.params['label'], expected.label)
      assert.equal(run.metrics['confidence'], answer.confidence)
      assert.ok(Math.abs(run.metrics['mean_ocr_confidence']! - answer.pages[0]!.meanConfidence) < 1e-9)
      assert.equal(run.text, answer.text)
      const page = run.artifacts.find((a) => a.name.startsWith('page'))
      assert.ok(page, `a highlighted page is kept: ${JSON.stringify(run.artifacts)}`)
      const image = await ferry.api(page.url)
      assert.equal(image.headers.get('content-type'), 'image/png')
      assert.deepEqual([...Buffer.from(await image.arrayBuffer()).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47])

      const word = expected.words[1]!
      const { runs } = await (await ferry.api(`/api/runs?model=docflow&q=${encodeURIComponent(word)}`)).json() as { runs: Run[] }
      assert.ok(runs.some((r) => r.id === Number(runId)), `the run is found by "${word}"`)
    })
  }

  await t.test('a multipart form is read like a raw body', async () => {
    const form = new FormData()
    form.append('document', new Blob([readFileSync(join(SAMPLES, 'receipt.png'))], { type: 'image/png' }), 'receipt.png')
    const res = await post(form)
    assert.equal(res.status, 200, await res.clone().text())
    const answer = await res.json() as Answer
    assert.equal(answer.document.name, 'receipt.png')
    assert.equal(answer.label, 'receipt')
    const run = await (await ferry.api(`/api/runs/${res.headers.get('x-ferry-run-id')}`)).json() as Run
    assert.equal(run.params['filename'], 'receipt.png')
  })

  await t.test('a file that is not an image is refused, naming the OCR step, and the failed run is kept', async () => {
    const res = await post(Buffer.from('not an image at all'), { 'content-type': 'image/png' })
    assert.equal(res.status, 422)
    const body = await res.json() as { error: { code: string; details: { step: string; status: number; error: { code: string } } } }
    assert.equal(body.error.code, 'E_PIPELINE_STEP_REJECTED')
    assert.equal(body.error.details.step, 'ocr')
    assert.equal(body.error.details.status, 400)
    const run = await (await ferry.api(`/api/runs/${res.headers.get('x-ferry-run-id')}`)).json() as Run & { tags: Record<string, string> }
    assert.equal(run.status, 'failed')
    assert.equal(run.tags['failedStep'], 'ocr')
  })

  await t.test('a blank page is read, then refused by the classifier, and the run keeps what was read', async () => {
    const blank = readFileSync(join(SAMPLES, 'invoice.png'))
    const { PNG } = await import('pngjs')
    const png = PNG.sync.read(blank)
    png.data.fill(255)
    const res = await post(PNG.sync.write(png), { 'content-type': 'image/png' })
    assert.equal(res.status, 422, await res.clone().text())
    const body = await res.json() as { error: { code: string; details: { step: string } } }
    assert.deepEqual([body.error.code, body.error.details.step], ['E_PIPELINE_STEP_REJECTED', 'classify'])
    const run = await (await ferry.api(`/api/runs/${res.headers.get('x-ferry-run-id')}`)).json() as Run & { tags: Record<string, string> }
    assert.equal(run.tags['failedStep'], 'classify')
    assert.equal(run.params['pages'], 1, 'what the OCR step read is recorded')
    assert.equal(run.params['label'], undefined, 'no label: the classifier did not answer')
    assert.ok(run.artifacts.some((a) => a.name === 'page-1.png'), 'the OCR step\'s highlighted page is kept')
  })
  // Stopped here, not left to the hooks: the temporary data directory is removed after the server is gone.
  assert.equal(await ferry.stop(), 0)
})
