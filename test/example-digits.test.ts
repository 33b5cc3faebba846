/**
 * examples/digits end to end: its training script reproduces the shipped weights and reaches 95 %
 * on the held-out rows; deployed on a real `ferry serve`, the served model classifies those rows
 * and the sample images through the gateway as well, refuses each kind of bad input with its own
 * status and code, and appears in the gateway's merged OpenAPI document.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, test } from 'node:test'
import { promisify } from 'node:util'
import { PNG } from 'pngjs'
import { ferryPath } from '../packager/repo-root.js'
import { startFerryServe } from './_serve-helpers.js'

const run = promisify(execFile)
const DIGITS = ferryPath('examples', 'digits')
const MIN_ACCURACY = 0.95

interface HeldOutRow { pixels: number[]; label: number; index: number }
interface TrainingReport { heldOutAccuracy: number; heldOutRows: number; trainRows: number; weights: string }
interface Prediction { digit: number; scores: number[]; pixels?: number[] }

/** One training run into a temporary folder, shared by both tests: its report, weights and held-out rows. */
let training: Promise<{ report: TrainingReport; stdout: string; weights: unknown; heldOut: HeldOutRow[] }> | undefined
function trainOnce(): NonNullable<typeof training> {
  training ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-digits-'))
    try {
      const { stdout } = await run(process.execPath, [join(DIGITS, 'build', 'train.js'), '--out', join(dir, 'weights.json'), '--held-out', join(dir, 'held-out.json')])
      return {
        stdout,
        report: JSON.parse(stdout) as TrainingReport,
        weights: JSON.parse(await readFile(join(dir, 'weights.json'), 'utf8')) as unknown,
        heldOut: JSON.parse(await readFile(join(dir, 'held-out.json'), 'utf8')) as HeldOutRow[],
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })()
  return training
}

/** Runs `task` over `items`, `limit` at a time, keeping the order of the results. */
async function mapConcurrently<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      results[i] = await task(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: limit }, worker))
  return results
}

function encodePng(width: number, height: number, gray: (x: number, y: number) => number): Buffer {
  const png = new PNG({ width, height })
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) png.data.set([gray(x, y), gray(x, y), gray(x, y), 255], (y * width + x) * 4)
  return PNG.sync.write(png)
}

// The example is TypeScript: make sure build/ is current (a no-op when the root build did it).
before(async () => {
  await run(process.execPath, [ferryPath('node_modules', 'typescript', 'bin', 'tsc'), '-b', DIGITS])
})

