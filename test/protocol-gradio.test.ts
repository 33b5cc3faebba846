/**
 * Every deployed model as a Gradio app, driven by the real @gradio/client 2.7 against a real
 * `ferry serve`: digits by 64 values and by an image (handle_file), OCR by an image, the document
 * classifier by text with a Label result, the model's own errors and the bridge's (arity, value
 * types, a file of the wrong type, unknown endpoints) as the client's errors, a model with an
 * inference token, and calls that land in the prediction history like any other.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { before, test } from 'node:test'
import { promisify } from 'node:util'
import { Client, handle_file } from '@gradio/client'
import { ferryPath } from '../packager/repo-root.js'
import { startFerryServe, type FerryServe } from './_serve-helpers.js'

const run = promisify(execFile)
const sample = (...path: string[]) => ferryPath('examples', ...path)

interface LabelValue { label: string; confidences: Array<{ label: string; confidence: number }> }

before(async () => {
  await run(process.execPath, [ferryPath('node_modules', 'typescript', 'bin', 'tsc'), '-b', ferryPath('examples')])
})

/** Client.connect, closed when the test ends (its streams would keep the process alive). */
async function connect(t: { after(fn: () => void): void }, url: string, options: Parameters<typeof Client.connect>[1] = {}): Promise<Client> {
  const client = await Client.connect(url, { events: ['data', 'status'], ...options })
  t.after(() => client.close())
  return client
}

let ferry: FerryServe
// One server for every case: each is a subtest of this test, which stops the server at its end.
test('the Gradio bridge, with digits, doc-classifier and ocr deployed on a real ferry serve', { timeout: 900_000 }, async (suite) => {
  ferry = await startFerryServe(suite)
  for (const name of ['digits', 'doc-classifier', 'ocr']) await ferry.deployFolder(sample(name))
  for (const [name, fn] of cases) await suite.test(name, fn)
})

type Case = (t: import('node:test').TestContext) => Promise<void>
const cases: Array<[string, Case]> = []
function gradioCase(name: string, fn: Case): void { cases.push([name, fn]) }

gradioCase('digits: view_api lists both endpoints; 64 values and an image each give the digit as a Label', async (t) => {
  const app = await connect(t, `${ferry.url}/gradio/digits/`)
  const api = await app.view_api() as { named_endpoints: Record<string, { parameters: Array<{ parameter_name: string; component: string }>; returns: Array<{ component: string }> }> }
  assert.deepEqual(Object.keys(api.named_endpoints).sort(), ['/predict', '/predict_image'])
  assert.deepEqual(api.named_endpoints['/predict']!.parameters.map((p) => [p.parameter_name, p.component]), [['pixels', 'JSON']])
  assert.deepEqual(api.named_endpoints['/predict_image']!.parameters.map((p) => [p.parameter_name, p.component]), [['image', 'Image']])
  assert.deepEqual(api.named_endpoints['/predict']!.returns.map((r) => r.component), ['Label', 'JSON'])

  const four = JSON.parse(await readFile(sample('digits', 'samples', 'pixels-4.json'), 'utf8')) as { pixels: number[] }
  const byValues = await app.predict('/predict', { pixels: four.pixels })
  const [label, answer] = byValues.data as [LabelValue, { digit: number; scores: number[] }]
  assert.equal(label.label, '4')
  assert.equal(answer.digit, 4)
  assert.equal(label.confidences.length, 10)
  assert.ok(label.confidences[0]!.confidence > 0.9, 'the highest confidence comes first')

  const byImage = await app.predict('/predict_image', [handle_file(sample('digits', 'samples', 'digit-3-64x64.png'))])
  assert.equal((byImage.data as [LabelValue])[0].label, '3')
  const jpeg = await app.predict('/predict_image', { image: handle_file(new Blob([await readFile(sample('digits', 'samples', 'digit-6-96x96-white-on-black.jpg'))])) })
  assert.equal((jpeg.data as [LabelValue])[0].label, '6')
})

