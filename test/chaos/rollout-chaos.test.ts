/**
 * Chaos suite, part 1 (`npm run test:chaos`): a steady ~200 requests/s from a real HTTP client
 * against a real `ferry serve` while versions are switched, rolled back, canaried (good and bad),
 * shadowed, a replica is killed and a drain waits for long requests. The counts are asserted:
 * 0 failed requests wherever a ready replica exists throughout; for the bad canary, failures
 * bounded by its weight and a decision within threshold × interval. After each scenario, only the
 * versions that should run do, with no orphan process.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { waitFor } from '../_deployer-helpers.js'
import { makeTempDir } from '../_helpers.js'
import { packRolloutModel, startLoad, type LoadResult } from '../_rollout-helpers.js'
import { assertOnlyRunning, ferryCli, getJson, startChaosServer } from './_chaos.js'

const RPS = 200
const M = 'rollout-model'
const describeLoad = (r: LoadResult) => `${r.sent} sent, ${r.failed} failed ${JSON.stringify(r.statuses)} by version ${JSON.stringify(r.byVersion)} ${r.failures.join(' | ')} ${r.errorMessages.join(' | ')}`

test('chaos: rollouts under 200 requests/s', { timeout: 200_000 }, async (t) => {
  const tmp = await makeTempDir(t, 'ferry-chaos-')
  const ferry = await startChaosServer(t)
  const predictUrl = `${ferry.url}/models/${M}/predict`
  const zip = (version: string, env: Record<string, string> = {}) => packRolloutModel(tmp, version, env)
  await ferryCli(ferry, ['deploy', await zip('1.0.0')])

  await t.test('1. replace deploy of a new version: 0 failed', async () => {
    const load = startLoad(predictUrl, RPS, (i) => ({ i }))
    await sleep(1000)
    const deployed = await ferryCli(ferry, ['deploy', await zip('1.1.0')])
    assert.equal(deployed.rollout.status, 'promoted')
    await sleep(1000)
    const result = await load.stop()
    assert.equal(result.failed, 0, describeLoad(result))
    assert.ok((result.byVersion[`${M}@1.1.0`] ?? 0) > 0 && (result.byVersion[`${M}@1.0.0`] ?? 0) > 0, describeLoad(result))
    await assertOnlyRunning(ferry, [`${M}@1.0.0`, `${M}@1.1.0`])
  })

  await t.test('2. ferry rollback: 0 failed, latest back on 1.0.0', async () => {
    const load = startLoad(predictUrl, RPS, (i) => ({ i }))
    await sleep(800)
    const back = await ferryCli(ferry, ['rollback', M])
    assert.deepEqual([back.candidate, back.status], ['1.0.0', 'promoted'])
    await sleep(800)
    const result = await load.stop()
    assert.equal(result.failed, 0, describeLoad(result))
    assert.equal((await getJson(ferry, '/api/models'))[0].aliases.latest, '1.0.0')
    await assertOnlyRunning(ferry, [`${M}@1.0.0`, `${M}@1.1.0`])
  })

  await t.test('3. a canary that promotes: 0 failed', async () => {
    const load = startLoad(predictUrl, RPS, (i) => ({ i }))
    await sleep(500)
    await ferryCli(ferry, ['deploy', await zip('1.2.0'), '--strategy', 'canary', '--step', '25', '--max-weight', '50', '--interval', '1s', '--min-requests', '20', '--max-latency-ratio', '20', '--keep-warm', '0'])
    const done = await waitFor(async () => { const r = await getJson(ferry, `/api/rollouts/${M}`); return r.status !== 'running' ? r : undefined }, 20_000, 'the canary to end')
    await sleep(500)
    const result = await load.stop()
    assert.equal(done.status, 'promoted', JSON.stringify(done.checks))
    assert.equal(result.failed, 0, describeLoad(result))
    assert.ok((result.byVersion[`${M}@1.2.0`] ?? 0) > 0, describeLoad(result))
    await assertOnlyRunning(ferry, [`${M}@1.2.0`])
  })

  await t.test('4. a canary failing 30 % of its requests rolls back by itself within threshold × interval, failures bounded by its weight', async () => {
    const load = startLoad(predictUrl, RPS, (i) => ({ i }))
    await sleep(500)
    const interval = 1
    const threshold = 2
    const step = 10
    await ferryCli(ferry, ['deploy', await zip('1.3.0', { FAIL_PERCENT: '30' }), '--strategy', 'canary', '--step', String(step), '--max-weight', '50', '--interval', `${interval}s`, '--threshold', String(threshold), '--min-requests', '10', '--keep-warm', '0'])
    const startedAt = Date.now()
    const done = await waitFor(async () => { const r = await getJson(ferry, `/api/rollouts/${M}`); return r.status !== 'running' ? r : undefined }, 15_000, 'the rollback')
    const decidedInMs = Date.now() - startedAt
    // Requests the candidate had already taken when it was rolled back may still end in a 500; none sent after.
    await sleep(300)
    const atDecision = load.snapshot()
    await sleep(1000)
    const result = await load.stop()
    assert.equal(done.status, 'rolled-back', JSON.stringify(done))
    assert.ok(decidedInMs <= threshold * interval * 1000 + 1000, `decided in ${decidedInMs} ms; threshold × interval is ${threshold * interval * 1000} ms`)
    // At most the canary's share of the requests sent while it decided, of which 30 % fail.
    const bound = Math.ceil(RPS * (decidedInMs / 1000 + 1) * (step / 100) * 0.3 * 1.5)
    assert.ok(result.failed > 0 && result.failed <= bound, `${result.failed} failed, bound ${bound}: ${describeLoad(result)}`)
    assert.equal(result.failed, atDecision.failed, 'nothing sent after the rollback failed')
    assert.equal(Object.keys(result.statuses).filter((s) => s !== '200' && s !== '500').length, 0, describeLoad(result))
    await assertOnlyRunning(ferry, [`${M}@1.2.0`])
  })

  await t.test('5. shadow of a version that differs on 20 % of inputs: agreement 0.80 ± 0.05, callers never see it', async () => {
    await ferryCli(ferry, ['deploy', await zip('1.4.0', { DIFFER_EVERY: '5' }), '--strategy', 'shadow', '--compare', '/label', '--interval', '1s'])
    const load = startLoad(predictUrl, RPS, (i) => ({ i }))
    await sleep(3000)
    const result = await load.stop()
    await sleep(1200)
    const rollout = await getJson(ferry, `/api/rollouts/${M}`)
    const compared = rollout.checks.reduce((n: number, c: { shadow?: { compared: number } }) => n + (c.shadow?.compared ?? 0), 0) + rollout.live.shadow.compared
    const agreed = rollout.checks.reduce((n: number, c: { shadow?: { agreed: number } }) => n + (c.shadow?.agreed ?? 0), 0) + rollout.live.shadow.agreed
    assert.equal(result.failed, 0, describeLoad(result))
    assert.deepEqual(Object.keys(result.byVersion), [`${M}@1.2.0`], 'only the stable version answers callers')
    assert.ok(compared >= result.sent * 0.8, `compared ${compared} of ${result.sent}`)
    assert.ok(Math.abs(agreed / compared - 0.8) <= 0.05, `agreement ${agreed}/${compared} = ${(agreed / compared).toFixed(3)}`)
    const metrics = await (await fetch(`${ferry.url}/metrics`)).text()
    assert.match(metrics, new RegExp(`ferry_requests_total\\{model="${M}",version="1\\.4\\.0",code="200",role="shadow"\\} \\d+`))
    assert.match(metrics, new RegExp(`ferry_rollout_weight\\{model="${M}",version="1\\.4\\.0",role="shadow"\\} 100`))
    await ferryCli(ferry, ['rollout', 'abort', M])
    await assertOnlyRunning(ferry, [`${M}@1.2.0`])
  })

  await t.test('6. SIGKILL of one replica of two: 0 failed', async () => {
    await ferryCli(ferry, ['deploy', await zip('1.5.0'), '--replicas', '2', '--keep-warm', '0'])
    await assertOnlyRunning(ferry, [`${M}@1.5.0`])
    const load = startLoad(`${ferry.url}/models/${M}/slow?ms=5`, RPS)
    await sleep(1000)
    const instance = await getJson(ferry, `/api/instances/${M}@1.5.0`)
    process.kill(instance.replicas[0].pid, 'SIGKILL')
    await sleep(2500)
    const result = await load.stop()
    assert.equal(result.failed, 0, describeLoad(result))
    await waitFor(async () => (await getJson(ferry, `/api/instances/${M}@1.5.0`)).replicas.every((r: { state: string }) => r.state === 'ready'), 15_000, 'the replica restarted')
    await assertOnlyRunning(ferry, [`${M}@1.5.0`])
  })

  await t.test('8. a drain with long requests in flight: each finishes', async () => {
    const long = Array.from({ length: 20 }, () => fetch(`${ferry.url}/models/${M}/slow?ms=3000`).then((r) => r.status, () => 0))
    const load = startLoad(predictUrl, RPS, (i) => ({ i }))
    await sleep(300)
    await ferryCli(ferry, ['deploy', await zip('1.6.0'), '--keep-warm', '0'])
    const statuses = await Promise.all(long)
    await sleep(500)
    const result = await load.stop()
    assert.deepEqual(statuses, Array(20).fill(200))
    assert.equal(result.failed, 0, describeLoad(result))
    await assertOnlyRunning(ferry, [`${M}@1.6.0`])
  })
})
