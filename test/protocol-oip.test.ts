/**
 * The Open Inference Protocol v2 on a real `ferry serve`: the request and response examples of the
 * specification against a model whose descriptor declares them (input0 UINT32 [2, 2], input1 BOOL
 * [3], output0 FP32 [3, 2]), every kind of bad tensor refused with 400 and the tensor named (the
 * model never called), health and metadata, the digits example end to end (8x8 pixels in, digit,
 * scores and their labels out), and a model that speaks OIP itself passed through.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test, type TestContext } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { runFerry } from './_helpers.js'
import { startFerryServe, type FerryServe } from './_serve-helpers.js'

type Case = (t: TestContext) => Promise<void>
const cases: Array<[string, Case]> = []
function oipCase(name: string, fn: Case): void { cases.push([name, fn]) }

let ferry: FerryServe
test('the Open Inference Protocol v2, on a real ferry serve', { timeout: 600_000 }, async (suite) => {
  ferry = await startFerryServe(suite)
  await ferry.deployFolder(ferryPath('test', 'fixtures', 'packages', 'oip-tensors'))
  await ferry.deployFolder(ferryPath('test', 'fixtures', 'packages', 'oip-native'))
  await ferry.deployFolder(ferryPath('examples', 'digits'))
  for (const [name, fn] of cases) await suite.test(name, fn)
})

async function infer(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${ferry.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) })
  return { status: res.status, body: await res.json() as Record<string, unknown> }
}

async function lastSeen(): Promise<unknown> {
  return (await fetch(`${ferry.url}/models/mymodel/seen`)).json()
}

oipCase('health, server metadata, model metadata and readiness', async () => {
  assert.deepEqual(await (await fetch(`${ferry.url}/v2/health/live`)).json(), { live: true })
  assert.equal((await fetch(`${ferry.url}/v2/health/ready`)).status, 200)
  const server = await (await fetch(`${ferry.url}/v2`)).json() as { name: string; version: string; extensions: string[] }
  assert.equal(server.name, 'ferry')
  assert.match(server.version, /^\d+\.\d+\.\d+/)
  assert.ok(Array.isArray(server.extensions))
  const metadata = await (await fetch(`${ferry.url}/v2/models/mymodel`)).json()
  assert.deepEqual(metadata, {
    name: 'mymodel', versions: ['1.0.0'], platform: 'node',
    inputs: [{ name: 'input0', datatype: 'UINT32', shape: [2, 2] }, { name: 'input1', datatype: 'BOOL', shape: [3] }, { name: 'scale', datatype: 'FP32', shape: [1] }],
    outputs: [{ name: 'output0', datatype: 'FP32', shape: [3, 2] }],
  })
  assert.deepEqual(await (await fetch(`${ferry.url}/v2/models/mymodel/versions/1.0.0`)).json(), metadata)
  assert.deepEqual(await (await fetch(`${ferry.url}/v2/models/mymodel/versions/1.0.0/ready`)).json(), { name: 'mymodel', ready: true })
  const unknown = await fetch(`${ferry.url}/v2/models/ghost`)
  assert.equal(unknown.status, 404)
  assert.equal((await unknown.json() as { code: string }).code, 'E_MODEL_NOT_FOUND')
  const unknownVersion = await fetch(`${ferry.url}/v2/models/mymodel/versions/9.9.9/ready`)
  assert.equal(unknownVersion.status, 404)
  assert.equal(typeof (await unknownVersion.json() as { error: unknown }).error, 'string')
})

oipCase("the specification's inference request: input1's shape [3] does not match its one value (400, tensor named)", async () => {
  // Verbatim from the protocol's "Inference Request Examples": input1 says shape [3] with one value.
  const spec = { id: '42', inputs: [{ name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] }, { name: 'input1', shape: [3], datatype: 'BOOL', data: [true] }], outputs: [{ name: 'output0' }] }
  const refused = await infer('/v2/models/mymodel/infer', spec)
  assert.equal(refused.status, 400)
  assert.deepEqual(refused.body, { error: 'input "input1": shape [3] holds 3 values, and data has 1', code: 'E_OIP_SHAPE_INVALID' })
})

oipCase("a consistent request gets the specification's response: output0 FP32 [3, 2]", async () => {
  const request = { id: '42', inputs: [{ name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [[1, 2], [3, 4]] }, { name: 'input1', shape: [3], datatype: 'BOOL', data: [true, false, true] }], outputs: [{ name: 'output0' }] }
  const answer = await infer('/v2/models/mymodel/infer', request)
  assert.equal(answer.status, 200)
  assert.deepEqual(answer.body, { model_name: 'mymodel', model_version: '1.0.0', id: '42', outputs: [{ name: 'output0', shape: [3, 2], datatype: 'FP32', data: [1.0, 1.1, 2.0, 2.1, 3.0, 3.1] }] })
  // Nested data arrives flat, row-major, as the endpoint's JSON body.
  assert.deepEqual(await lastSeen(), { body: { input0: [1, 2, 3, 4], input1: [true, false, true] }, contentType: 'application/json', query: '' })
  const versioned = await infer('/v2/models/mymodel/versions/1.0.0/infer', { inputs: [...request.inputs, { name: 'scale', shape: [1], datatype: 'FP32', data: [2] }] })
  assert.deepEqual((versioned.body.outputs as Array<{ data: number[] }>)[0]!.data, [2, 2.2, 4, 4.2, 6, 6.2])
  assert.equal(versioned.body.id, undefined, 'no id asked, none answered')
})

oipCase('every bad tensor is a 400 naming it, and the model is not called', async () => {
  const good = [{ name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] }, { name: 'input1', shape: [3], datatype: 'BOOL', data: [true, false, true] }]
  await infer('/v2/models/mymodel/infer', { inputs: good })
  const before = await lastSeen()
  const bad: Array<[unknown, string, RegExp]> = [
    [{ inputs: [good[0], { ...good[1], datatype: 'BOOL8' }] }, 'E_OIP_DATATYPE_INVALID', /input "input1": unknown datatype "BOOL8"/],
    [{ inputs: [{ ...good[0], datatype: 'FP32' }, good[1]] }, 'E_OIP_DATATYPE_INVALID', /input "input0" is UINT32, not FP32/],
    [{ inputs: [{ ...good[0], shape: [4, 1] }, good[1]] }, 'E_OIP_SHAPE_INVALID', /input "input0" has shape \[2, 2\], not \[4, 1\]/],
    [{ inputs: [{ ...good[0], shape: [2, 3] }, good[1]] }, 'E_OIP_SHAPE_INVALID', /input "input0": shape \[2, 3\] holds 6 values, and data has 4/],
    [{ inputs: [{ ...good[0], data: [1, 2, 3, -4] }, good[1]] }, 'E_OIP_DATA_INVALID', /input "input0": data\[3\] = -4 is outside UINT32's range/],
    [{ inputs: [{ ...good[0], data: [1, 2, 3, 4.5] }, good[1]] }, 'E_OIP_DATA_INVALID', /data\[3\] = 4\.5 is not a whole number/],
    [{ inputs: [good[0], { ...good[1], data: [1, 0, 1] }] }, 'E_OIP_DATA_INVALID', /input "input1": data\[0\] = 1 is not true or false/],
    [{ inputs: [good[0]] }, 'E_OIP_INPUT_MISSING', /missing input "input1"/],
    [{ inputs: [...good, { name: 'input2', shape: [1], datatype: 'FP32', data: [1] }] }, 'E_OIP_INPUT_UNKNOWN', /no input "input2"; the inputs are input0, input1, scale/],
    [{ inputs: good, outputs: [{ name: 'output9' }] }, 'E_OIP_OUTPUT_UNKNOWN', /no output "output9"/],
    [{ inputs: 'nope' }, 'E_OIP_REQUEST_INVALID', /"inputs" must be an array/],
    [{ inputs: [{ name: 'input0', shape: [4], datatype: 'UINT32' }] }, 'E_OIP_REQUEST_INVALID', /input "input0" has no "data" array/],
    ['{"inputs": [', 'E_OIP_REQUEST_INVALID', /not valid JSON/],
  ]
  for (const [body, code, message] of bad) {
    const answer = await infer('/v2/models/mymodel/infer', body)
    assert.equal(answer.status, 400, JSON.stringify(body))
    assert.equal(answer.body.code, code, JSON.stringify(answer.body))
    assert.match(String(answer.body.error), message)
  }
  assert.deepEqual(await lastSeen(), before, 'no bad request reached the model')
  // The model's own refusal is passed on as a 400 in OIP's form, with its message.
  const refused = await infer('/v2/models/mymodel/infer', { inputs: [{ ...good[0], data: [1, 13, 3, 4] }, good[1]] })
  assert.equal(refused.status, 400)
  assert.deepEqual(refused.body, { error: 'mymodel answered 400: E_UNLUCKY: input0 may not hold 13', code: 'E_PROTOCOL_MODEL_ERROR' })
})

oipCase('digits end to end: 8x8 FP32 pixels in; digit, scores and their labels out; in the prediction history', async () => {
  const metadata = await (await fetch(`${ferry.url}/v2/models/digits`)).json() as { inputs: unknown[]; outputs: Array<{ name: string }> }
  assert.deepEqual(metadata.inputs, [{ name: 'pixels', datatype: 'FP32', shape: [8, 8] }])
  assert.deepEqual(metadata.outputs.map((o) => o.name), ['digit', 'scores', 'pixels'])
  const { pixels } = JSON.parse(await readFile(ferryPath('examples', 'digits', 'samples', 'pixels-9.json'), 'utf8')) as { pixels: number[] }
  const rows = Array.from({ length: 8 }, (_, i) => pixels.slice(i * 8, i * 8 + 8))
  const answer = await infer('/v2/models/digits/infer', { id: 'nine', inputs: [{ name: 'pixels', shape: [1, 8, 8], datatype: 'FP32', data: rows }] })
  assert.equal(answer.status, 200, JSON.stringify(answer.body))
  const outputs = answer.body.outputs as Array<{ name: string; datatype: string; shape: number[]; data: unknown[] }>
  assert.deepEqual(outputs.map((o) => [o.name, o.datatype, o.shape]), [['digit', 'INT64', [1]], ['scores', 'FP32', [10]], ['scores_labels', 'BYTES', [10]]])
  assert.deepEqual(outputs[0]!.data, [9])
  assert.deepEqual(outputs[2]!.data, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
  const history = await (await ferry.api('/api/requests?model=digits&limit=5')).json() as { requests: Array<{ path: string; status: number }> }
  assert.equal(history.requests[0]!.path, '/models/digits@latest/predict')
  const wrong = await infer('/v2/models/digits/infer', { inputs: [{ name: 'pixels', shape: [64], datatype: 'FP32', data: pixels }] })
  assert.equal(wrong.status, 400)
  assert.match(String(wrong.body.error), /input "pixels" has shape \[8, 8\], not \[64\]/)
})

oipCase('a model that speaks OIP itself is passed through, at the version asked for', async () => {
  const metadata = await (await fetch(`${ferry.url}/v2/models/native`)).json() as { platform: string }
  assert.equal(metadata.platform, 'hand-written')
  const answer = await infer('/v2/models/native/versions/2.0.0/infer', { id: 'x', inputs: [{ name: 'x', shape: [3], datatype: 'FP32', data: [1, 2, 3.5] }] })
  assert.equal(answer.status, 200)
  assert.deepEqual(answer.body, { model_name: 'native', model_version: '7', id: 'x', parameters: { 'served-by': 'native' }, outputs: [{ name: 'sum', datatype: 'FP32', shape: [1], data: [6.5] }] })
  const refused = await infer('/v2/models/native/infer', { inputs: [] })
  assert.equal(refused.status, 400)
  assert.deepEqual(refused.body, { error: 'native needs input x' })
  // The Gradio bridge does not pretend a native OIP model is something else.
  const gradio = await fetch(`${ferry.url}/gradio/native/config`)
  assert.equal(gradio.status, 404)
  assert.equal((await gradio.json() as { code: string }).code, 'E_PROTOCOL_UNSUPPORTED')
})

oipCase('ferry infer: tensors named in the metadata, shapes filled in; a refused request exits 1 with its code', async () => {
  const samples = ferryPath('examples', 'digits', 'samples')
  const ok = await runFerry(['infer', 'digits', '--input', 'pixels=@pixels-4.json', '--id', 'cli', '--gateway', ferry.url, '--json'], { cwd: samples })
  assert.equal(ok.code, 0, ok.stderr)
  const result = JSON.parse(ok.stdout) as { id: string; outputs: Array<{ name: string; data: unknown[] }> }
  assert.equal(result.id, 'cli')
  assert.deepEqual(result.outputs.find((o) => o.name === 'digit')!.data, [4])
  const human = await runFerry(['infer', 'mymodel@1.0.0', '-i', 'input0=[[1,2],[3,4]]', '-i', 'input1=[true,false,true]', '--gateway', ferry.url])
  assert.equal(human.code, 0, human.stderr)
  assert.match(human.stdout, /^mymodel@1\.0\.0\n  output0  FP32 \[3, 2\]  \[1,1\.1,2,2\.1,3,3\.1\]\n$/)
  const refused = await runFerry(['infer', 'digits', '--input', 'pixels=[1,2]', '--gateway', ferry.url])
  assert.equal(refused.code, 1)
  assert.match(refused.stderr, /E_OIP_SHAPE_INVALID/)
  const unknown = await runFerry(['infer', 'digits', '--input', 'pixel=[1]', '--gateway', ferry.url])
  assert.equal(unknown.code, 2, 'a usage error')
  assert.match(unknown.stderr, /its inputs are pixels \(FP32 \[8, 8\]\)/)
})
