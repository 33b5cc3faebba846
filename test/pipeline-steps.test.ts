/**
 * A pipeline version's steps report: the tree stepReport draws from a graph (a step reached twice,
 * one no path reaches, an id that names no step), and, on a real `ferry serve` with
 * test/fixtures/packages/pipeline-flow, GET /api/instances/:ref/steps and `ferry steps`: each call
 * step's model as the gateway reaches it now (following a deploy), its calls and failures after
 * real calls, an alias resolved by the CLI, and E_NOT_A_PIPELINE for a version that runs a process.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Descriptor } from '../descriptors/descriptor.js'
import { readPipelineSpec } from '../gateway/pipelines/pipeline-spec.js'
import { stepReport, type StepNode, type StepReport } from '../gateway/pipelines/step-report.js'
import { createMetrics } from '../gateway/metrics.js'
import { ferryPath } from '../packager/repo-root.js'
import { runFerry } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

const FLOW = ferryPath('test', 'fixtures', 'packages', 'pipeline-flow')
const STEP_MODEL = ferryPath('test', 'fixtures', 'packages', 'step-model')

/** The tree as text: branch, id, `*` for a repeat, `?` for an id that names no step; children nested. */
const shape = (node: StepNode): unknown => [`${node.branch === undefined ? '' : `${node.branch}:`}${node.id}${node.repeat ? '*' : ''}${node.kind === 'unknown' ? '?' : ''}`, ...node.children.map(shape)]

test('the report follows the graph from its start: cases then default, a step reached twice given once, the rest listed', () => {
  const descriptor = {
    name: 'p', version: '1.0.0', api: { health: '/health', endpoints: [] },
    runtime: {
      type: 'pipeline', start: 'start',
      steps: {
        start: { kind: 'switch', on: '/request/body/kind', cases: { a: 'left', b: 'both' }, default: 'left' },
        left: { kind: 'call', model: 'm', endpoint: 'POST /x', timeoutSeconds: 2 },
        both: { kind: 'ensemble', steps: ['left', 'gone'] },
        orphan: { kind: 'call', model: 'n@stable', endpoint: 'POST /y' },
        other: { kind: 'sequence', steps: ['orphan'] },
      },
    },
  } as unknown as Descriptor
  const asked: string[] = []
  const served = { ready: true, ref: 'p@1.0.0', reason: null }
  const report = stepReport(readPipelineSpec(descriptor), 'p@1.0.0', served, (step) => {
    asked.push(step.id)
    return step.model === 'm' ? { ready: true, ref: 'm@1.0.0', reason: null } : { ready: false, ref: null, reason: 'no model "n"' }
  }, new Map([['left', { calls: 3, failed: 1, p95Ms: 12 }]]))
  assert.deepEqual(shape(report.tree), ['start', ['a:left'], ['b:both', ['left*'], ['gone?']], ['default:left*']])
  assert.deepEqual(report.unreached, ['orphan', 'other'])
  assert.deepEqual([report.callSteps, report.unavailable], [2, 1], 'an unreached call step still counts')
  const left = report.tree.children[0]!
  assert.deepEqual([left.model, left.endpoint, left.timeoutSeconds, left.target, left.figures], ['m@latest', 'POST /x', 2, { ready: true, ref: 'm@1.0.0', reason: null }, { calls: 3, failed: 1, p95Ms: 12 }])
  assert.deepEqual(asked.sort(), ['left', 'orphan'], 'each call step is looked up once')
  assert.equal(report.tree.hasDefault, true)
  assert.deepEqual(report.served, served)
})

