/**
 * Inputs a hostile or careless client sends to /api/jobs and the time series, against a real
 * `ferry serve` with examples/echo: each is refused at submit with its code and the place at
 * fault, and leaves no job behind; what is accepted is kept inside the job's own folder.
 */
import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { resolveJobOptions } from '../gateway/jobs/job-options.js'
import { ferryPath } from '../packager/repo-root.js'
import { startFerryServe } from './_serve-helpers.js'
import { encodeZip } from './_zip-writer.js'

interface Failure { error: { code: string; message: string; path?: string; details?: Record<string, unknown> } }
const JSON_LIMIT = 64 * 1024
const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

test('a JSON job body has its own limit, 64 MiB by default, far below a zip\'s', () => {
  const options = resolveJobOptions({}, {})
  assert.equal(options.maxJsonBytes, 64 * 1024 * 1024)
  assert.ok(options.maxJsonBytes < options.maxJobBytes)
  assert.equal(resolveJobOptions({}, { FERRY_JOB_MAX_JSON_BYTES: '1000' }).maxJsonBytes, 1000)
  assert.throws(() => resolveJobOptions({}, { FERRY_JOB_MAX_JSON_BYTES: '0' }), /FERRY_JOB_MAX_JSON_BYTES/)
})

test('bad job submits and ids are refused with their codes and leave nothing; a repeated range is refused', { timeout: 180_000 }, async (t) => {
  const ferry = await startFerryServe(t, { args: ['--sandbox', 'none'], env: { FERRY_JOB_MAX_JSON_BYTES: String(JSON_LIMIT) } })
  await ferry.deployFolder(ferryPath('examples', 'echo'))
  const refused = async (res: Response, status: number, code: string): Promise<Failure['error']> => {
    const text = await res.text()
    assert.equal(res.status, status, text)
    const { error } = JSON.parse(text) as Failure
    assert.equal(error.code, code, text)
    return error
  }

  await t.test('"echo@" names no version: refused at submit, not failed on every input by the proxy', async () => {
    const error = await refused(await ferry.api('/api/jobs', json({ model: 'echo@', endpoint: '/predict', inputs: [1, 2] })), 400, 'E_BODY_INVALID')
    assert.equal(error.path, '/model')
    const zip = encodeZip([{ name: 'a.json', data: Buffer.from('{}') }])
    await refused(await ferry.api('/api/jobs?model=echo%40&endpoint=/predict', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: zip }), 400, 'E_BODY_INVALID')
  })

  await t.test('what the proxy would refuse on every input is refused at submit, naming the field', async () => {
    for (const [model, endpoint, path] of [['echo@1.0.0@x', '/predict', '/model'], ['echo', '/predict/%2e%2e', '/endpoint'], ['echo', '/a%2Fb', '/endpoint'], ['echo', '/%zz', '/endpoint']] as const) {
      const error = await refused(await ferry.api('/api/jobs', json({ model, endpoint, inputs: [1] })), 400, 'E_BODY_INVALID')
      assert.equal(error.path, path, `${model} ${endpoint}`)
      assert.match(error.message, /refused by the proxy/)
    }
  })

  await t.test('a JSON body over FERRY_JOB_MAX_JSON_BYTES is refused while it streams; a zip of that size is not', async () => {
    const inputs = Array.from({ length: 700 }, (_, i) => ({ text: `${i}`.padEnd(100, '.') }))
    const error = await refused(await ferry.api('/api/jobs', json({ model: 'echo', endpoint: '/predict', inputs })), 413, 'E_PAYLOAD_TOO_LARGE')
    assert.deepEqual(error.details, { limit: JSON_LIMIT, variable: 'FERRY_JOB_MAX_JSON_BYTES' })
    const zip = encodeZip(inputs.map((input, i) => ({ name: `${i}.json`, data: Buffer.from(JSON.stringify(input)) })))
    assert.ok(zip.length > JSON_LIMIT)
    const zipped = await ferry.api('/api/jobs?model=echo&endpoint=/predict', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: zip })
    assert.equal(zipped.status, 201, await zipped.clone().text())
    const id = ((await zipped.json()) as { id: number }).id
    let job = { status: 'running', succeeded: 0 }
    for (let i = 0; i < 1200 && job.status === 'running'; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100))
      job = (await (await ferry.api(`/api/jobs/${id}`)).json()) as typeof job
    }
    assert.deepEqual({ status: job.status, succeeded: job.succeeded }, { status: 'finished', succeeded: 700 })
    assert.equal((await ferry.api(`/api/jobs/${id}`, { method: 'DELETE' })).status, 204)
  })

  await t.test('names in a zip never become paths: "..", absolute and backslashed names stay inside the job\'s folder', async () => {
    const zip = encodeZip([
      { name: '../../../escape.json', data: Buffer.from('{"a":1}') },
      { name: '/etc/absolute.json', data: Buffer.from('{"b":2}') },
      { name: '..\\..\\windows.json', data: Buffer.from('{"c":3}') },
      { name: 'link.json', data: Buffer.from('/etc/passwd'), mode: 0o120777 },
    ])
    const res = await ferry.api('/api/jobs?model=echo&endpoint=/predict', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: zip })
    assert.equal(res.status, 201, await res.clone().text())
    const { id } = (await res.json()) as { id: number }
    assert.deepEqual((await readdir(join(ferry.dataDir, 'jobs', String(id)))).sort(), ['0', '1', '2', '3'])
    assert.ok(!(await readdir(ferry.dataDir)).includes('escape.json'))
    const results = (await (await ferry.api(`/api/jobs/${id}/results?follow=1`)).text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { name: string; ok: boolean; output: unknown })
    const link = results.find((r) => r.name === 'link.json')
    assert.equal(link?.ok, false, 'a symlink entry is sent as its own bytes (the target\'s name), not followed')
    assert.doesNotMatch(JSON.stringify(link?.output), /root:/)
  })

  await t.test('an input nested 20,000 deep is refused naming it, not a 500', async () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`
    const res = await ferry.api('/api/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"model":"echo","endpoint":"/predict","inputs":[1,${deep}]}` })
    const error = await refused(res, 400, 'E_BODY_INVALID')
    assert.equal(error.path, '/inputs/1')
  })

  await t.test('a zip whose directory lists more entries than a job may hold is refused from its count, before the directory is read', async () => {
    const zip = encodeZip([{ name: 'a.json', data: Buffer.from('{}') }, { name: 'b.json', data: Buffer.from('{}') }])
    // The end-of-central-directory record claims 60,000 entries (a real one would be a few MB of headers).
    const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
    zip.writeUInt16LE(60_000, eocd + 8)
    zip.writeUInt16LE(60_000, eocd + 10)
    const error = await refused(await ferry.api('/api/jobs?model=echo&endpoint=/predict', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: zip }), 413, 'E_JOB_TOO_MANY_INPUTS')
    assert.deepEqual(error.details, { entries: 60_000, limit: 10_000, maxEntries: 30_100 })
    // 5 files in 5 folders, with their resource forks, are still 5 inputs.
    const folders = encodeZip(Array.from({ length: 5 }, (_, i) => [
      { name: `d${i}/`, mode: 0o40755 },
      { name: `d${i}/f.json`, data: Buffer.from(`{"n":${i}}`) },
      { name: `__MACOSX/d${i}/._f.json`, data: Buffer.from('fork') },
    ]).flat())
    const accepted = await ferry.api('/api/jobs?model=echo&endpoint=/predict', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: folders })
    assert.equal(accepted.status, 201, await accepted.clone().text())
    const { id, total } = (await accepted.json()) as { id: number; total: number }
    assert.equal(total, 5)
    await (await ferry.api(`/api/jobs/${id}/results?follow=1`)).text()
    assert.equal((await ferry.api(`/api/jobs/${id}`, { method: 'DELETE' })).status, 204)
  })

  await t.test('ids that are not ids are named in the 404', async () => {
    for (const [method, path] of [['GET', '/api/jobs/abc'], ['GET', '/api/jobs/1.5/results'], ['POST', '/api/jobs/-1/cancel'], ['DELETE', '/api/jobs/1e3']] as const) {
      const error = await refused(await ferry.api(path, { method }), 404, 'E_JOB_NOT_FOUND')
      const raw = path.split('/')[3]
      assert.equal(error.details?.['id'], raw, `${method} ${path} names "${raw}"`)
      assert.match(error.message, new RegExp(`"${raw!.replace('.', '\\.')}" is not a job id`))
    }
    const error = await refused(await ferry.api('/api/jobs/424242/results'), 404, 'E_JOB_NOT_FOUND')
    assert.equal(error.details?.['id'], 424242)
  })

  await t.test('a zip job\'s model, endpoint or concurrency given twice is refused, in the query and in a form', async () => {
    const zip = encodeZip([{ name: 'a.json', data: Buffer.from('{}') }])
    const error = await refused(await ferry.api('/api/jobs?model=echo&model=ghost&endpoint=/predict', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: zip }), 400, 'E_QUERY_INVALID')
    assert.equal(error.details?.['parameter'], 'model')
    const form = new FormData()
    form.append('model', 'echo')
    form.append('endpoint', '/predict')
    form.append('endpoint', '/other')
    form.append('file', new Blob([zip], { type: 'application/zip' }), 'inputs.zip')
    const twice = await refused(await ferry.api('/api/jobs', { method: 'POST', body: form }), 400, 'E_BODY_INVALID')
    assert.equal(twice.path, '/endpoint')
    // Fields after the file are not read: the refusal says to send them first.
    const late = new FormData()
    late.append('file', new Blob([zip], { type: 'application/zip' }), 'inputs.zip')
    late.append('model', 'echo')
    const after = await refused(await ferry.api('/api/jobs', { method: 'POST', body: late }), 400, 'E_BODY_INVALID')
    assert.match(after.message, /before the file/)
  })

  await t.test('no refused submit left a job behind', async () => {
    const jobs = (await (await ferry.api('/api/jobs')).json()) as Array<{ model: string }>
    assert.deepEqual(jobs.map((j) => j.model), ['echo'], 'only the zip-names job is left')
  })

  await t.test('a repeated range is refused, not read as its first value', async () => {
    for (const path of ['/api/models/echo/timeseries?range=15m&range=24h', '/api/timeseries?range=1h&range=1h']) {
      const error = await refused(await ferry.api(path), 400, 'E_QUERY_INVALID')
      assert.equal(error.details?.['parameter'], 'range')
    }
    assert.equal((await ferry.api('/api/models/echo/timeseries?range=15m')).status, 200)
  })
})
