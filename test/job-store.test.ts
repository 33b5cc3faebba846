/**
 * The jobs store and zip inputs in process: a job is written whole or not at all, an input never
 * gets two results, pending inputs are those without one; a zip's entry names never become paths.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { openJobsDatabase } from '../gateway/jobs/jobs-db.js'
import { JobStore } from '../gateway/jobs/job-store.js'
import { unpackZipInputs } from '../gateway/jobs/_zip-inputs.js'
import { makeTempDir } from './_helpers.js'
import { encodeZip } from './_zip-writer.js'

const ok = (index: number) => ({ index, ok: true, status: 200, version: 'm@1.0.0', output: { index }, error: null, durationMs: 1 })

test('a job is written whole or not at all; each input gets one result; pending is what has none', async (t) => {
  const dir = await makeTempDir(t, 'ferry-job-store-')
  const db = openJobsDatabase(dir)
  t.after(() => db.close())
  const store = new JobStore(db)
  const spec = { model: 'm', endpoint: '/predict', kind: 'json' as const, concurrency: 2 }
  assert.throws(() => store.create(spec, [{ body: '1', size: 1 }, { body: '2', size: 1 }], () => { throw new Error('the folder could not be moved') }), /could not be moved/)
  assert.deepEqual(store.list(10), [], 'a failed create leaves no job')
  assert.equal((db.prepare('SELECT count(*) AS n FROM job_inputs').get() as { n: number }).n, 0, 'and no input')

  const job = store.create(spec, [{ body: '"a"', size: 3 }, { body: '"b"', size: 3 }, { body: '"c"', size: 3 }])
  assert.deepEqual(store.pending(job.id), [0, 1, 2])
  assert.equal(store.record(job.id, ok(1)), true)
  assert.equal(store.record(job.id, { ...ok(1), output: { index: 'again' } }), false, 'a second result for the same input is refused')
  assert.deepEqual(store.results(job.id, 0, 10).map((r) => r.output), [{ index: 1 }], 'the first one stays')
  assert.equal(store.record(job.id, { index: 2, ok: false, status: 422, version: null, output: null, error: { code: 'REFUSED', message: 'no' }, durationMs: 2 }), true)
  assert.deepEqual(store.pending(job.id), [0])
  assert.deepEqual(store.counts(job.id), { done: 2, failed: 1 })
  assert.deepEqual(store.failures(job.id, 10).map((f) => [f.index, f.input, f.error?.code]), [[2, 'c', 'REFUSED']])
  assert.equal(store.end(job.id, 'cancelled'), true)
  assert.equal(store.end(job.id, 'finished'), false, 'an ended job stays as it ended')
  assert.equal(store.get(job.id)?.status, 'cancelled')
  store.remove(job.id)
  assert.equal((db.prepare('SELECT count(*) AS n FROM job_results').get() as { n: number }).n, 0, 'removing a job removes its results')
})

test('a zip\'s entries are unpacked as numbered files in path order, whatever their names say', async (t) => {
  const dir = await makeTempDir(t, 'ferry-job-zip-')
  const zip = join(dir, 'in.zip')
  await writeFile(zip, encodeZip([
    { name: 'b/page.png', data: Buffer.from('second') },
    { name: '../../escape.json', data: Buffer.from('first') },
    { name: '__MACOSX/b/._page.png', data: Buffer.from('fork') },
    { name: 'c.PDF', data: Buffer.from('third'), method: 8 },
  ]))
  const out = join(dir, 'inputs')
  const inputs = await unpackZipInputs(zip, out, { maxInputs: 10, maxInputBytes: 1024, maxTotalBytes: 4096 })
  assert.deepEqual(inputs, [
    { name: '../../escape.json', contentType: 'application/json', size: 5 },
    { name: 'b/page.png', contentType: 'image/png', size: 6 },
    { name: 'c.PDF', contentType: 'application/pdf', size: 5 },
  ])
  assert.deepEqual((await readdir(out)).sort(), ['0', '1', '2'])
  assert.equal(await readFile(join(out, '0'), 'utf8'), 'first')
  assert.equal(existsSync(join(dir, '..', 'escape.json')) || existsSync(join(dir, 'escape.json')), false, 'nothing was written where the name points')
  await assert.rejects(unpackZipInputs(zip, join(dir, 'small'), { maxInputs: 10, maxInputBytes: 1024, maxTotalBytes: 10 }), { code: 'E_JOB_ZIP_INVALID' })
  assert.equal(existsSync(join(dir, 'small')), false, 'a refused zip leaves no folder')
})

test('a zip whose trailer points its directory past the end of the file is refused as invalid, whatever count it claims', async (t) => {
  const dir = await makeTempDir(t, 'ferry-job-zip-trailer-')
  const good = encodeZip([{ name: 'a.json', data: Buffer.from('1') }])
  // The end-of-central-directory record is the last 22 bytes: claim 60,000 entries in a directory
  // that starts far beyond the file, so a reader that believed it would walk nothing real.
  const bad = Buffer.from(good)
  const eocd = bad.length - 22
  bad.writeUInt16LE(60_000, eocd + 8)
  bad.writeUInt16LE(60_000, eocd + 10)
  bad.writeUInt32LE(0x7fff_0000, eocd + 16)
  const zip = join(dir, 'bad.zip')
  await writeFile(zip, bad)
  await assert.rejects(unpackZipInputs(zip, join(dir, 'out'), { maxInputs: 100_000, maxInputBytes: 1024, maxTotalBytes: 4096 }), (error: { code?: string; message?: string }) => {
    assert.equal(error.code, 'E_JOB_ZIP_INVALID')
    assert.match(String(error.message), /central directory out of bounds/)
    return true
  })
  assert.equal(existsSync(join(dir, 'out')), false, 'a refused zip leaves no folder')
})