gradioCase('doc-classifier by text: a Label with every document type, highest first', async (t) => {
  const app = await connect(t, `${ferry.url}/gradio/doc-classifier@1.0.0/`)
  const result = await app.predict('/classify', { text: 'INVOICE No. 1042. Bill to: Fenwick Ltd. VAT 20%. Total due: 864.00. Payment terms: 30 days.' })
  const [label, answer] = result.data as [LabelValue, { label: string; scores: Record<string, number> }]
  assert.equal(label.label, 'invoice')
  assert.equal(answer.label, 'invoice')
  assert.deepEqual(label.confidences.map((c) => c.label).sort(), ['contract', 'cv', 'invoice', 'letter', 'receipt', 'report'])
  assert.deepEqual(label.confidences.map((c) => c.confidence), [...label.confidences.map((c) => c.confidence)].sort((a, b) => b - a))
})

gradioCase('ocr by image: the recognised text, and the optional highlight query parameter', async (t) => {
  const app = await connect(t, `${ferry.url}/gradio/ocr/`)
  const expected = JSON.parse(await readFile(sample('ocr', 'samples', 'expected.json'), 'utf8')) as Record<string, string>
  const result = await app.predict('/recognize', [handle_file(sample('ocr', 'samples', 'fox.png'))])
  const answer = (result.data as [{ text: string; highlight?: unknown }])[0]
  const words = (expected['fox.png'] ?? 'quick brown fox').toLowerCase().split(/\s+/).slice(0, 3)
  for (const word of words) assert.ok(answer.text.toLowerCase().includes(word.replace(/[^a-z]/g, '')), `"${word}" in ${answer.text}`)
  assert.equal(answer.highlight, undefined)
  const highlighted = await app.predict('/recognize', { image: handle_file(sample('ocr', 'samples', 'fox.png')), highlight: true })
  assert.equal((highlighted.data as [{ highlight: { contentType: string } }])[0].highlight.contentType, 'image/png')
})

gradioCase('errors reach the client as its errors: the model\'s own, wrong arity, wrong types, a file of the wrong type', async (t) => {
  const app = await connect(t, `${ferry.url}/gradio/digits/`)
  // The model refuses values above 16: its code and message come through.
  await assert.rejects(app.predict('/predict', { pixels: Array(64).fill(99) }), (error: Error) => /digits answered 400/.test(error.message) && /E_/.test(error.message))
  // The client itself sends one value per input of the dependency: a missing one arrives as null.
  await assert.rejects(app.predict('/predict', []), /"pixels" is required/)
  await assert.rejects(app.predict('/predict', { pixels: Array(10).fill(1) }), /"pixels" must be an array of 64 values \(it has 10\)/)
  await assert.rejects(app.predict('/predict', { pixels: 'not json' }), /"pixels" must be an array/)
  await assert.rejects(app.predict('/predict_image', [handle_file(sample('digits', 'samples', 'pixels-4.json'))]), /"image" takes image\/\*, not a file of type application\/octet-stream/)
  await assert.rejects(app.predict('/nope', []), /No endpoint matching/)
})

