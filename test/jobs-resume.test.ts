/**
 * A job survives its server: after a SIGKILL mid-job, a new `ferry serve` on the same data
 * directory finishes it, and no result that was acknowledged (committed to jobs.db) is lost or
 * run again; only inputs in flight at the kill are. The fixture model logs every call it gets, so
 * each input's invocations are counted. And a cancelled job keeps exactly the results it had.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { ferryPath } from '../packager/repo-root.js'
import { makeTempDir, runFerry } from './_helpers.js'
import { startFerryServe, type FerryServe } from './_serve-helpers.js'

interface Job { id: number; status: string; total: number; done: number; failed: number; inFlight: number[] }
interface Result { seq: number; index: number; ok: boolean; output: unknown; finishedAt: string }

const MODEL = ferryPath('test', 'fixtures', 'packages', 'job-model')

async function poll(ferry: FerryServe, id: number, until: (job: Job) => boolean): Promise<Job> {
  for (let i = 0; i < 1200; i++) {
    const job = (await (await ferry.api(`/api/jobs/${id}`)).json()) as Job
    if (until(job)) return job
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`job ${id} never reached the state waited for`)
}

async function results(ferry: FerryServe, id: number): Promise<{ status: string | null; results: Result[] }> {
  const res = await ferry.api(`/api/jobs/${id}/results`)
  return { status: res.headers.get('x-ferry-job-status'), results: (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Result) }
}

async function callCounts(logFile: string): Promise<Map<number, number>> {
  const counts = new Map<number, number>()
  // -1 is the descriptor's acceptance example, run at deploy; jobs send 0 and up.
  for (const line of (await readFile(logFile, 'utf8').catch(() => '')).split('\n').filter(Boolean)) if (Number(line) >= 0) counts.set(Number(line), (counts.get(Number(line)) ?? 0) + 1)
  return counts
}

const submit = async (ferry: FerryServe, inputs: unknown[], concurrency: number) => {
  const res = await ferry.api('/api/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'job-model', endpoint: '/predict', inputs, concurrency }) })
  assert.equal(res.status, 201, await res.clone().text())
  return (await res.json()) as Job
}

test('after a SIGKILL of the server mid-job, a restart finishes it: no acknowledged result lost or run again', { timeout: 300_000 }, async (t) => {
  const tmp = await makeTempDir(t, 'ferry-job-resume-')
  const env = { TMPDIR: tmp }
  const logFile = join(tmp, 'job-model-calls.log')
  const first = await startFerryServe(t, { args: ['--sandbox', 'none'], env })
  await first.deployFolder(MODEL)
  const TOTAL = 60
  const CONCURRENCY = 3
  const job = await submit(first, Array.from({ length: TOTAL }, (_, i) => ({ i, ms: 150 })), CONCURRENCY)
  await poll(first, job.id, (j) => j.done >= 15)
  const seen = (await results(first, job.id)).results
  assert.ok(seen.length >= 15 && seen.length < TOTAL, `killed mid-job (${seen.length} results seen)`)

  first.child.kill('SIGKILL')
  await new Promise((resolve) => first.child.once('exit', resolve))
  // What was acknowledged: every result committed to jobs.db when the server died.
  const db = new Database(join(first.dataDir, 'jobs.db'), { readonly: true })
  const committed = new Map((db.prepare('SELECT idx, seq, finished_ms, output FROM job_results WHERE job_id = ?').all(job.id) as Array<{ idx: number; seq: number; finished_ms: number; output: string }>).map((r) => [r.idx, r]))
  db.close()
  for (const r of seen) assert.ok(committed.has(r.index), `result ${r.index}, seen by a client before the kill, was committed`)
  assert.ok(committed.size < TOTAL, 'the job was not over at the kill')

  const second = await startFerryServe(t, { args: ['--sandbox', 'none'], env, dataDir: first.dataDir })
  const ended = await poll(second, job.id, (j) => j.status !== 'running')
  assert.deepEqual({ status: ended.status, done: ended.done, failed: ended.failed }, { status: 'finished', done: TOTAL, failed: 0 }, second.stderr())

  const after = (await results(second, job.id)).results
  assert.deepEqual(after.map((r) => r.index).sort((a, b) => a - b), Array.from({ length: TOTAL }, (_, i) => i), 'exactly one result per input')
  for (const r of after) {
    assert.deepEqual(r.output, { i: r.index, label: r.index % 2 === 0 ? 'even' : 'odd' })
    const before = committed.get(r.index)
    if (before) assert.deepEqual({ seq: r.seq, finishedAt: r.finishedAt }, { seq: before.seq, finishedAt: new Date(before.finished_ms).toISOString() }, `result ${r.index} is the one acknowledged before the kill`)
  }
  const calls = await callCounts(logFile)
  for (let i = 0; i < TOTAL; i++) assert.ok((calls.get(i) ?? 0) >= 1, `input ${i} was run`)
  for (const index of committed.keys()) assert.equal(calls.get(index), 1, `acknowledged input ${index} was run once, not again`)
  const rerun = [...calls].filter(([, n]) => n > 1).map(([i]) => i)
  t.diagnostic(`${committed.size} results acknowledged at the kill; run again after it: ${rerun.length ? rerun.join(', ') : 'none'}`)
  assert.ok(rerun.length <= CONCURRENCY, `only inputs in flight at the kill ran again (${rerun.join(', ')})`)
  for (const index of rerun) assert.ok(!committed.has(index), `input ${index}, run twice, had no result at the kill`)
})

test('a cancelled job keeps the results it had, runs nothing more, and says it was cancelled', { timeout: 180_000 }, async (t) => {
  const tmp = await makeTempDir(t, 'ferry-job-cancel-')
  const logFile = join(tmp, 'job-model-calls.log')
  const ferry = await startFerryServe(t, { args: ['--sandbox', 'none'], env: { TMPDIR: tmp } })
  await ferry.deployFolder(MODEL)
  const job = await submit(ferry, Array.from({ length: 40 }, (_, i) => ({ i, ms: 300 })), 2)
  // A reader following the results as they come: it ends when the job is cancelled.
  const following = ferry.api(`/api/jobs/${job.id}/results?follow=1`).then((res) => res.text())
  await poll(ferry, job.id, (j) => j.done >= 3)
  const cancelled = await ferry.api(`/api/jobs/${job.id}/cancel`, { method: 'POST' })
  assert.equal(cancelled.status, 200)
  const view = (await cancelled.json()) as Job
  assert.equal(view.status, 'cancelled')
  await new Promise((r) => setTimeout(r, 1500))
  const kept = await results(ferry, job.id)
  assert.equal(kept.status, 'cancelled', 'the results answer says the job was cancelled')
  assert.equal(kept.results.length, view.done, 'the results kept up to the cancel, nothing after')
  assert.ok(kept.results.every((r) => r.ok))
  const followed = (await following).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Result)
  assert.deepEqual(followed.map((r) => r.seq), kept.results.map((r) => r.seq), 'the follower got each result as it came, and its answer ended with the job')
  const calls = await callCounts(logFile)
  assert.ok([...calls.values()].reduce((a, b) => a + b, 0) <= view.done + 2, 'nothing was sent after the cancel but the calls then in flight')
  const again = await ferry.api(`/api/jobs/${job.id}/cancel`, { method: 'POST' })
  assert.equal(((await again.json()) as Job).status, 'cancelled', 'cancelling again is a no-op')

  const cli = await runFerry(['job', 'results', String(job.id), '--gateway', ferry.url, '--token', ferry.token])
  assert.equal(cli.code, 1)
  assert.equal(cli.stdout.trim().split('\n').length, view.done)
  assert.match(cli.stderr, new RegExp(`job ${job.id} was cancelled: these are the ${view.done} of 40 results kept up to the cancel`))
  assert.equal((await ferry.api(`/api/jobs/${job.id}`, { method: 'DELETE' })).status, 204)
})
