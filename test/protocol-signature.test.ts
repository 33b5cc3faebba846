/**
 * The descriptor read as protocol fields, in process: every example's descriptor (hints or none)
 * gives sensible Gradio components and OIP tensors; every OIP datatype takes exactly its values;
 * requests are built in the body form each endpoint expects.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import type { Descriptor } from '../descriptors/descriptor.js'
import { buildGradioApp } from '../gateway/protocols/gradio/_app-config.js'
import { buildModelRequest } from '../gateway/protocols/model-request.js'
import { checkValue, DATATYPES } from '../gateway/protocols/oip/_datatypes.js'
import { inputMetadata, outputMetadata, readInputTensors } from '../gateway/protocols/oip/_tensors.js'
import { describeModel } from '../gateway/protocols/signature.js'
import { ferryPath } from '../packager/repo-root.js'

const descriptorOf = (name: string) => JSON.parse(readFileSync(ferryPath('examples', name, 'descriptor.json'), 'utf8')) as Descriptor

test('each example descriptor as Gradio components and OIP tensors', () => {
  const expected: Record<string, { components: string[]; inputs: string[]; outputs: string[] }> = {
    digits: { components: ['json', 'label', 'json', 'button', 'image', 'label', 'json', 'button'], inputs: ['pixels FP32 [8,8]'], outputs: ['digit INT64 [1]', 'scores FP32 [10]', 'pixels INT32 [8,8]'] },
    ocr: { components: ['image', 'checkbox', 'json', 'button'], inputs: ['image BYTES [1]', 'highlight BOOL [1]'], outputs: ['text BYTES [1]', 'words BYTES [-1]', 'meanConfidence FP64 [1]', 'durationMs FP64 [1]', 'highlight BYTES [1]', 'pages BYTES [-1]'] },
    'doc-classifier': { components: ['textbox', 'label', 'json', 'button'], inputs: ['text BYTES [1]'], outputs: ['label BYTES [1]', 'confidence FP64 [1]', 'scores FP64 [-1]', 'scores_labels BYTES [-1]'] },
    // No hints at all: defaults from the JSON Schema alone.
    'python-app': { components: ['textbox', 'json', 'button'], inputs: ['text BYTES [1]'], outputs: ['language_guess BYTES [1]', 'characters INT64 [1]', 'words INT64 [1]', 'sentences INT64 [1]', 'syllables INT64 [1]', 'avg_word_length FP64 [1]', 'readability FP64 [1]', 'top_words BYTES [-1]'] },
    echo: { components: ['json', 'json', 'button'], inputs: ['body BYTES [1]'], outputs: ['echo BYTES [1]'] },
  }
  for (const [name, want] of Object.entries(expected)) {
    const descriptor = descriptorOf(name)
    const app = buildGradioApp(descriptor, '1.0.0')
    assert.deepEqual(app.config.components.map((c) => c.type), want.components, name)
    const primary = describeModel(descriptor).primary!
    const show = (t: { name: string; datatype: string; shape: number[] }) => `${t.name} ${t.datatype} [${t.shape.join(',')}]`
    assert.deepEqual(inputMetadata(primary).map(show), want.inputs, name)
    assert.deepEqual(outputMetadata(primary).map(show), want.outputs, name)
  }
})

test('every OIP datatype takes exactly its values', () => {
  assert.equal(DATATYPES.length, 13)
  const cases: Array<[typeof DATATYPES[number], unknown[], unknown[]]> = [
    ['BOOL', [true, false], [0, 1, 'true', null]],
    ['UINT8', [0, 255], [-1, 256, 1.5, '1']],
    ['UINT16', [0, 65535], [65536, -1]],
    ['UINT32', [0, 4294967295], [4294967296, -1]],
    ['UINT64', [0, Number.MAX_SAFE_INTEGER], [-1, 0.5]],
    ['INT8', [-128, 127], [-129, 128]],
    ['INT16', [-32768, 32767], [-32769, 32768]],
    ['INT32', [-2147483648, 2147483647], [-2147483649, 2147483648]],
    ['INT64', [Number.MIN_SAFE_INTEGER, 0, Number.MAX_SAFE_INTEGER], [1.5, true]],
    ['FP16', [0, -65504, 0.5], [65505, Infinity]],
    ['FP32', [1e38, -0.1], [1e39, NaN, '1']],
    ['FP64', [1e300, -5e-324], [Infinity, null]],
    ['BYTES', ['', 'text'], [1, true, null]],
  ]
  for (const [datatype, good, bad] of cases) {
    for (const value of good) assert.equal(checkValue(datatype, value), undefined, `${datatype} takes ${String(value)}`)
    for (const value of bad) assert.notEqual(checkValue(datatype, value), undefined, `${datatype} refuses ${String(value)}`)
  }
})

test('requests in the body form each endpoint expects', () => {
  const ocr = describeModel(descriptorOf('ocr')).primary!
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2])
  const values = readInputTensors(ocr, [{ name: 'image', shape: [1], datatype: 'BYTES', data: [png.toString('base64')] }], { highlight: true })
  const request = buildModelRequest(ocr, values)
  assert.equal(request.path, '/recognize?highlight=1')
  assert.equal(request.headers['content-type'], 'image/png', 'typed from its bytes')
  assert.deepEqual(request.body, png)
  const multipart = buildModelRequest({ ...ocr, body: 'multipart', endpoint: { ...ocr.endpoint, input: { contentType: 'multipart/form-data', fileField: 'image' } } }, new Map([['image', { bytes: png, contentType: 'image/png', name: 'a.png' }]]))
  assert.match(multipart.headers['content-type']!, /^multipart\/form-data; boundary=/)
  assert.match(multipart.body!.toString('latin1'), /content-disposition: form-data; name="image"; filename="a\.png"\r\ncontent-type: image\/png\r\n\r\n/)
  const digits = describeModel(descriptorOf('digits')).primary!
  const pixels = Array.from({ length: 64 }, (_, i) => i % 17)
  const nested = readInputTensors(digits, [{ name: 'pixels', shape: [8, 8], datatype: 'FP32', data: Array.from({ length: 8 }, (_, r) => pixels.slice(r * 8, r * 8 + 8)) }], {})
  assert.deepEqual(JSON.parse(buildModelRequest(digits, nested).body!.toString()), { pixels })
})
