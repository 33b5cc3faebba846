/**
 * examples/markings as a pipeline: a real `ferry serve` deploys ocr, orders-lookup and the markings
 * pipeline, and each sample photo goes through one call, POST /models/markings/find-order, whose
 * best order must be the one samples/expected.json names; the call is a tracked run with that
 * order, found by what OCR read. Every fetch has a timeout; the server and its models are killed
 * when the test ends.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { startFerryServe } from './_serve-helpers.js'

const SAMPLES = ferryPath('examples', 'markings', 'samples')
const EXPECTED = JSON.parse(readFileSync(join(SAMPLES, 'expected.json'), 'utf8')) as Array<{ file: string; order: string; marking: string }>

interface Answer { read: string; order: string | null; score: number | null; matches: Array<{ order: string; score: number }> }

test('markings pipeline: one call per photo finds its expected order, recorded as a run', { timeout: 300_000 }, async (t) => {
  assert.ok(EXPECTED.length >= 5, 'at least five samples')
  const ferry = await startFerryServe(t)
  for (const example of ['orders-lookup', 'ocr', 'markings']) await ferry.deployFolder(ferryPath('examples', example))
  const health = await fetch(`${ferry.url}/models/markings/health`, { signal: AbortSignal.timeout(10_000) })
  assert.equal(health.status, 200, await health.clone().text())

  const report: string[] = []
  for (const { file, order, marking } of EXPECTED) {
    const res = await fetch(`${ferry.url}/models/markings/find-order?trace=1`, {
      method: 'POST', body: readFileSync(join(SAMPLES, file)), headers: { 'content-type': file.endsWith('.png') ? 'image/png' : 'image/jpeg' }, signal: AbortSignal.timeout(60_000),
    })
    assert.equal(res.status, 200, `${file}: ${await res.clone().text()}`)
    const answer = await res.json() as Answer & { trace: Array<{ step: string; status: number }> }
    report.push(`${file}: stamped ${JSON.stringify(marking)}, read ${JSON.stringify(answer.read)} → ${answer.order} ${answer.score}`)
    assert.equal(answer.order, order, report.at(-1))
    assert.equal(answer.matches[0]?.order, order)
    assert.deepEqual(answer.trace.map((s) => [s.step, s.status]), [['ocr', 200], ['lookup', 200]])
    const run = await (await ferry.api(`/api/runs/${res.headers.get('x-ferry-run-id')}`)).json() as { model: string; params: Record<string, unknown>; metrics: Record<string, number>; text: string }
    assert.equal(run.model, 'markings')
    assert.equal(run.params['order'], order)
    assert.equal(run.metrics['score'], answer.score)
    assert.equal(run.text, answer.read)
  }
  t.diagnostic(report.join('\n'))
  // Stopped here, not left to the hooks: the temporary data directory is removed after the server is gone.
  assert.equal(await ferry.stop(), 0)
})