test('digits training prints its held-out accuracy (>= 0.95) and reproduces the shipped weights', async () => {
  const { report, stdout, weights, heldOut } = await trainOnce()
  assert.match(stdout, /"heldOutAccuracy":0\.\d+/)
  assert.ok(report.heldOutAccuracy >= MIN_ACCURACY, `held-out accuracy ${report.heldOutAccuracy} < ${MIN_ACCURACY}`)
  assert.equal(report.heldOutRows, heldOut.length)
  assert.equal(report.trainRows + report.heldOutRows, 1797)
  assert.deepEqual(new Set(heldOut.map((row) => row.label)), new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
  const shipped = JSON.parse(await readFile(join(DIGITS, 'model', 'weights.json'), 'utf8')) as unknown
  assert.deepEqual(weights, shipped, 'model/weights.json is not what the training script produces; run node examples/digits/build/train.js')
})

test('digits served by ferry: held-out accuracy, sample images, bad inputs, merged OpenAPI', async (t) => {
  const { heldOut } = await trainOnce()
  const ferry = await startFerryServe(t)
  const instance = await ferry.deployFolder(DIGITS)
  assert.equal(instance.state, 'ready')
  // `ferry deploy --json` reports the version as `ref` (name@version).
  assert.equal(instance['ref'], 'digits@1.0.0')
  const predictUrl = `${ferry.url}/models/digits/predict`
  const post = (body: Buffer | string, contentType?: string): Promise<Response> =>
    fetch(predictUrl, { method: 'POST', body, headers: contentType ? { 'content-type': contentType } : {} })

  // The whole held-out split through the gateway.
  const predictions = await mapConcurrently(heldOut, 8, async (row) => {
    const res = await post(JSON.stringify({ pixels: row.pixels }), 'application/json')
    assert.equal(res.status, 200)
    return (await res.json()) as Prediction
  })
  for (const p of predictions) {
    assert.equal(p.scores.length, 10)
    assert.ok(Math.abs(p.scores.reduce((a, b) => a + b, 0) - 1) < 1e-4)
    assert.equal(p.digit, p.scores.indexOf(Math.max(...p.scores)))
  }
  const correct = predictions.filter((p, i) => p.digit === heldOut[i]!.label).length
  const servedAccuracy = correct / heldOut.length
  assert.ok(servedAccuracy >= MIN_ACCURACY, `served held-out accuracy ${servedAccuracy} < ${MIN_ACCURACY}`)
  const shipped = JSON.parse(await readFile(join(DIGITS, 'model', 'weights.json'), 'utf8')) as { training: { heldOutAccuracy: number } }
  assert.equal(Number(servedAccuracy.toFixed(4)), shipped.training.heldOutAccuracy, 'the served model scores what training measured')

  // Every sample: images named digit-<d>-…, JSON bodies named pixels-<d>.json.
  const samples = (await readdir(join(DIGITS, 'samples'))).sort()
  assert.ok(samples.filter((name) => name.endsWith('.png')).length >= 2)
  for (const name of samples) {
    const expected = Number(/^(?:digit|pixels)-(\d)/.exec(name)?.[1])
    const type = name.endsWith('.png') ? 'image/png' : name.endsWith('.jpg') ? 'image/jpeg' : 'application/json'
    const res = await post(await readFile(join(DIGITS, 'samples', name)), type)
    assert.equal(res.status, 200, name)
    const prediction = (await res.json()) as Prediction
    assert.equal(prediction.digit, expected, `${name} read as ${prediction.digit}`)
    if (type !== 'application/json') assert.equal(prediction.pixels?.length, 64, name)
  }

  // Each bad input: its status and stable code, with a message.
  const pixels = heldOut[0]!.pixels
  const png = await readFile(join(DIGITS, 'samples', 'digit-3-64x64.png'))
  const cases: Array<[string, Buffer | string, string | undefined, number, string]> = [
    ['63 pixels', JSON.stringify({ pixels: pixels.slice(1) }), 'application/json', 400, 'E_PIXELS_LENGTH'],
    ['a pixel of 17', JSON.stringify({ pixels: [17, ...pixels.slice(1)] }), 'application/json', 400, 'E_PIXELS_RANGE'],
    ['a negative pixel', JSON.stringify({ pixels: [-1, ...pixels.slice(1)] }), 'application/json', 400, 'E_PIXELS_RANGE'],
    ['a string pixel', JSON.stringify({ pixels: ['1', ...pixels.slice(1)] }), 'application/json', 400, 'E_PIXELS_TYPE'],
    ['no pixels field', JSON.stringify({ image: pixels }), 'application/json', 400, 'E_PIXELS_MISSING'],
    ['an extra field', JSON.stringify({ pixels, threshold: 1 }), 'application/json', 400, 'E_UNKNOWN_FIELD'],
    ['not JSON', '{"pixels": [1, 2', 'application/json', 400, 'E_NOT_JSON'],
    ['an empty JSON body', '', 'application/json', 400, 'E_EMPTY_BODY'],
    ['an empty image body', '', 'image/png', 400, 'E_EMPTY_BODY'],
    ['text sent as an image', 'this is not a picture', 'image/png', 400, 'E_NOT_IMAGE'],
    ['a truncated PNG', png.subarray(0, 60), 'image/png', 400, 'E_NOT_IMAGE'],
    ['a blank image', encodePng(40, 40, () => 255), 'image/png', 422, 'E_NO_INK'],
    ['an image 4097 pixels wide', encodePng(4097, 4, (x) => (x % 7 === 0 ? 0 : 255)), 'image/png', 413, 'E_IMAGE_TOO_LARGE'],
    ['an 11 MB body', Buffer.alloc(11 * 1024 * 1024), 'image/png', 413, 'E_BODY_TOO_LARGE'],
    ['text/plain', 'seven', 'text/plain', 415, 'E_UNSUPPORTED_MEDIA_TYPE'],
    ['no content-type', Buffer.from(JSON.stringify({ pixels })), undefined, 415, 'E_UNSUPPORTED_MEDIA_TYPE'],
  ]
  for (const [name, body, type, status, code] of cases) {
    const res = await post(body, type)
    const answer = (await res.json()) as { error?: { code?: string; message?: string } }
    assert.equal(res.status, status, `${name}: ${JSON.stringify(answer)}`)
    assert.equal(answer.error?.code, code, name)
    assert.ok((answer.error?.message ?? '').length > 10, `${name} has a message`)
  }

  // Health through the gateway, and the instance's own document merged into the gateway's.
  assert.equal(((await (await fetch(`${ferry.url}/models/digits/health`)).json()) as { status: string }).status, 'ready')
  const openApi = (await (await fetch(`${ferry.url}/openapi.json`)).json()) as { paths: Record<string, { post?: { requestBody?: { content?: Record<string, unknown> } } }> }
  for (const path of ['/models/digits/predict', '/models/digits@1.0.0/predict']) {
    assert.deepEqual(Object.keys(openApi.paths[path]?.post?.requestBody?.content ?? {}).sort(), ['application/json', 'image/jpeg', 'image/png'], path)
  }
  assert.ok(openApi.paths['/models/digits/health'], 'the health route is documented')
  assert.deepEqual(Object.keys(openApi.paths['/models/digits/predict/image']?.post?.requestBody?.content ?? {}).sort(), ['image/jpeg', 'image/png'])
  const three = await fetch(`${ferry.url}/models/digits/predict/image`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: await readFile(join(DIGITS, 'samples', 'digit-3-64x64.png')) })
  assert.equal(((await three.json()) as Prediction).digit, 3, 'POST /predict/image is /predict for images')
  assert.equal(await ferry.stop(), 0)
})
