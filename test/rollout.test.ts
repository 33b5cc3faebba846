/**
 * Rollouts end to end on an in-process gateway (real instances, real HTTP on 127.0.0.1): replace
 * with drain and keepWarm, acceptance from the descriptor's examples, canary promotion and
 * automatic rollback under live load, shadow agreement, manual promotion, and bad input.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { waitFor } from './_deployer-helpers.js'
import { openTestGateway, packRolloutModel, startLoad } from './_rollout-helpers.js'

type Api = Awaited<ReturnType<typeof openTestGateway>>['api']

async function upload(gateway: { url: string; token: string }, zip: string): Promise<string> {
  const response = await fetch(`${gateway.url}/api/packages`, { method: 'POST', headers: { authorization: `Bearer ${gateway.token}`, 'content-type': 'application/zip' }, body: await readFile(zip) })
  assert.ok(response.ok, await response.clone().text())
  return ((await response.json()) as { digest: string }).digest
}

async function deploy(api: Api, gateway: { url: string; token: string }, zip: string, options: Record<string, unknown> = {}) {
  return api('POST', '/deployments', { package: await upload(gateway, zip), ...options })
}

const predict = (url: string, i: number) => fetch(`${url}/models/rollout-model/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i }) })

test('replace: latest moves once the examples pass, the previous version stays warm, older ones drain and stay stopped after a restart', async (t) => {
  const { gateway, tmp, api, dataDir } = await openTestGateway(t)
  assert.equal((await deploy(api, gateway, await packRolloutModel(tmp, '1.0.0'))).status, 201)
  assert.equal((await deploy(api, gateway, await packRolloutModel(tmp, '1.1.0'))).status, 201)
  assert.equal((await predict(gateway.url, 3)).headers.get('x-ferry-version'), 'rollout-model@1.1.0')
  const list = (await api('GET', '/instances')).body as Array<{ version: string; state: string; desired: string }>
  assert.deepEqual(list.map((v) => [v.version, v.desired]), [['1.0.0', 'running'], ['1.1.0', 'running']], 'keepWarm 1 keeps the previous version running')
  assert.equal((await deploy(api, gateway, await packRolloutModel(tmp, '1.2.0'))).status, 201)
  await waitFor(async () => ((await api('GET', '/instances/rollout-model@1.0.0')).body as { state: string }).state === 'stopped', 10_000, '1.0.0 retired')
  const rollouts = (await api('GET', '/rollouts?model=rollout-model')).body as Array<{ candidate: string; stable: string | null; strategy: string; status: string; checks: Array<{ type: string; passed?: boolean }> }>
  assert.deepEqual(rollouts.map((r) => [r.candidate, r.stable, r.strategy, r.status]), [['1.2.0', '1.1.0', 'replace', 'promoted'], ['1.1.0', '1.0.0', 'replace', 'promoted'], ['1.0.0', null, 'replace', 'promoted']])
  assert.deepEqual(rollouts[0]!.checks[0], { ...rollouts[0]!.checks[0], type: 'acceptance', passed: true })
  await gateway.close()
  const { api: again } = await openTestGateway(t, {}, dataDir)
  await waitFor(async () => ((await again('GET', '/instances/rollout-model@1.2.0')).body as { state: string }).state === 'ready', 15_000, '1.2.0 back')
  await sleep(300)
  assert.equal(((await again('GET', '/instances/rollout-model@1.0.0')).body as { state: string }).state, 'stopped', 'a retired version never starts again by itself')
})

test('a drain lets long requests finish and gives streams their grace period before the old version stops', async (t) => {
  const { gateway, tmp, api } = await openTestGateway(t, { streamGraceMs: 800 })
  await deploy(api, gateway, await packRolloutModel(tmp, '1.0.0'))
  const slow = Array.from({ length: 5 }, () => fetch(`${gateway.url}/models/rollout-model/slow?ms=2000`).then(async (r) => ({ status: r.status, version: r.headers.get('x-ferry-version'), body: await r.json() })))
  const stream = fetch(`${gateway.url}/models/rollout-model/stream?ms=60000`).then(async (r) => {
    let text = ''
    const decoder = new TextDecoder()
    try {
      for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk)
    } catch { /* cut at the end of the grace period */ }
    return { status: r.status, text, endedAt: Date.now() }
  })
  await sleep(300)
  const started = Date.now()
  assert.equal((await deploy(api, gateway, await packRolloutModel(tmp, '1.1.0'), { keepWarm: 0 })).status, 201)
  for (const answer of await Promise.all(slow)) assert.deepEqual([answer.status, answer.version], [200, 'rollout-model@1.0.0'])
  await waitFor(async () => ((await api('GET', '/instances/rollout-model@1.0.0')).body as { state: string }).state === 'stopped', 10_000, '1.0.0 stopped after the drain')
  assert.ok(Date.now() - started >= 1500, 'the old version waited for its requests in flight')
  const streamed = await stream
  assert.equal(streamed.status, 200)
  assert.match(streamed.text, /"version":"1\.0\.0"/, 'the stream was served by the old version')
  assert.ok(streamed.endedAt - started < 9000, 'the stream was cut after its grace period, not left open')
})

