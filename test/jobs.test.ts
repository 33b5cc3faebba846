/**
 * Batch jobs against a real `ferry serve` with examples/echo deployed: JSON inputs and a zip of
 * files fed through POST /models/echo/predict, results as JSON lines, progress with failures and
 * their inputs, the CLI (`ferry job submit --wait`, `status`, `results`), and every bad submit
 * refused with its code, leaving no job and no file behind.
 */
import assert from 'node:assert/strict'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { makeTempDir, runFerry } from './_helpers.js'
import { startFerryServe, type FerryServe } from './_serve-helpers.js'
import { encodeZip } from './_zip-writer.js'

interface Job { id: number; status: string; total: number; done: number; succeeded: number; failed: number; kind: string; endpoint: string; rate: number | null; etaSeconds: number | null; failures: Array<{ index: number; input: unknown; status: number | null; error: { code: string } }> }
interface Result { seq: number; index: number; ok: boolean; status: number | null; output: unknown; error: { code: string; message: string } | null; name: string | null; input?: unknown; version: string | null }

async function waitForEnd(ferry: FerryServe, id: number): Promise<Job> {
  for (let i = 0; i < 600; i++) {
    const job = (await (await ferry.api(`/api/jobs/${id}`)).json()) as Job
    if (job.status !== 'running') return job
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`job ${id} did not end`)
}

async function readResults(ferry: FerryServe, id: number): Promise<{ status: string | null; results: Result[] }> {
  const res = await ferry.api(`/api/jobs/${id}/results`)
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/)
  const text = await res.text()
  return { status: res.headers.get('x-ferry-job-status'), results: text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Result) }
}

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