test('a pipeline step\'s figures: calls, failures (no answer, 4xx, 5xx) and p95 of its answered calls, per version', (t) => {
  const metrics = createMetrics()
  t.after(() => metrics.close())
  const step = (status: number, durationSeconds: number | null, version = '1.0.0') => metrics.recordPipelineStep({ pipeline: 'p', version, step: 'ocr', model: 'ocr@latest', status, durationSeconds })
  for (let i = 0; i < 19; i++) step(200, 0.003)
  step(204, 0.3)
  step(404, 0.003)
  step(503, null) // its model could not be called: counted, not timed
  step(0, 12)
  step(200, 0.003, '2.0.0')
  const figures = metrics.pipelineStepFigures('p', '1.0.0').get('ocr')!
  assert.deepEqual([figures.calls, figures.failed], [23, 3])
  // 22 timed calls: 20 of 3 ms (the 0.005 s bucket), one of 300 ms, one beyond the last bound (10 s).
  // Rank 0.95 × 22 = 20.9 falls in the 0.25–0.5 s bucket holding the 300 ms call: 250 + 250 × 0.9 = 475 ms.
  assert.ok(Math.abs(figures.p95Ms! - 475) < 1e-6, `p95 ${figures.p95Ms} ms`)
  const other = metrics.pipelineStepFigures('p', '2.0.0').get('ocr')!
  assert.deepEqual([other.calls, other.failed], [1, 0], 'another version is kept apart')
  assert.ok(Math.abs(other.p95Ms! - 4.75) < 1e-9, `p95 ${other.p95Ms} ms`)
  assert.equal(metrics.pipelineStepFigures('p', '3.0.0').size, 0)
})

