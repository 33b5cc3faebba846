/**
 * A pipeline version's acceptance on a real `ferry serve`: its descriptor's examples run through
 * its graph (the gateway calling each step's model) before it takes `latest`, as a model's are sent
 * to its replica. One whose step's model is not deployed is refused with E_ACCEPTANCE_FAILED naming
 * the example and the step, and takes nothing; the examples pass the pipeline's token (a key only
 * the server knows, never a header a caller can guess) and leave no history, run or metric.
 */
import assert from 'node:assert/strict'
import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { makeTempDir, runFerry } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

const FLOW = ferryPath('test', 'fixtures', 'packages', 'pipeline-flow')
const STEP_MODEL = ferryPath('test', 'fixtures', 'packages', 'step-model')

/** pipeline-flow at `version`, with acceptance examples. */
async function flowWithExamples(dir: string, version: string): Promise<string> {
  const folder = join(dir, `flow-${version}`)
  await cp(FLOW, folder, { recursive: true })
  const descriptor = JSON.parse(await readFile(join(folder, 'descriptor.json'), 'utf8')) as Record<string, unknown>
  descriptor['version'] = version
  descriptor['examples'] = [
    { name: 'three words', endpoint: 'POST /run', body: { text: 'one two three', mode: 'count' }, expect: { body: { words: 3 } } },
    { name: 'two in parallel', endpoint: 'POST /run', body: { text: 'a b', mode: 'both' } },
  ]
  await writeFile(join(folder, 'descriptor.json'), JSON.stringify(descriptor))
  return folder
}

test('a pipeline\'s examples run through its graph before it takes latest', { timeout: 180_000 }, async (t) => {
  const ferry = await startFerryServe(t, { args: ['--sandbox', 'none'] })
  const dir = await makeTempDir(t, 'pipeline-acceptance-')
  const models = async () => (await (await ferry.api('/api/models')).json()) as Array<{ name: string; aliases: Record<string, string> }>

  await t.test('before the model its steps call is deployed, the deploy is refused naming the example and the step', async () => {
    const refused = await runFerry(['deploy', await flowWithExamples(dir, '1.0.0'), '--gateway', ferry.url, '--token', ferry.token])
    assert.notEqual(refused.code, 0)
    const said = refused.stderr + refused.stdout
    assert.match(said, /E_ACCEPTANCE_FAILED/)
    assert.match(said, /three words \(POST \/run\) answered 503/)
    assert.match(said, /E_PIPELINE_STEP_UNAVAILABLE/)
    assert.match(said, /step \\+"shout\\+" of flow@1\.0\.0 cannot run: no model \\+"step-model\\+"/)
    assert.equal((await models()).find((m) => m.name === 'flow')?.aliases['latest'], undefined, 'nothing took latest')
    const call = await fetch(`${ferry.url}/models/flow/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"x","mode":"count"}' })
    assert.equal(call.status, 404, 'the refused version is not served under the model name')
  })

  await ferry.deployFolder(STEP_MODEL)
  // What the refused deploy's check above left (its one 404), which the accepted deploy must not add to.
  const flowHistory = async () => ((await (await ferry.api('/api/requests?model=flow&limit=1')).json()) as { total: number }).total
  const flowMetrics = async () => (await (await fetch(`${ferry.url}/metrics`)).text()).split('\n').filter((line) => /pipeline="flow"|model="flow"/.test(line) && !line.startsWith('#'))
  const before = { history: await flowHistory(), metrics: await flowMetrics() }

  await t.test('with it deployed, the examples pass and the version takes latest; they left no history, run or metric', async () => {
    const deployed = await ferry.deployFolder(await flowWithExamples(dir, '1.0.0'))
    assert.equal(deployed.ref, 'flow@1.0.0')
    assert.equal((await models()).find((m) => m.name === 'flow')?.aliases['latest'], '1.0.0')
    const rollouts = await (await ferry.api('/api/rollouts?model=flow')).json() as Array<{ candidate: string; status: string; checks: Array<{ type: string; passed: boolean; failures: unknown[] }> }>
    const check = rollouts.find((r) => r.candidate === '1.0.0' && r.status === 'promoted')?.checks.find((c) => c.type === 'acceptance')
    assert.deepEqual([check?.passed, check?.failures], [true, []])
    assert.equal(await flowHistory(), before.history, 'no acceptance example is in the prediction history')
    const runs = await (await ferry.api('/api/runs?model=flow')).json() as { runs: unknown[] }
    assert.equal(runs.runs.length, 0, 'no acceptance example is a tracked run')
    assert.deepEqual(await flowMetrics(), before.metrics, 'no acceptance example is counted')
    assert.ok(!before.metrics.some((line) => line.includes('ferry_pipeline_steps_total')), before.metrics.join('\n'))
    const stepCalls = await (await ferry.api('/api/requests?model=step-model&limit=1')).json() as { total: number }
    assert.ok(stepCalls.total >= 4, `the steps' model answered the examples' calls (${stepCalls.total} in its history)`)
  })

  await t.test('the examples pass the pipeline\'s token; a caller\'s X-Ferry-Acceptance does not', async () => {
    const secret = 'flow-token-0123456789abcdef'
    const set = await ferry.api('/api/models/flow/token', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: secret }) })
    assert.equal(set.status, 200, await set.clone().text())
    const deployed = await ferry.deployFolder(await flowWithExamples(dir, '1.1.0'))
    assert.equal(deployed.ref, 'flow@1.1.0')
    assert.equal((await models()).find((m) => m.name === 'flow')?.aliases['latest'], '1.1.0')
    // 48 latin1 characters of 0xE9: 96 bytes as UTF-8 (a length check by characters then a byte compare threw, and ended the server).
    for (const forged of ['1', 'true', '0'.repeat(48), '\u00e9'.repeat(48)]) {
      const res = await fetch(`${ferry.url}/models/flow@1.1.0/run`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-ferry-acceptance': forged }, body: '{"text":"x","mode":"count"}' })
      assert.equal(res.status, 401, `X-Ferry-Acceptance: ${forged}`)
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'E_MODEL_TOKEN_REQUIRED')
    }
    assert.equal((await fetch(`${ferry.url}/health`)).status, 200, 'the server is still up')
    const called = await fetch(`${ferry.url}/models/flow/run`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` }, body: '{"text":"a b","mode":"count"}' })
    assert.equal(called.status, 200)
    assert.equal(called.headers.get('x-ferry-version'), 'flow@1.1.0')
  })
})

test('ferry serve --deploy brings the models up before the pipelines that call them, whatever the order given', { timeout: 180_000 }, async (t) => {
  const dir = await makeTempDir(t, 'pipeline-serve-deploy-')
  const ferry = await startFerryServe(t, { args: ['--sandbox', 'none', '--deploy', await flowWithExamples(dir, '1.0.0'), '--deploy', STEP_MODEL] })
  // The JSON line on stdout comes after the deploys; their lines on stderr may arrive a moment later.
  const deadline = Date.now() + 5000
  while (!/deployed flow@|could not deploy/.test(ferry.stderr()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  const stderr = ferry.stderr()
  assert.match(stderr, /deployed step-model@1\.0\.0[\s\S]*deployed flow@1\.0\.0/, stderr)
  assert.doesNotMatch(stderr, /could not deploy/)
  const models = (await (await ferry.api('/api/models')).json()) as Array<{ name: string; aliases: Record<string, string> }>
  assert.equal(models.find((m) => m.name === 'flow')?.aliases['latest'], '1.0.0', 'the pipeline was accepted')
})
