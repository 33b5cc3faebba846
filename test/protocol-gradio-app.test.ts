/**
 * A Gradio app as a package (examples/digit-pad, `api.protocol: "gradio"`) on a real
 * `ferry serve`: started with gradio's variables (it listens on GRADIO_SERVER_PORT, under
 * GRADIO_ROOT_PATH), healthy when its config answers, its UI and queue passed through untouched to
 * the real @gradio/client, its API read with view_api into /openapi.json, and called as plain JSON
 * at POST /models/digit-pad/api/predict.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test, type TestContext } from 'node:test'
import { Client } from '@gradio/client'
import { ferryPath } from '../packager/repo-root.js'
import { startFerryServe, type FerryServe } from './_serve-helpers.js'

type Case = (t: TestContext) => Promise<void>
const cases: Array<[string, Case]> = []
function appCase(name: string, fn: Case): void { cases.push([name, fn]) }

let ferry: FerryServe
let four: number[]
test('a Gradio app deployed as a package (examples/digit-pad)', { timeout: 300_000 }, async (suite) => {
  ferry = await startFerryServe(suite)
  await ferry.deployFolder(ferryPath('examples', 'digit-pad'))
  four = (JSON.parse(await readFile(ferryPath('examples', 'digits', 'samples', 'pixels-4.json'), 'utf8')) as { pixels: number[] }).pixels
  for (const [name, fn] of cases) await suite.test(name, fn)
})

appCase('it ships the digits example\'s weights, unchanged', async () => {
  assert.deepEqual(await readFile(ferryPath('examples', 'digit-pad', 'model', 'weights.json')), await readFile(ferryPath('examples', 'digits', 'model', 'weights.json')))
})

appCase('the deployer starts it with gradio\'s variables: it listens on GRADIO_SERVER_PORT under GRADIO_ROOT_PATH', async () => {
  const logs = await (await ferry.api('/api/instances/digit-pad@1.0.0/logs?tail=50')).json() as Array<{ line: string }>
  const instance = await (await ferry.api('/api/instances/digit-pad@1.0.0')).json() as { replicas: Array<{ port: number }> }
  const port = instance.replicas[0]!.port
  assert.ok(logs.some((l) => l.line === `Running on local URL:  http://127.0.0.1:${port}/models/digit-pad@1.0.0`), logs.map((l) => l.line).join('\n'))
})

appCase('@gradio/client connects through /gradio/digit-pad/ and /models/digit-pad/ (passed through) and predicts', async (t) => {
  for (const url of [`${ferry.url}/gradio/digit-pad/`, `${ferry.url}/models/digit-pad@1.0.0/`]) {
    const app = await Client.connect(url)
    t.after(() => app.close())
    const api = await app.view_api() as { named_endpoints: Record<string, { parameters: Array<{ parameter_name: string }> }> }
    assert.deepEqual(Object.keys(api.named_endpoints), ['/predict'])
    const result = await app.predict('/predict', { pixels: four })
    assert.equal((result.data as Array<{ label: string }>)[0]!.label, '4', url)
    await assert.rejects(app.predict('/predict', { pixels: [1, 2, 3] }), /pixels must be 64 numbers/)
  }
})

appCase('POST /models/digit-pad/api/predict {data} is called through @gradio/client; bad input gets a code', async () => {
  const post = (path: string, body: string, type = 'application/json') => fetch(`${ferry.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body })
  const ok = await post('/models/digit-pad/api/predict', JSON.stringify({ data: [four] }))
  assert.equal(ok.status, 200)
  const answer = await ok.json() as { data: Array<{ label: string; confidences: Array<{ label: string; confidence: number }> }> }
  assert.equal(answer.data[0]!.label, '4')
  assert.equal(answer.data[0]!.confidences.length, 10)
  const refused = await post('/models/digit-pad@1.0.0/api/predict', JSON.stringify({ data: [[1, 2]] }))
  assert.equal(refused.status, 422)
  assert.match((await refused.json() as { error: { message: string } }).error.message, /pixels must be 64 numbers/)
  const unknown = await post('/models/digit-pad/api/classify', JSON.stringify({ data: [] }))
  assert.equal(unknown.status, 404)
  assert.equal((await unknown.json() as { error: { code: string } }).error.code, 'E_GRADIO_ENDPOINT_UNKNOWN')
  const notData = await post('/models/digit-pad/api/predict', JSON.stringify({ pixels: four }))
  assert.equal(notData.status, 400)
  assert.equal((await notData.json() as { error: { code: string } }).error.code, 'E_BODY_INVALID')
  assert.equal((await post('/models/digit-pad/api/predict', 'x', 'text/plain')).status, 415)
  // The calls went through the proxy: the client's config, info and queue requests are in the history.
  const history = await (await ferry.api('/api/requests?model=digit-pad&limit=200')).json() as { requests: Array<{ path: string }> }
  assert.ok(history.requests.some((r) => r.path === '/models/digit-pad@latest/gradio_api/queue/join'), history.requests.map((r) => r.path).join(', '))
})

appCase('its endpoints read with view_api are in /openapi.json, and the pad page is served', async () => {
  const doc = await (await fetch(`${ferry.url}/openapi.json`)).json() as { paths: Record<string, { post?: { summary: string; requestBody: { content: Record<string, { schema: { properties: { data: { prefixItems: Array<{ title: string; description: string }>; minItems: number } } } }> } } }> }
  const predict = doc.paths['/models/digit-pad/api/predict']?.post
  assert.ok(predict, Object.keys(doc.paths).filter((p) => p.includes('digit-pad')).join(', '))
  const data = predict.requestBody.content['application/json']!.schema.properties.data
  assert.deepEqual(data.prefixItems.map((p) => [p.title, p.description]), [['pixels', '8x8 ink counts, row by row']])
  assert.equal(data.minItems, 1)
  assert.match(predict.summary, /pixels \(JSON\) → Label/)
  assert.ok(doc.paths['/gradio/digit-pad/config'])
  const page = await (await fetch(`${ferry.url}/gradio/digit-pad/`)).text()
  assert.match(page, /<canvas id="pad"/)
})
