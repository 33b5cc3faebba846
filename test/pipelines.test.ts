/**
 * Pipelines end to end on a real `ferry serve`: a broken pipeline is refused at deploy with its
 * code and JSON path; test/fixtures/packages/pipeline-flow (a switch, a sequence, an ensemble over
 * test/fixtures/packages/step-model) is ready with no process, answers through its steps with the
 * request id carried to each, a trace, per-step metrics, tracked runs, its OpenAPI paths, and
 * failures that name their step (502, 504, 503 for a model that is not deployed).
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { cp, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTempDir, runFerry } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

type ErrorBody = { error: { code: string; message: string; details: Record<string, unknown> }; trace?: Array<Record<string, unknown>> }

const FLOW = ferryPath('test', 'fixtures', 'packages', 'pipeline-flow')
const STEP_MODEL = ferryPath('test', 'fixtures', 'packages', 'step-model')

test('a pipeline runs its graph in the gateway, naming the step that fails', { timeout: 240_000 }, async (t) => {
  const ferry = await startFerryServe(t, { args: ['--sandbox', 'none'] })
  const run = (body: unknown, init: { query?: string; headers?: Record<string, string>; path?: string } = {}) =>
    fetch(`${ferry.url}${init.path ?? '/models/flow/run'}${init.query ?? ''}`, { method: 'POST', headers: { 'content-type': 'application/json', ...init.headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) })

  await t.test('a pipeline whose step reads a step that runs after it is refused at deploy, with its code and path', async () => {
    const refused = await runFerry(['deploy', ferryPath('descriptors', 'examples', 'invalid', 'pipeline-pointer'), '--gateway', ferry.url, '--token', ferry.token])
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr + refused.stdout, /\/runtime\/steps\/classify\/input\/text\/from\s+E_PIPELINE_POINTER_UNRESOLVED/)
    const models = await (await ferry.api('/api/models')).json() as Array<{ name: string }>
    assert.ok(!models.some((m) => m.name === 'pipeline-pointer'), 'nothing was deployed')
  })

  await t.test('a pipeline is ready once stored; before its steps\' model is deployed, a call answers 503 naming the step', async () => {
    const deployed = await ferry.deployFolder(FLOW)
    assert.equal(deployed.ref, 'flow@1.0.0')
    assert.equal(deployed.state, 'ready')
    const routing = await (await ferry.api('/api/routing')).json() as { models: Record<string, { servedBy: string }> }
    assert.equal(routing.models['flow']?.servedBy, 'gateway')
    const res = await run({ text: 'hello', mode: 'count' })
    assert.equal(res.status, 503)
    const body = await res.json() as ErrorBody
    assert.equal(body.error.code, 'E_PIPELINE_STEP_UNAVAILABLE')
    assert.equal(body.error.details['step'], 'shout')
    assert.match(body.error.message, /step-model/)
  })

  await ferry.deployFolder(STEP_MODEL)

  await t.test('health reports the readiness of each step\'s model', async () => {
    const res = await fetch(`${ferry.url}/models/flow/health`)
    assert.equal(res.status, 503, 'one step calls a model that is not deployed')
    const body = await res.json() as { steps: Array<{ step: string; ready: boolean; ref: string | null }> }
    const byStep = new Map(body.steps.map((s) => [s.step, s]))
    assert.equal(byStep.get('shout')?.ready, true)
    assert.equal(byStep.get('shout')?.ref, 'step-model@1.0.0')
    assert.equal(byStep.get('missing')?.ready, false)
  })

  await t.test('a sequence and a switch: the request id reaches every step, and the trace lists them', async () => {
    const res = await run({ text: 'hello pipeline world', mode: 'count' }, { query: '?trace=1', headers: { 'x-request-id': 'req-pipeline-1' } })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('x-request-id'), 'req-pipeline-1')
    assert.equal(res.headers.get('x-ferry-version'), 'flow@1.0.0')
    const body = await res.json() as { words: number; requestId: string; trace: Array<{ step: string; model: string; version: string; status: number; durationMs: number }> }
    assert.equal(body.words, 3)
    assert.equal(body.requestId, 'req-pipeline-1', 'the last step got the request id')
    assert.deepEqual(body.trace.map((s) => [s.step, s.model, s.version, s.status]), [['shout', 'step-model@1.0.0', 'step-model@1.0.0', 200], ['counting', 'step-model@latest', 'step-model@1.0.0', 200]])
    assert.ok(body.trace.every((s) => typeof s.durationMs === 'number' && s.durationMs >= 0))
    const runId = res.headers.get('x-ferry-run-id')
    assert.ok(runId, 'the call is a tracked run')
    const tracked = await (await ferry.api(`/api/runs/${runId}`)).json() as { model: string; params: Record<string, unknown>; metrics: Record<string, number>; requestId: string; status: string }
    assert.equal(tracked.model, 'flow')
    assert.equal(tracked.status, 'finished')
    assert.deepEqual(tracked.params, { mode: 'count' })
    assert.deepEqual(tracked.metrics, { words: 3 })
    assert.equal(tracked.requestId, 'req-pipeline-1')
    const { runs: found } = await (await ferry.api('/api/runs?model=flow&q=pipeline')).json() as { runs: Array<{ id: number }> }
    assert.ok(found.some((r) => r.id === Number(runId)), 'the recorded text finds the run')
  })

  await t.test('without ?trace=1 the answer is the output alone; the version can be named', async () => {
    const res = await run({ text: 'one two', mode: 'count' }, { path: '/models/flow@1.0.0/run' })
    assert.equal(res.status, 200)
    const body = await res.json() as Record<string, unknown>
    assert.equal(body['words'], 2)
    assert.equal(body['trace'], undefined)
    assert.match(String(body['requestId']), /^[0-9a-f]{32}$/, 'a request id is made when none is sent')
  })

  await t.test('an ensemble runs its steps side by side and combines their outputs by step id', async () => {
    const res = await run({ text: 'a text that is rather long', mode: 'both' }, { query: '?trace=1' })
    assert.equal(res.status, 200)
    const body = await res.json() as { words: { words: number }; kind: { kind: string }; trace: Array<{ step: string }> }
    assert.equal(body.words.words, 6)
    assert.equal(body.kind.kind, 'long')
    assert.deepEqual(body.trace.map((s) => s.step).sort(), ['kind', 'shout', 'words'])
  })

  await t.test('a step answering 500 fails the call with 502 naming it; a slow one 504; a model not deployed 503', async () => {
    const failed = await run({ text: 'x', mode: 'fail' }, { query: '?trace=1' })
    assert.equal(failed.status, 502)
    const failure = await failed.json() as ErrorBody
    assert.equal(failure.error.code, 'E_PIPELINE_STEP_FAILED')
    assert.equal(failure.error.details['step'], 'broken')
    assert.equal(failure.error.details['status'], 500)
    assert.match(failure.error.message, /step "broken"/)
    assert.deepEqual(failure.trace?.map((s) => [s['step'], s['status']]), [['shout', 200], ['broken', 500]])
    const runId = failed.headers.get('x-ferry-run-id')
    const tracked = await (await ferry.api(`/api/runs/${runId}`)).json() as { status: string; tags: Record<string, string> }
    assert.equal(tracked.status, 'failed')
    assert.deepEqual(tracked.tags, { error: 'E_PIPELINE_STEP_FAILED', failedStep: 'broken' })

    const slow = await run({ text: 'x', mode: 'slow' })
    assert.equal(slow.status, 504)
    const timeout = await slow.json() as ErrorBody
    assert.equal(timeout.error.code, 'E_PIPELINE_STEP_TIMEOUT')
    assert.equal(timeout.error.details['step'], 'slowpoke')

    const absent = await run({ text: 'x', mode: 'absent' })
    assert.equal(absent.status, 503)
    const unavailable = await absent.json() as ErrorBody
    assert.equal(unavailable.error.code, 'E_PIPELINE_STEP_UNAVAILABLE')
    assert.equal(unavailable.error.details['step'], 'missing')
    assert.equal(unavailable.error.details['model'], 'not-deployed@latest')

    const unknownMode = await run({ text: 'x', mode: 'dance' })
    assert.equal(unknownMode.status, 422)
    const noCase = await unknownMode.json() as ErrorBody
    assert.equal(noCase.error.code, 'E_PIPELINE_NO_CASE')
    assert.equal(noCase.error.details['step'], 'route')

    const noText = await run({ mode: 'count' })
    assert.equal(noText.status, 400)
    const missing = await noText.json() as ErrorBody
    assert.equal(missing.error.code, 'E_PIPELINE_INPUT_MISSING')
    assert.deepEqual([missing.error.details['step'], missing.error.details['pointer']], ['shout', '/request/body/text'])
  })

  await t.test('a file is passed to its step as it came, raw or from a multipart form', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 250, 251])
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const raw = await fetch(`${ferry.url}/models/flow/upload`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: bytes })
    assert.equal(raw.status, 200)
    assert.deepEqual(await raw.json(), { contentType: 'image/png', size: bytes.length, sha256, requestId: raw.headers.get('x-request-id') })
    const form = new FormData()
    form.append('note', 'a field')
    form.append('image', new Blob([bytes], { type: 'image/jpeg' }), 'photo.jpg')
    const multipart = await fetch(`${ferry.url}/models/flow/upload`, { method: 'POST', body: form })
    assert.equal(multipart.status, 200)
    const described = await multipart.json() as { contentType: string; size: number; sha256: string }
    assert.deepEqual([described.contentType, described.size, described.sha256], ['image/jpeg', bytes.length, sha256])
  })

  await t.test('an endpoint the pipeline does not list is a 404 that lists those it has', async () => {
    const res = await run({}, { path: '/models/flow/nothing' })
    assert.equal(res.status, 404)
    const body = await res.json() as ErrorBody
    assert.equal(body.error.code, 'E_PIPELINE_ENDPOINT_NOT_FOUND')
    assert.deepEqual(body.error.details['endpoints'], ['POST /run', 'POST /upload'])
  })

  await t.test('the pipeline\'s endpoints are in /openapi.json, and its steps in /metrics', async () => {
    const doc = await (await fetch(`${ferry.url}/openapi.json`)).json() as { paths: Record<string, unknown> }
    for (const path of ['/models/flow/run', '/models/flow@1.0.0/run', '/models/flow/upload']) assert.ok(doc.paths[path], `${path} in /openapi.json`)
    const metrics = await (await fetch(`${ferry.url}/metrics`)).text()
    assert.match(metrics, /^ferry_pipeline_steps_total\{pipeline="flow",version="1\.0\.0",step="shout",model="step-model@1\.0\.0",status="200"\} [1-9]\d*$/m)
    assert.match(metrics, /^ferry_pipeline_steps_total\{pipeline="flow",version="1\.0\.0",step="broken",model="step-model@latest",status="500"\} 1$/m)
    assert.match(metrics, /^ferry_pipeline_step_duration_seconds_count\{pipeline="flow",version="1\.0\.0",step="counting"\} [1-9]\d*$/m)
    assert.match(metrics, /^ferry_requests_total\{model="flow",version="1\.0\.0",code="502",role="stable"\} 1$/m)
  })

  await t.test('a new version rolls out like a model\'s: latest moves, the old stays reachable by version and alias, rollback moves it back', async () => {
    const folder = join(await makeTempDir(t, 'flow-1.1-'), 'flow')
    await cp(FLOW, folder, { recursive: true })
    const descriptor = JSON.parse(await readFile(join(folder, 'descriptor.json'), 'utf8')) as { version: string; runtime: Record<string, unknown> }
    descriptor.version = '1.1.0'
    descriptor.runtime['output'] = { v2: { from: '/steps/entry/output' } }
    await writeFile(join(folder, 'descriptor.json'), JSON.stringify(descriptor))
    const alias = await runFerry(['alias', 'flow', 'stable', '1.0.0', '--gateway', ferry.url, '--token', ferry.token])
    assert.equal(alias.code, 0, alias.stderr)
    const deployed = await ferry.deployFolder(folder)
    assert.equal(deployed.ref, 'flow@1.1.0')
    const latest = await (await run({ text: 'a b c', mode: 'count' })).json() as { v2?: { words: number } }
    assert.equal(latest.v2?.words, 3, 'latest is 1.1.0')
    const stable = await run({ text: 'a b c', mode: 'count' }, { path: '/models/flow@stable/run' })
    assert.equal(stable.headers.get('x-ferry-version'), 'flow@1.0.0')
    assert.equal((await stable.json() as { words: number }).words, 3)
    const rolledBack = await runFerry(['rollback', 'flow', '--gateway', ferry.url, '--token', ferry.token])
    assert.equal(rolledBack.code, 0, rolledBack.stderr)
    const after = await run({ text: 'a b c', mode: 'count' })
    assert.equal(after.headers.get('x-ferry-version'), 'flow@1.0.0')
  })

  await t.test('after a restart the pipeline is ready again under the same aliases', async () => {
    assert.equal(await ferry.stop(), 0)
    const again = await startFerryServe(t, { args: ['--sandbox', 'none'], dataDir: ferry.dataDir })
    const deadline = Date.now() + 60_000
    let res: Response
    for (;;) {
      res = await fetch(`${again.url}/models/flow@stable/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'back again', mode: 'count' }), signal: AbortSignal.timeout(10_000) })
      if (res.status === 200 || Date.now() > deadline) break
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    assert.equal(res.status, 200, await res.clone().text())
    assert.equal((await res.json() as { words: number }).words, 2)
    const models = await (await again.api('/api/models')).json() as Array<{ name: string; aliases: Record<string, string> }>
    assert.deepEqual(models.find((m) => m.name === 'flow')?.aliases, { latest: '1.0.0', stable: '1.0.0' })
    assert.equal(await again.stop(), 0)
  })
})

test('with the nginx data plane in front, nginx hands a pipeline to the gateway, which calls its steps', { timeout: 120_000 }, async (t) => {
  const ferry = await startFerryServe(t, { args: ['--sandbox', 'none', '--data-plane', 'nginx'] })
  await ferry.deployFolder(STEP_MODEL)
  await ferry.deployFolder(FLOW)
  const deadline = Date.now() + 30_000
  let res: Response
  // nginx serves the new table after a graceful reload.
  for (;;) {
    res = await fetch(`${ferry.url}/models/flow/run?trace=1`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'via-nginx' }, body: JSON.stringify({ text: 'through nginx', mode: 'count' }), signal: AbortSignal.timeout(10_000) })
    if (res.status === 200 || Date.now() > deadline) break
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  assert.equal(res.status, 200, await res.clone().text())
  const body = await res.json() as { words: number; requestId: string; trace: Array<{ step: string; status: number }> }
  assert.equal(body.words, 2)
  assert.equal(body.requestId, 'via-nginx')
  assert.deepEqual(body.trace.map((s) => [s.step, s.status]), [['shout', 200], ['counting', 200]])
  assert.equal(await ferry.stop(), 0)
})