test('GET /api/instances/:ref/steps and ferry steps report what each step reaches and did', { timeout: 180_000 }, async (t) => {
  const ferry = await startFerryServe(t, { args: ['--sandbox', 'none'] })
  await ferry.deployFolder(FLOW)
  const steps = async (ref: string) => (await (await ferry.api(`/api/instances/${encodeURIComponent(ref)}/steps`)).json()) as StepReport
  const find = (node: StepNode, id: string): StepNode | undefined => (node.id === id && !node.repeat ? node : node.children.map((c) => find(c, id)).find(Boolean))

  await t.test('before the steps\' model is deployed, every call step is unavailable, with the reason a call would get', async () => {
    const report = await steps('flow@1.0.0')
    assert.deepEqual([report.ref, report.start, report.callSteps, report.unavailable], ['flow@1.0.0', 'entry', 8, 8])
    assert.match(find(report.tree, 'shout')!.target!.reason!, /no model "step-model"/)
  })

  await ferry.deployFolder(STEP_MODEL)

  await t.test('after the deploy and real calls: one step left unavailable, and each step\'s calls and failures', async () => {
    const run = async (mode: string) => (await fetch(`${ferry.url}/models/flow/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'a b c', mode }) })).status
    assert.deepEqual([await run('count'), await run('count'), await run('fail')], [200, 200, 502])
    const report = await steps('flow@1.0.0')
    assert.equal(report.unavailable, 1)
    assert.deepEqual(find(report.tree, 'shout')!.target, { ready: true, ref: 'step-model@1.0.0', reason: null })
    assert.equal(find(report.tree, 'missing')!.target!.ready, false)
    assert.deepEqual([find(report.tree, 'shout')!.figures!.calls, find(report.tree, 'shout')!.figures!.failed], [3, 0])
    assert.deepEqual([find(report.tree, 'broken')!.figures!.calls, find(report.tree, 'broken')!.figures!.failed], [1, 1])
    assert.ok(find(report.tree, 'counting')!.figures!.p95Ms! > 0)
    assert.deepEqual(find(report.tree, 'words')!.figures, { calls: 0, failed: 0, p95Ms: null })
  })

  await t.test('ferry steps prints the tree, by alias too', async () => {
    const alias = await runFerry(['alias', 'flow', 'stable', '1.0.0', '--gateway', ferry.url, '--token', ferry.token])
    assert.equal(alias.code, 0, alias.stderr)
    const printed = await runFerry(['steps', 'flow@stable', '--gateway', ferry.url, '--token', ferry.token])
    assert.equal(printed.code, 0, printed.stderr)
    const out = printed.stdout
    assert.match(out, /^flow@1\.0\.0: 1 of 8 call steps cannot be called now/m)
    assert.match(out, /^entry {2}switch on \/request\/path$/m)
    assert.match(out, /^ {2}otherwise → main {2}sequence \(one after another\)$/m)
    assert.match(out, /^ {4}1\. shout {2}call {2}step-model@1\.0\.0 POST \/upper\n {8}→ step-model@1\.0\.0 ready · 3 calls, 0 failed, p95 [\d.]+ ms$/m)
    assert.match(out, /^ {6}when "absent" → missing {2}call {2}not-deployed@latest POST \/predict\n {10}→ UNAVAILABLE: no model "not-deployed".* · not called yet$/m)
    const json = JSON.parse((await runFerry(['steps', 'flow', '--json', '--gateway', ferry.url, '--token', ferry.token])).stdout) as StepReport
    assert.equal(json.ref, 'flow@1.0.0')
  })

  await t.test('a stopped pipeline says it is not served, whatever its steps', async () => {
    const stopped = await runFerry(['stop', 'flow@1.0.0', '--force', '--gateway', ferry.url, '--token', ferry.token])
    assert.equal(stopped.code, 0, stopped.stderr)
    const report = await steps('flow@1.0.0')
    assert.equal(report.served.ready, false)
    assert.match(report.served.reason!, /not ready/)
    const printed = await runFerry(['steps', 'flow@1.0.0', '--gateway', ferry.url, '--token', ferry.token])
    assert.match(printed.stdout, /^flow@1\.0\.0: NOT SERVED: flow@1\.0\.0 is not ready/m)
    assert.equal((await fetch(`${ferry.url}/models/flow@1.0.0/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"a","mode":"count"}' })).status, 503, 'as a call finds it')
    const started = await runFerry(['start', 'flow@1.0.0', '--gateway', ferry.url, '--token', ferry.token])
    assert.equal(started.code, 0, started.stderr)
    assert.equal((await steps('flow@1.0.0')).served.ready, true)
  })

  await t.test('ferry ps and the API say a pipeline runs in the gateway, not in replicas', async () => {
    assert.equal(((await (await ferry.api('/api/instances/flow@1.0.0')).json()) as { pipeline?: boolean }).pipeline, true)
    assert.equal(((await (await ferry.api('/api/instances/step-model@1.0.0')).json()) as { pipeline?: boolean }).pipeline, undefined)
    const ps = await runFerry(['ps', '--gateway', ferry.url, '--token', ferry.token])
    assert.match(ps.stdout, /^flow@1\.0\.0\s+ready\s+latest,stable\s+pipeline\s+-/m)
    assert.match(ps.stdout, /^step-model@1\.0\.0\s+ready\s+latest\s+1\/1\s+\d+/m)
  })

  await t.test('a version that runs a process has no steps: E_NOT_A_PIPELINE, from the API and the CLI', async () => {
    const res = await ferry.api('/api/instances/step-model@1.0.0/steps')
    assert.equal(res.status, 404)
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'E_NOT_A_PIPELINE')
    const printed = await runFerry(['steps', 'step-model', '--gateway', ferry.url, '--token', ferry.token])
    assert.notEqual(printed.code, 0)
    assert.match(printed.stderr, /E_NOT_A_PIPELINE: step-model@1\.0\.0 has no steps: it is not a pipeline/)
    for (const bad of ['flow@', '@x', 'a@b@c', 'Flow']) {
      const refused = await ferry.api(`/api/instances/${encodeURIComponent(bad)}/steps`)
      assert.equal(refused.status, 400, bad)
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'E_REF_INVALID', bad)
    }
    const unknown = await runFerry(['steps', 'flow@nightly', '--gateway', ferry.url, '--token', ferry.token])
    assert.notEqual(unknown.code, 0)
    assert.match(unknown.stderr, /E_VERSION_NOT_FOUND/)
    assert.match(unknown.stderr, /stable/, 'the answer names the aliases there are')
    const byAlias = await ferry.api('/api/instances/flow@stable/steps')
    assert.equal(((await byAlias.json()) as StepReport).ref, 'flow@1.0.0')
  })
})