test('acceptance: a candidate whose example answers otherwise is stopped before any traffic and latest stays', async (t) => {
  const { gateway, tmp, api } = await openTestGateway(t)
  await deploy(api, gateway, await packRolloutModel(tmp, '1.0.0'))
  const refused = await deploy(api, gateway, await packRolloutModel(tmp, '1.1.0', { ACCEPT_FAIL: '1' }), { strategy: 'canary', interval: '1s' })
  assert.equal(refused.status, 422)
  assert.equal(refused.body.error.code, 'E_ACCEPTANCE_FAILED')
  assert.match(refused.body.error.details.failures[0].reason, /differs from expect\.body at "\/label"/)
  const candidate = (await api('GET', '/instances/rollout-model@1.1.0')).body as { state: string; desired: string; tagged: boolean }
  assert.deepEqual([candidate.state, candidate.desired, candidate.tagged], ['failed', 'stopped', false])
  assert.equal((await predict(gateway.url, 1)).headers.get('x-ferry-version'), 'rollout-model@1.0.0')
  const [latest] = (await api('GET', '/rollouts?model=rollout-model&limit=1')).body as Array<{ status: string; reason: string }>
  assert.equal(latest!.status, 'failed')
})

test('canary: weights step up under live load, every check passes, and it promotes with no failed request', async (t) => {
  const { gateway, tmp, api } = await openTestGateway(t)
  await deploy(api, gateway, await packRolloutModel(tmp, '1.0.0'))
  const load = startLoad(`${gateway.url}/models/rollout-model/predict`, 150, (i) => ({ i }))
  t.after(() => load.stop())
  await sleep(300)
  const started = await deploy(api, gateway, await packRolloutModel(tmp, '1.1.0'), { strategy: 'canary', step: 25, maxWeight: 50, interval: '1s', minRequests: 10, maxLatencyRatio: 20 })
  assert.equal(started.status, 201)
  const running = (await api('GET', '/rollouts/rollout-model')).body as { status: string; weight: number }
  assert.deepEqual([running.status, running.weight], ['running', 25])
  const done: { status: string } = await waitFor(async () => { const r = (await api("GET", "/rollouts/rollout-model")).body as { status: string }; return r.status !== "running" ? r : undefined }, 20_000, 'the canary to end')
  assert.equal(done.status, 'promoted', JSON.stringify(done))
  await sleep(300)
  const result = await load.stop()
  assert.equal(result.failed, 0, JSON.stringify(result))
  assert.ok((result.byVersion['rollout-model@1.1.0'] ?? 0) > 0 && (result.byVersion['rollout-model@1.0.0'] ?? 0) > 0, JSON.stringify(result.byVersion))
  const checks = (done as unknown as { checks: Array<{ type: string; verdict?: string; weight?: number }> }).checks.filter((c) => c.type === 'check')
  assert.ok(checks.filter((c) => c.verdict === 'pass').length >= 2, JSON.stringify(checks))
  const metrics = await (await fetch(`${gateway.url}/metrics`)).text()
  assert.match(metrics, /ferry_requests_total\{model="rollout-model",version="1\.1\.0",code="200",role="canary"\} \d+/)
})

