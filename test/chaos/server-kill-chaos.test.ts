/**
 * Chaos suite, part 2: SIGKILL of the server in the middle of a canary, under ~200 requests/s.
 * After a restart on the same data directory and port, the same versions run under the same
 * aliases, the rollout is still running at its recorded weight and is judged again; the time to
 * serving again is measured and printed. Requests fail only while no server listens.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { waitFor } from '../_deployer-helpers.js'
import { makeTempDir } from '../_helpers.js'
import { packRolloutModel, startLoad } from '../_rollout-helpers.js'
import { assertOnlyRunning, ferryCli, getJson, startChaosServer } from './_chaos.js'

const M = 'rollout-model'

test('chaos 7: SIGKILL of the server mid-canary, then a restart: same versions, aliases, weights and rollout', { timeout: 120_000 }, async (t) => {
  const tmp = await makeTempDir(t, 'ferry-chaos-kill-')
  const first = await startChaosServer(t)
  await ferryCli(first, ['deploy', await packRolloutModel(tmp, '1.0.0')])
  // A long interval: the weight does not move while the server is down and back, however slow the machine.
  await ferryCli(first, ['deploy', await packRolloutModel(tmp, '1.1.0'), '--strategy', 'canary', '--step', '30', '--max-weight', '60', '--interval', '120s'])
  const load = startLoad(`${first.url}/models/${M}/predict`, 200, (i) => ({ i }))
  await sleep(1000)
  const before = { rollout: await getJson(first, `/api/rollouts/${M}`), models: await getJson(first, '/api/models') }
  assert.deepEqual([before.rollout.status, before.rollout.weight], ['running', 30])
  first.child.kill('SIGKILL')
  await new Promise((resolve) => first.child.once('exit', resolve))
  const killedAt = Date.now()
  const second = await startChaosServer(t, first.dataDir, first.port)
  const listeningMs = Date.now() - killedAt
  const servingAt = await waitFor(async () => {
    const response = await fetch(`${second.url}/models/${M}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"i":1}' }).catch(() => undefined)
    return response?.status === 200 ? Date.now() : undefined
  }, 30_000, 'serving again')
  const split = await waitFor(async () => {
    const seen = new Set<string>()
    for (let i = 0; i < 40; i++) seen.add((await fetch(`${second.url}/models/${M}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i }) })).headers.get('x-ferry-version') ?? '')
    return seen.size === 2 ? seen : undefined
  }, 20_000, 'both versions answering again')
  await sleep(1000)
  const result = await load.stop()
  console.log(`# chaos 7: listening again ${listeningMs} ms after SIGKILL, serving ${servingAt - killedAt} ms after; ${result.failed} of ${result.sent} requests failed, all while no server listened (${JSON.stringify(result.statuses)}, ${result.errors} connection errors)`)

  const after = { rollout: await getJson(second, `/api/rollouts/${M}`), models: await getJson(second, '/api/models') }
  assert.deepEqual([after.rollout.id, after.rollout.status, after.rollout.weight], [before.rollout.id, 'running', 30])
  assert.deepEqual(after.models[0].aliases, before.models[0].aliases)
  assert.deepEqual([...split].sort(), [`${M}@1.0.0`, `${M}@1.1.0`])
  const metrics = await (await fetch(`${second.url}/metrics`)).text()
  assert.match(metrics, new RegExp(`ferry_rollout_weight\\{model="${M}",version="1\\.1\\.0",role="canary"\\} 30`))
  // Only connection errors while the port was closed, or 503s while the versions started again.
  assert.deepEqual(Object.keys(result.statuses).filter((s) => s !== '200' && s !== '503'), [], JSON.stringify(result.statuses))
  await assertOnlyRunning(second, [`${M}@1.0.0`, `${M}@1.1.0`])
  await ferryCli(second, ['rollout', 'abort', M])
  await assertOnlyRunning(second, [`${M}@1.0.0`])
})
