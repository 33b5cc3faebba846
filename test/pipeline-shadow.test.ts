/**
 * A shadow rollout of a pipeline on a real `ferry serve`: every call to `latest` is answered by the
 * stable version, then run again through the candidate's graph (its steps really called); the two
 * answers are compared at the rollout's pointer, so the agreement the rollout reports is the share
 * of inputs on which the candidate answers the same. Copies reach no caller, no prediction history
 * and no tracked run, and are counted in the metrics as `shadow`; promoting moves `latest`.
 */
import assert from 'node:assert/strict'
import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { makeTempDir } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

const FLOW = ferryPath('test', 'fixtures', 'packages', 'pipeline-flow')
const STEP_MODEL = ferryPath('test', 'fixtures', 'packages', 'step-model')

interface Rollout { status: string; candidate: string; checks: Array<{ shadow?: { compared: number; agreed: number } }>; live: { shadow: { compared: number; agreed: number } } }

test('a pipeline\'s shadow rollout copies each call to the candidate\'s graph and measures their agreement', { timeout: 180_000 }, async (t) => {
  const ferry = await startFerryServe(t, { args: ['--sandbox', 'none'] })
  await ferry.deployFolder(STEP_MODEL)
  await ferry.deployFolder(FLOW)
  // 1.1.0 answers {words: 2} whatever it is sent: it agrees with 1.0.0 on two-word texts only.
  const folder = join(await makeTempDir(t, 'flow-shadow-'), 'flow')
  await cp(FLOW, folder, { recursive: true })
  const descriptor = JSON.parse(await readFile(join(folder, 'descriptor.json'), 'utf8')) as { version: string; runtime: Record<string, unknown> }
  descriptor.version = '1.1.0'
  descriptor.runtime['output'] = { words: { const: 2 }, stable: { from: '/steps/entry/output' } }
  await writeFile(join(folder, 'descriptor.json'), JSON.stringify(descriptor))
  const deployed = await ferry.deployFolder(folder, ['--strategy', 'shadow', '--compare', '/words', '--interval', '1s'])
  assert.equal(deployed.ref, 'flow@1.1.0')

  const texts = [...Array.from({ length: 10 }, (_, i) => `two ${i}`), ...Array.from({ length: 10 }, (_, i) => `three words ${i}`)]
  for (const text of texts) {
    const res = await fetch(`${ferry.url}/models/flow/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text, mode: 'count' }) })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('x-ferry-version'), 'flow@1.0.0', 'the caller gets the stable answer')
    assert.equal(((await res.json()) as { words: number }).words, text.split(' ').length)
  }
  // Both versions fail these the same way (step "broken" answers 500): failures that name the same code and step agree.
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${ferry.url}/models/flow/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'x', mode: 'fail' }) })
    assert.equal(res.status, 502)
    await res.arrayBuffer()
  }
  const stepCalls = async () => ((await (await ferry.api('/api/requests?model=step-model&limit=1')).json()) as { total: number }).total

  const figures = async () => {
    const rollout = (await (await ferry.api('/api/rollouts/flow')).json()) as Rollout
    const sum = (key: 'compared' | 'agreed') => rollout.checks.reduce((n, c) => n + (c.shadow?.[key] ?? 0), 0) + rollout.live.shadow[key]
    return { rollout, compared: sum('compared'), agreed: sum('agreed') }
  }
  const deadline = Date.now() + 15_000
  let seen = await figures()
  while (seen.compared < texts.length + 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    seen = await figures()
  }
  assert.deepEqual([seen.rollout.candidate, seen.rollout.status], ['1.1.0', 'running'])
  assert.deepEqual([seen.compared, seen.agreed], [22, 12], 'agreement on the ten two-word texts and the two failures')
  // Each call reached step-model twice (shout, then counting or broken) from 1.0.0 and again from its copy.
  assert.equal(await stepCalls(), 4 * 22, 'the candidate\'s steps were really called')

  const metrics = await (await fetch(`${ferry.url}/metrics`)).text()
  assert.match(metrics, /^ferry_requests_total\{model="flow",version="1\.1\.0",code="200",role="shadow"\} 20$/m)
  assert.match(metrics, /^ferry_requests_total\{model="flow",version="1\.1\.0",code="502",role="shadow"\} 2$/m)
  assert.doesNotMatch(metrics, /ferry_pipeline_steps_total\{pipeline="flow",version="1\.1\.0"/, 'copies are not in the candidate\'s step figures')
  assert.doesNotMatch(metrics, /ferry_requests_total\{model="flow",version="1\.1\.0",code="\d+",role="stable"\}/, 'no caller reached 1.1.0')
  const history = (await (await ferry.api('/api/requests?model=flow&version=1.1.0&limit=1')).json()) as { total: number }
  assert.equal(history.total, 0, 'a copy is not in the prediction history')
  const runs = (await (await ferry.api('/api/runs?model=flow&version=1.1.0')).json()) as { runs: unknown[] }
  assert.equal(runs.runs.length, 0, 'a copy is not a tracked run')

  const promoted = await ferry.api('/api/rollouts/flow/promote', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  assert.equal(promoted.status, 200, await promoted.clone().text())
  const after = await fetch(`${ferry.url}/models/flow/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'three words here', mode: 'count' }) })
  assert.equal(after.headers.get('x-ferry-version'), 'flow@1.1.0')
  assert.equal(((await after.json()) as { words: number }).words, 2)
})