test('canary of a version failing 30 % of requests rolls back by itself within threshold × interval; the stable version is untouched', async (t) => {
  const { gateway, tmp, api } = await openTestGateway(t)
  await deploy(api, gateway, await packRolloutModel(tmp, '1.0.0'))
  const load = startLoad(`${gateway.url}/models/rollout-model/predict`, 150, (i) => ({ i }))
  t.after(() => load.stop())
  await deploy(api, gateway, await packRolloutModel(tmp, '1.1.0', { FAIL_PERCENT: '30' }), { strategy: 'canary', step: 20, maxWeight: 60, interval: '1s', threshold: 2, minRequests: 10 })
  const started = Date.now()
  const done: { status: string } = await waitFor(async () => { const r = (await api("GET", "/rollouts/rollout-model")).body as { status: string }; return r.status !== "running" ? r : undefined }, 15_000, 'the rollback')
  const tookMs = Date.now() - started
  assert.equal(done.status, 'rolled-back', JSON.stringify(done))
  assert.match((done as unknown as { reason: string }).reason, /success rate/)
  assert.ok(tookMs < 2 * 1000 + 1000, `decided in ${tookMs} ms (threshold 2 × interval 1 s, plus a second of slack)`)
  const afterRollback = load.snapshot()
  await sleep(600)
  const result = await load.stop()
  assert.equal(result.failed - afterRollback.failed, 0, 'no failure once rolled back')
  assert.ok(result.failed > 0 && result.failed < result.sent * 0.3 * 0.2 * 2 + 5, `failures bounded by the canary weight: ${JSON.stringify(result)}`)
  const candidate = (await api('GET', '/instances/rollout-model@1.1.0')).body as { state: string; desired: string }
  assert.deepEqual([candidate.state, candidate.desired], ['stopped', 'stopped'])
  assert.equal(((await api('GET', '/models')).body as Array<{ aliases: Record<string, string> }>)[0]!.aliases['latest'], '1.0.0')
})

test('shadow: copies never reach the caller, and the agreement at a JSON pointer reads 0.80 for a version that differs on 20 % of inputs', async (t) => {
  const { gateway, tmp, api } = await openTestGateway(t)
  await deploy(api, gateway, await packRolloutModel(tmp, '1.0.0'))
  await deploy(api, gateway, await packRolloutModel(tmp, '1.1.0', { DIFFER_EVERY: '5' }), { strategy: 'shadow', compare: '/label', interval: '1s', minAgreement: 95 })
  for (let i = 0; i < 200; i++) {
    const response = await predict(gateway.url, i)
    assert.equal(response.headers.get('x-ferry-version'), 'rollout-model@1.0.0')
    assert.notEqual(((await response.json()) as { label: string }).label, 'different')
  }
  await sleep(1500)
  const rollout = (await api('GET', '/rollouts/rollout-model')).body as { checks: Array<{ shadow?: { compared: number; agreed: number } }>; live: { shadow: { compared: number; agreed: number } } }
  const compared = rollout.checks.reduce((n, c) => n + (c.shadow?.compared ?? 0), 0) + rollout.live.shadow.compared
  const agreed = rollout.checks.reduce((n, c) => n + (c.shadow?.agreed ?? 0), 0) + rollout.live.shadow.agreed
  assert.ok(compared >= 190, `compared ${compared}`)
  assert.ok(Math.abs(agreed / compared - 0.8) <= 0.05, `agreement ${agreed}/${compared}`)
  const refused = await api('POST', '/rollouts/rollout-model/promote')
  assert.equal(refused.status, 409)
  assert.equal(refused.body.error.code, 'E_ROLLOUT_CHECKS_FAILING')
  const forced = await api('POST', '/rollouts/rollout-model/promote', { force: true })
  assert.equal(forced.body.status, 'promoted')
  assert.equal((await predict(gateway.url, 5)).headers.get('x-ferry-version'), 'rollout-model@1.1.0')
})

test('manual: the candidate answers under the canary alias with no share of latest until promoted; pause and resume', async (t) => {
  const { gateway, tmp, api } = await openTestGateway(t)
  await deploy(api, gateway, await packRolloutModel(tmp, '1.0.0'))
  await deploy(api, gateway, await packRolloutModel(tmp, '1.1.0'), { strategy: 'manual' })
  assert.equal((await fetch(`${gateway.url}/models/rollout-model@canary/slow?ms=1`)).headers.get('x-ferry-version'), 'rollout-model@1.1.0')
  for (let i = 0; i < 20; i++) assert.equal((await predict(gateway.url, i)).headers.get('x-ferry-version'), 'rollout-model@1.0.0')
  assert.equal((await api('POST', '/rollouts/rollout-model/pause')).body.status, 'paused')
  assert.equal((await api('POST', '/rollouts/rollout-model/resume')).body.status, 'running')
  assert.equal((await api('POST', '/rollouts/rollout-model/promote')).body.status, 'promoted')
  assert.equal((await predict(gateway.url, 1)).headers.get('x-ferry-version'), 'rollout-model@1.1.0')
  const second = await api('POST', '/rollouts/rollout-model/promote')
  assert.deepEqual([second.status, second.body.error.code], [409, 'E_ROLLOUT_NOT_ACTIVE'])
})

