/**
 * examples/doc-classifier: training is reproducible (the committed model is what the data gives)
 * and accurate on the held-out set; deployed on a real `ferry serve`, the service classifies the
 * held-out documents through the gateway and answers bad input with its status and code.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { before, test } from 'node:test'
import { promisify } from 'node:util'
import { ferryPath } from '../packager/repo-root.js'
import { makeTempDir } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

const EXAMPLE = ferryPath('examples', 'doc-classifier')
const LABELS = ['contract', 'cv', 'invoice', 'letter', 'receipt', 'report']
const run = promisify(execFile)

interface Classification { label: string; confidence: number; scores: Record<string, number> }

async function readTestSet(): Promise<Array<{ label: string; text: string }>> {
  const lines = (await readFile(join(EXAMPLE, 'data', 'test.jsonl'), 'utf8')).split('\n').filter(Boolean)
  return lines.map((line) => JSON.parse(line) as { label: string; text: string })
}

// The example's TypeScript is compiled by its own tsc project (root `npm run build` does it too).
before(async () => {
  await run(process.execPath, [ferryPath('node_modules', 'typescript', 'bin', 'tsc'), '-b', EXAMPLE])
})

test('doc-classifier: training again reproduces model/model.json byte for byte, ≥ 0.85 accurate on the held-out set', async (t) => {
  const out = join(await makeTempDir(t), 'model.json')
  const { stdout } = await run(process.execPath, [join(EXAMPLE, 'build', 'train.js'), '--out', out])
  const report = JSON.parse(stdout) as { accuracy: number; testDocuments: number; labels: string[] }
  assert.deepEqual(report.labels, LABELS)
  assert.equal(report.testDocuments, (await readTestSet()).length)
  assert.ok(report.accuracy >= 0.85, `held-out accuracy ${report.accuracy}`)
  const committed = await readFile(join(EXAMPLE, 'model', 'model.json'))
  assert.ok((await readFile(out)).equals(committed), 'model/model.json differs from what training gives: run `node examples/doc-classifier/build/train.js` and commit it')
})

test('doc-classifier on ferry serve: classifies the held-out set through the gateway and refuses bad input', async (t) => {
  const ferry = await startFerryServe(t)
  const instance = await ferry.deployFolder(EXAMPLE)
  assert.equal(instance.state, 'ready')
  const classify = (body: string, contentType = 'application/json') =>
    fetch(`${ferry.url}/models/doc-classifier/classify`, { method: 'POST', headers: { 'content-type': contentType }, body })

  const testSet = await readTestSet()
  let correct = 0
  for (const { label, text } of testSet) {
    const res = await classify(JSON.stringify({ text }))
    assert.equal(res.status, 200)
    const answer = (await res.json()) as Classification
    assert.deepEqual(Object.keys(answer.scores).sort(), LABELS)
    assert.equal(answer.confidence, Math.max(...Object.values(answer.scores)))
    assert.equal(answer.scores[answer.label], answer.confidence)
    assert.ok(Math.abs(Object.values(answer.scores).reduce((a, b) => a + b, 0) - 1) < 0.001)
    if (answer.label === label) correct++
  }
  assert.ok(correct / testSet.length >= 0.85, `${correct} of ${testSet.length} held-out documents right`)

  // The descriptor's examples, one clear document per label ("An invoice", …, "A CV"), get exactly their label.
  const descriptor = JSON.parse(await readFile(join(EXAMPLE, 'descriptor.json'), 'utf8')) as { examples: Array<{ name: string; body: { text: string } }> }
  assert.equal(descriptor.examples.length, LABELS.length)
  for (const example of descriptor.examples) {
    const answer = (await (await classify(JSON.stringify(example.body))).json()) as Classification
    assert.equal(answer.label, example.name.split(' ').at(-1)!.toLowerCase(), example.name)
  }

  const bad: Array<[string, string | undefined, number, string]> = [
    ['{"text": "Dear', undefined, 400, 'INVALID_JSON'],
    ['{}', undefined, 422, 'INVALID_TEXT'],
    ['{"text": "   "}', undefined, 422, 'INVALID_TEXT'],
    ['{"text": 42}', undefined, 422, 'INVALID_TEXT'],
    ['["Dear Sir"]', undefined, 422, 'INVALID_BODY'],
    ['{"text": "Dear Sir", "lang": "en"}', undefined, 422, 'INVALID_BODY'],
    [JSON.stringify({ text: 'é'.repeat(50_001) }), undefined, 413, 'TEXT_TOO_LARGE'],
    ['Dear Sir', 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ]
  for (const [body, contentType, status, code] of bad) {
    const res = await classify(body, contentType)
    assert.equal(res.status, status, `${body.slice(0, 40)} → ${res.status}`)
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, code)
  }

  const docs = (await (await fetch(`${ferry.url}/openapi.json`)).json()) as { paths: Record<string, { post?: unknown }> }
  assert.ok(docs.paths['/models/doc-classifier/classify']?.post, 'the gateway documents POST /models/doc-classifier/classify')
  assert.equal(await ferry.stop(), 0)
})