gradioCase('the Gradio routes answer bad requests in Gradio\'s error form and change nothing', async () => {
  const prefix = `${ferry.url}/gradio/digits/gradio_api`
  const join = await fetch(`${prefix}/queue/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: [], fn_index: 7, session_hash: 'x1' }) })
  assert.equal(join.status, 404)
  const joinBody = await join.json() as { detail: string; code: string }
  assert.equal(joinBody.code, 'E_GRADIO_ENDPOINT_UNKNOWN')
  assert.match(joinBody.detail, /fn_index 7.*0 \(\/predict\), 1 \(\/predict_image\)/)
  const runUnknown = await fetch(`${prefix}/run/classify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data": []}' })
  assert.equal(runUnknown.status, 404)
  assert.match((await runUnknown.json() as { error: string }).error, /no endpoint \/classify/)
  const arity = await fetch(`${prefix}/queue/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: [Array(64).fill(0), 'extra'], fn_index: 0, session_hash: 'x2' }) })
  assert.equal(arity.status, 422)
  const arityBody = await arity.json() as { code: string; detail: string }
  assert.equal(arityBody.code, 'E_GRADIO_ARITY')
  assert.match(arityBody.detail, /takes 1 input \(pixels\), not 2/)
  const wrongType = await fetch(`${prefix}/run/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data": [true]}' })
  assert.equal(wrongType.status, 422)
  assert.equal((await wrongType.json() as { code: string }).code, 'E_GRADIO_VALUE_INVALID')
  const noFile = await fetch(`${prefix}/upload`, { method: 'POST', body: new FormData() })
  assert.equal(noFile.status, 400)
  const stream = await fetch(`${prefix}/queue/data?session_hash=never-joined`)
  assert.equal(stream.status, 404)
  const unknownModel = await fetch(`${ferry.url}/gradio/ghost/config`)
  assert.equal(unknownModel.status, 404)
  assert.equal((await unknownModel.json() as { code: string }).code, 'E_MODEL_NOT_FOUND')
  // A queue:false call (what /run serves) works the same as a queued one.
  const direct = await fetch(`${prefix}/run/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: [Array(64).fill(0)] }) })
  assert.equal(direct.status, 200)
  assert.equal((await direct.json() as { data: unknown[] }).data.length, 2)
})

gradioCase('a model with an inference token: refused without it, answered with the client\'s token option', async (t) => {
  const secret = 'doc-classifier-token-0123456789'
  assert.equal((await ferry.api('/api/models/doc-classifier/token', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: secret }) })).status, 200)
  t.after(async () => { await ferry.api('/api/models/doc-classifier/token', { method: 'DELETE' }) })
  await assert.rejects(Client.connect(`${ferry.url}/gradio/doc-classifier/`), /requires its token/)
  const app = await connect(t, `${ferry.url}/gradio/doc-classifier/`, { token: secret as `hf_${string}` })
  const result = await app.predict('/classify', { text: 'Dear Mrs. Holloway, thank you for your warm welcome. With best wishes, Claire' })
  assert.equal((result.data as [LabelValue])[0].label, 'letter')
  const withHeader = await connect(t, `${ferry.url}/gradio/doc-classifier/`, { headers: { authorization: `Bearer ${secret}` } })
  assert.equal(((await withHeader.predict('/classify', { text: 'Curriculum vitae. Experience: accounts assistant. Education: BA. Skills: Excel. References available.' })).data as [LabelValue])[0].label, 'cv')
})

gradioCase('Gradio calls go through the proxy: they are in the prediction history with the version that answered', async () => {
  const history = await (await ferry.api('/api/requests?model=digits&limit=100')).json() as { requests: Array<{ path: string; status: number; version: string }> }
  const paths = history.requests.map((r) => r.path)
  assert.ok(paths.includes('/models/digits@latest/predict'), paths.join(', '))
  assert.ok(paths.includes('/models/digits@latest/predict/image'), paths.join(', '))
  assert.ok(history.requests.some((r) => r.status === 400), 'the refused call is recorded too')
  const metrics = await (await fetch(`${ferry.url}/metrics`)).text()
  assert.match(metrics, /ferry_requests_total\{model="digits",version="1.0.0",code="200"\} \d+/)
})

gradioCase('a script that connects, predicts and closes exits by itself (no stream keeps Node alive)', async () => {
  const script = `import { Client } from '@gradio/client'
const app = await Client.connect(process.argv[1])
const result = await app.predict('/predict', { pixels: Array(64).fill(0) })
console.log(JSON.stringify(result.data[0].label))
app.close()`
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, `${ferry.url}/gradio/digits/`], { cwd: ferryPath(), timeout: 30_000 })
  assert.match(stdout, /^"\d"\n$/)
})

gradioCase('the page at /gradio/<name>/ names the endpoints and how to connect', async () => {
  const bare = await fetch(`${ferry.url}/gradio/digits@latest`, { redirect: 'manual' })
  assert.equal(bare.status, 308)
  assert.equal(bare.headers.get('location'), '/gradio/digits@latest/')
  const page = await (await fetch(`${ferry.url}/gradio/digits/`)).text()
  assert.match(page, /Client\.connect\('http:\/\/127\.0\.0\.1:\d+\/gradio\/digits\/'\)/)
  assert.match(page, /\/predict_image/)
})