test('a job of JSON inputs and a job of zipped files run through echo; results and failures are kept with their inputs', { timeout: 180_000 }, async (t) => {
  const ferry = await startFerryServe(t, { args: ['--sandbox', 'none'] })
  await ferry.deployFolder(ferryPath('examples', 'echo'))

  const inputs = Array.from({ length: 25 }, (_, i) => ({ n: i, text: `document ${i}` }))
  const submitted = await ferry.api('/api/jobs', json({ model: 'echo', endpoint: '/predict', inputs, concurrency: 3 }))
  assert.equal(submitted.status, 201)
  const job = (await submitted.json()) as Job
  assert.equal(job.total, 25)
  const ended = await waitForEnd(ferry, job.id)
  assert.deepEqual({ status: ended.status, done: ended.done, succeeded: ended.succeeded, failed: ended.failed }, { status: 'finished', done: 25, succeeded: 25, failed: 0 })
  assert.ok(ended.rate !== null && ended.rate > 0, 'a finished job has its rate')
  const { status, results } = await readResults(ferry, job.id)
  assert.equal(status, 'finished')
  assert.deepEqual(results.map((r) => r.index).sort((a, b) => a - b), inputs.map((_, i) => i), 'one result per input')
  for (const r of results) assert.deepEqual(r.output, { echo: inputs[r.index] }, `input ${r.index} got its own answer`)
  assert.equal(results[0]!.version, 'echo@1.0.0')

  // A zip: each file is sent as the body with its content type; echo takes JSON only, so the text file fails.
  const zip = encodeZip([
    { name: 'docs/a.json', data: Buffer.from('{"page":1}') },
    { name: 'docs/b.json', data: Buffer.from('{"page":2}'), method: 8 },
    { name: 'docs/', mode: 0o40755 },
    { name: 'docs/notes.txt', data: Buffer.from('plain text') },
  ])
  const zipped = await ferry.api('/api/jobs?model=echo&endpoint=predict', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: zip })
  assert.equal(zipped.status, 201, await zipped.clone().text())
  const zipJob = await waitForEnd(ferry, ((await zipped.json()) as Job).id)
  assert.deepEqual({ kind: zipJob.kind, total: zipJob.total, succeeded: zipJob.succeeded, failed: zipJob.failed, endpoint: zipJob.endpoint }, { kind: 'files', total: 3, succeeded: 2, failed: 1, endpoint: '/predict' })
  assert.deepEqual(zipJob.failures.map((f) => ({ index: f.index, input: f.input, status: f.status, code: f.error.code })), [{ index: 2, input: 'docs/notes.txt', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' }], 'the failure names its input')
  const zipResults = (await readResults(ferry, zipJob.id)).results.sort((a, b) => a.index - b.index)
  assert.deepEqual(zipResults.map((r) => [r.name, r.ok, r.output]), [['docs/a.json', true, { echo: { page: 1 } }], ['docs/b.json', true, { echo: { page: 2 } }], ['docs/notes.txt', false, { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send application/json' } }]])
  assert.equal(zipResults[2]!.input, 'docs/notes.txt')
  assert.deepEqual(await readdir(join(ferry.dataDir, 'jobs', String(zipJob.id))), ['0', '1', '2'], 'the inputs are kept on disk')

  // Removing the job removes its files; it is then gone.
  assert.equal((await ferry.api(`/api/jobs/${zipJob.id}`, { method: 'DELETE' })).status, 204)
  assert.deepEqual(await readdir(join(ferry.dataDir, 'jobs')), [])
  const gone = await ferry.api(`/api/jobs/${zipJob.id}`)
  assert.equal(gone.status, 404)
  assert.equal(((await gone.json()) as { error: { code: string } }).error.code, 'E_JOB_NOT_FOUND')
})

test('ferry job submit --wait, status, results: the CLI over the same API', { timeout: 180_000 }, async (t) => {
  const ferry = await startFerryServe(t, { args: ['--sandbox', 'none'] })
  await ferry.deployFolder(ferryPath('examples', 'echo'))
  const dir = await makeTempDir(t, 'ferry-job-cli-')
  await writeFile(join(dir, 'inputs.jsonl'), '{"q":"one"}\n{"q":"two"}\n\n{"q":"three"}\n')
  const client = ['--gateway', ferry.url, '--token', ferry.token]
  const submit = await runFerry(['job', 'submit', 'echo', '/predict', '--inputs', 'inputs.jsonl', '--wait', '--json', ...client], { cwd: dir })
  assert.equal(submit.code, 0, submit.stderr)
  const job = JSON.parse(submit.stdout) as Job
  assert.deepEqual({ status: job.status, done: job.done, total: job.total }, { status: 'finished', done: 3, total: 3 }, '--wait returns once the job has ended')

  const status = await runFerry(['job', 'status', String(job.id), ...client])
  assert.equal(status.code, 0, status.stderr)
  assert.match(status.stdout, new RegExp(`job ${job.id}  echo POST /predict  finished  3/3 done \\(3 ok, 0 failed\\)`))
  const list = await runFerry(['job', 'status', '--json', ...client])
  assert.deepEqual((JSON.parse(list.stdout) as Job[]).map((j) => j.id), [job.id])
  const usage = await runFerry(['job', 'submit', 'echo', '/predict', ...client], { cwd: dir })
  assert.equal(usage.code, 2, 'no inputs given is a usage error')
  assert.match(usage.stderr, /--inputs FILE .* or --zip FILE/)

  const results = await runFerry(['job', 'results', String(job.id), ...client])
  assert.equal(results.code, 0, results.stderr)
  const lines = results.stdout.trim().split('\n').map((l) => JSON.parse(l) as Result)
  assert.deepEqual(lines.map((r) => r.output).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))), [{ echo: { q: 'one' } }, { echo: { q: 'three' } }, { echo: { q: 'two' } }])

  await writeFile(join(dir, 'pages.zip'), encodeZip([{ name: 'p1.json', data: Buffer.from('{"p":1}') }, { name: 'p2.json', data: Buffer.from('{"p":2}') }]))
  const zipped = await runFerry(['job', 'submit', 'echo', 'predict', '--zip', 'pages.zip', '--concurrency', '2', '--wait', ...client], { cwd: dir })
  assert.equal(zipped.code, 0, zipped.stderr)
  assert.match(zipped.stdout, /echo POST \/predict {2}finished {2}2\/2 done \(2 ok, 0 failed\)/)

  const cancel = await runFerry(['job', 'cancel', String(job.id), ...client])
  assert.equal(cancel.code, 1)
  assert.match(cancel.stderr, /E_JOB_FINISHED/)
  const missing = await runFerry(['job', 'results', '999', ...client])
  assert.equal(missing.code, 1)
  assert.match(missing.stderr, /E_JOB_NOT_FOUND/)
})

test('bad submits are refused with their code and leave no job and no file behind', { timeout: 180_000 }, async (t) => {
  const ferry = await startFerryServe(t, { args: ['--sandbox', 'none'], env: { FERRY_JOB_MAX_INPUTS: '5', FERRY_JOB_MAX_INPUT_BYTES: '1024' } })
  await ferry.deployFolder(ferryPath('examples', 'echo'))
  const refused = async (init: RequestInit, path = '/api/jobs') => {
    const res = await ferry.api(path, init)
    const body = (await res.json()) as { error: { code: string; path?: string; details?: Record<string, unknown> } }
    return { status: res.status, code: body.error?.code, path: body.error?.path, details: body.error?.details }
  }
  const zip = (entries: Parameters<typeof encodeZip>[0]) => ({ method: 'POST', headers: { 'content-type': 'application/zip' }, body: encodeZip(entries) })
  const cases: Array<[string, RequestInit, { status: number; code: string; path?: string }, string?]> = [
    ['no inputs', json({ model: 'echo', endpoint: '/predict', inputs: [] }), { status: 400, code: 'E_JOB_INPUTS_EMPTY', path: '/inputs' }],
    ['over the limit', json({ model: 'echo', endpoint: '/predict', inputs: [1, 2, 3, 4, 5, 6] }), { status: 413, code: 'E_JOB_TOO_MANY_INPUTS', path: '/inputs' }],
    ['an unknown model', json({ model: 'ghost', endpoint: '/predict', inputs: [1] }), { status: 404, code: 'E_MODEL_NOT_FOUND' }],
    ['an unknown version', json({ model: 'echo@9.9.9', endpoint: '/predict', inputs: [1] }), { status: 404, code: 'E_VERSION_NOT_FOUND' }],
    ['an unknown endpoint', json({ model: 'echo', endpoint: '/classify', inputs: [1] }), { status: 404, code: 'E_JOB_ENDPOINT_UNKNOWN', path: '/endpoint' }],
    ['inputs that are not an array', json({ model: 'echo', endpoint: '/predict', inputs: { a: 1 } }), { status: 400, code: 'E_BODY_INVALID', path: '/inputs' }],
    ['a concurrency over the limit', json({ model: 'echo', endpoint: '/predict', inputs: [1], concurrency: 1000 }), { status: 400, code: 'E_BODY_INVALID', path: '/concurrency' }],
    ['a body that is not JSON', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":' }, { status: 400, code: 'E_BODY_INVALID_JSON' }],
    ['another content type', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }, { status: 415, code: 'E_UNSUPPORTED_MEDIA_TYPE' }],
    ['a zip that is not a zip', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: 'PK not really' }, { status: 400, code: 'E_JOB_ZIP_INVALID' }, '?model=echo&endpoint=/predict'],
    ['an empty zip', zip([{ name: 'empty/', mode: 0o40755 }]), { status: 400, code: 'E_JOB_INPUTS_EMPTY' }, '?model=echo&endpoint=/predict'],
    ['a zip of too many files', zip(Array.from({ length: 6 }, (_, i) => ({ name: `${i}.json`, data: Buffer.from('1') }))), { status: 413, code: 'E_JOB_TOO_MANY_INPUTS' }, '?model=echo&endpoint=/predict'],
    ['a zip with an encrypted entry', zip([{ name: 'a.json', data: Buffer.from('1') }, { name: 'b.json', data: Buffer.from('2'), flags: 1 }]), { status: 400, code: 'E_JOB_ZIP_INVALID' }, '?model=echo&endpoint=/predict'],
    ['a zip with a file over the limit per input', zip([{ name: 'a.json', data: Buffer.from('1') }, { name: 'big.json', data: Buffer.alloc(2048, 0x20), method: 8 }]), { status: 400, code: 'E_JOB_ZIP_INVALID' }, '?model=echo&endpoint=/predict'],
    ['a zip whose entry lies about its size', zip([{ name: 'a.json', data: Buffer.alloc(4096, 0x20), method: 8, declaredSize: 10 }]), { status: 400, code: 'E_JOB_ZIP_INVALID' }, '?model=echo&endpoint=/predict'],
    ['a zip without its model', zip([{ name: 'a.json', data: Buffer.from('1') }]), { status: 400, code: 'E_BODY_INVALID', path: '/model' }, '?endpoint=/predict'],
  ]
  for (const [what, init, expected, query] of cases) {
    const got = await refused(init, `/api/jobs${query ?? ''}`)
    assert.deepEqual({ status: got.status, code: got.code, ...(expected.path ? { path: got.path } : {}) }, expected, what)
  }
  assert.deepEqual((await refused({ method: 'GET' }, '/api/jobs/12345')).code, 'E_JOB_NOT_FOUND')
  // A model that requires an inference token: a job carries none, so it is refused up front.
  assert.equal((await ferry.api('/api/models/echo/token', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'an-inference-token-of-echo' }) })).status, 200)
  assert.deepEqual(await refused(json({ model: 'echo', endpoint: '/predict', inputs: [1] })), { status: 409, code: 'E_JOB_MODEL_TOKEN_UNSUPPORTED', path: '/model', details: { name: 'echo' } })
  assert.deepEqual(await (await ferry.api('/api/jobs')).json(), [], 'no job was created')
  assert.deepEqual(await readdir(join(ferry.dataDir, 'jobs')), [], 'no upload or unpacked file was left')
})