test('rollback: aborts a rollout in progress, else starts the retired previous version and switches latest to it', async (t) => {
  const { gateway, tmp, api } = await openTestGateway(t)
  await deploy(api, gateway, await packRolloutModel(tmp, '1.0.0'))
  await deploy(api, gateway, await packRolloutModel(tmp, '1.1.0'), { keepWarm: 0 })
  await waitFor(async () => ((await api('GET', '/instances/rollout-model@1.0.0')).body as { state: string }).state === 'stopped', 10_000, '1.0.0 retired')
  const back = await api('POST', '/rollouts/rollout-model/rollback')
  assert.equal(back.status, 200, JSON.stringify(back.body))
  assert.deepEqual([back.body.candidate, back.body.stable, back.body.status], ['1.0.0', '1.1.0', 'promoted'])
  assert.equal((await predict(gateway.url, 1)).headers.get('x-ferry-version'), 'rollout-model@1.0.0')
  await deploy(api, gateway, await packRolloutModel(tmp, '1.2.0'), { strategy: 'manual' })
  const aborted = await api('POST', '/rollouts/rollout-model/rollback')
  assert.deepEqual([aborted.body.candidate, aborted.body.status], ['1.2.0', 'aborted'])
})

test('bad rollout input is refused with its code and the option at fault, and changes nothing', async (t) => {
  const { gateway, tmp, api } = await openTestGateway(t)
  await deploy(api, gateway, await packRolloutModel(tmp, '1.0.0'))
  const digest = await upload(gateway, await packRolloutModel(tmp, '1.1.0'))
  const cases: Array<[Record<string, unknown>, number, string, string]> = [
    [{ strategy: 'blue-green' }, 400, 'E_ROLLOUT_STRATEGY_UNKNOWN', '/strategy'],
    [{ strategy: 'canary', maxWeight: 120 }, 400, 'E_ROLLOUT_WEIGHT_INVALID', '/maxWeight'],
    [{ strategy: 'canary', step: -5 }, 400, 'E_ROLLOUT_WEIGHT_INVALID', '/step'],
    [{ strategy: 'canary', step: 60, maxWeight: 50 }, 400, 'E_ROLLOUT_STEP_TOO_LARGE', '/step'],
    [{ strategy: 'canary', interval: '500ms' }, 400, 'E_ROLLOUT_INTERVAL_TOO_SHORT', '/interval'],
    [{ strategy: 'canary', interval: 'soon' }, 400, 'E_ROLLOUT_INTERVAL_TOO_SHORT', '/interval'],
    [{ strategy: 'shadow', compare: 'label' }, 400, 'E_ROLLOUT_COMPARE_INVALID', '/compare'],
    [{ strategy: 'shadow', compare: '/a~2' }, 400, 'E_ROLLOUT_COMPARE_INVALID', '/compare'],
    [{ strategy: 'canary', threshold: 0 }, 400, 'E_ROLLOUT_OPTION_INVALID', '/threshold'],
  ]
  for (const [options, status, code, path] of cases) {
    const refused = await api('POST', '/deployments', { package: digest, ...options })
    assert.deepEqual([refused.status, refused.body.error.code, refused.body.error.path], [status, code, path], JSON.stringify(options))
  }
  assert.equal(((await api('GET', '/instances')).body as unknown[]).length, 1, 'nothing was recorded')
  const promote = await api('POST', '/rollouts/rollout-model/promote')
  assert.deepEqual([promote.status, promote.body.error.code], [409, 'E_ROLLOUT_NOT_ACTIVE'])
  await api('POST', '/deployments', { package: digest, strategy: 'manual' })
  const third = await upload(gateway, await packRolloutModel(tmp, '1.2.0'))
  const twice = await api('POST', '/deployments', { package: third, strategy: 'canary' })
  assert.deepEqual([twice.status, twice.body.error.code], [409, 'E_ROLLOUT_IN_PROGRESS'])
  assert.equal(((await api('GET', '/instances')).body as unknown[]).length, 2, 'the second rollout recorded nothing')
  const notFound = await api('GET', '/rollouts/nope')
  assert.deepEqual([notFound.status, notFound.body.error.code], [404, 'E_ROLLOUT_NOT_FOUND'])
})
