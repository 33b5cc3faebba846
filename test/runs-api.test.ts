/**
 * Tracked runs and prediction history on a real gateway: an instance records its own runs with the
 * tracking token it was started with (and nothing else), artifacts are kept byte for byte, bad
 * bodies change nothing, runs survive a restart, and every proxied request is in /api/requests.
 */
import assert from 'node:assert/strict'
import { realpath, rm, writeFile } from 'node:fs/promises'
import { PNG } from 'pngjs'
import { findLeftoverProcesses } from '../deployer/_leftover-processes.js'
import { resolveDeployerOptions } from '../deployer/options.js'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { startGateway, type RunningGateway } from '../gateway/server.js'
import { FAST, packFixture } from './_deployer-helpers.js'
import { makeTempDir } from './_helpers.js'

interface Run { id: number; model: string; version: string; status: string; startedAt: string; endedAt: string | null; params: Record<string, unknown>; metrics: Record<string, number>; tags: Record<string, string>; requestId: string | null; artifacts: Array<{ name: string; size: number; contentType: string; url: string }> }

async function openWithModel(t: TestContext, dataDir?: string) {
  const tmp = await makeTempDir(t, 'ferry-runs-')
  const gateway = await startGateway({ port: 0, dataDir: dataDir ?? join(tmp, 'data'), env: {}, deployer: FAST })
  t.after(() => gateway.close())
  return { gateway, tmp }
}

function call(gateway: RunningGateway, path: string, init: RequestInit & { json?: unknown; token?: string } = {}) {
  const headers = new Headers(init.headers)
  headers.set('authorization', `Bearer ${init.token ?? gateway.token}`)
  if (init.json !== undefined) headers.set('content-type', 'application/json')
  return fetch(`${gateway.url}${path}`, { ...init, headers, ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}) })
}

const code = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code

async function deployValid(gateway: RunningGateway, tmp: string): Promise<Record<string, string>> {
  const { digest } = await gateway.deployer.addPackage(await packFixture('valid', tmp))
  await gateway.deployer.deploy({ package: digest })
  return (await (await fetch(`${gateway.url}/models/valid/env`)).json()) as Record<string, string>
}

test('an instance records its own runs with its tracking token; artifacts come back byte for byte', async (t) => {
  const { gateway, tmp } = await openWithModel(t)
  const env = await deployValid(gateway, tmp)
  assert.equal(env['FERRY_TRACKING_URL'], `${gateway.url}/api/runs`)
  const token = env['FERRY_TRACKING_TOKEN']!
  assert.match(token, /^ftr_/)

  const created = await call(gateway, '/api/runs', { method: 'POST', token, json: { params: { num_words: 3, words: 'a b c' }, metrics: { mean_confidence: 91.5 }, tags: { source: 'test' }, status: 'finished', requestId: 'req-1' } })
  assert.equal(created.status, 201)
  const run = (await created.json()) as Run
  assert.deepEqual([run.model, run.version, run.status, run.requestId], ['valid', '1.0.0', 'finished', 'req-1'])
  assert.ok(run.endedAt, 'a finished run has an end time')
  const image = new PNG({ width: 3, height: 2 })
  image.data.fill(200)
  const png = PNG.sync.write(image)
  const put = await call(gateway, `/api/runs/${run.id}/artifacts/highlighted.png`, { method: 'PUT', token, body: png, headers: { 'content-type': 'image/png' } })
  assert.equal(put.status, 201)
  const patched = (await (await call(gateway, `/api/runs/${run.id}`, { method: 'PATCH', token, json: { metrics: { duration_ms: 12 } } })).json()) as Run
  assert.deepEqual(patched.metrics, { mean_confidence: 91.5, duration_ms: 12 }, 'PATCH merges')

  const read = (await (await call(gateway, `/api/runs/${run.id}`)).json()) as Run
  assert.deepEqual(read.artifacts, [{ name: 'highlighted.png', size: png.length, contentType: 'image/png', url: `/api/runs/${run.id}/artifacts/highlighted.png` }])
  const artifact = await call(gateway, read.artifacts[0]!.url)
  assert.equal(artifact.headers.get('content-type'), 'image/png')
  assert.deepEqual(Buffer.from(await artifact.arrayBuffer()), png)

  // What the token may not do.
  assert.equal(await code(await call(gateway, '/api/runs', { token })), 'E_FORBIDDEN', 'reading is for the admin')
  assert.equal(await code(await call(gateway, '/api/instances', { token })), 'E_FORBIDDEN')
  assert.equal(await code(await call(gateway, '/api/runs', { method: 'POST', token, json: { model: 'other', version: '1.0.0' } })), 'E_FORBIDDEN')
  const foreign = (await (await call(gateway, '/api/runs', { method: 'POST', json: { model: 'other', version: '2.0.0' } })).json()) as Run
  assert.equal(await code(await call(gateway, `/api/runs/${foreign.id}`, { method: 'PATCH', token, json: { status: 'failed' } })), 'E_FORBIDDEN')
  const forged = token.replace(/^ftr_[^.]+/, `ftr_${Buffer.from('other@2.0.0').toString('base64url')}`)
  assert.equal((await call(gateway, '/api/runs', { method: 'POST', token: forged, json: {} })).status, 401, 'a token for another version cannot be forged')
  assert.equal(((await (await call(gateway, `/api/runs/${foreign.id}`)).json()) as Run).status, 'running', 'the foreign run is untouched')
})

test('bad run bodies and queries get their code and change nothing', async (t) => {
  const { gateway } = await openWithModel(t)
  const post = (json: unknown) => call(gateway, '/api/runs', { method: 'POST', json })
  const cases: Array<[unknown, string]> = [
    [{ model: 'm', version: '1', colour: 'red' }, 'E_BODY_INVALID'],
    [{ model: 'm', version: '1', metrics: { accuracy: 'high' } }, 'E_BODY_INVALID'],
    [{ model: 'm', version: '1', params: { nested: { a: 1 } } }, 'E_BODY_INVALID'],
    [{ model: 'm', version: '1', status: 'done' }, 'E_BODY_INVALID'],
    [{ model: 'm', version: '1', startedAt: 'yesterday' }, 'E_BODY_INVALID'],
    [{ model: 'm', version: '1', startedAt: '2016-12-31T23:59:60Z' }, 'E_BODY_INVALID'],
    [{ version: '1' }, 'E_BODY_INVALID'],
    [[1, 2], 'E_BODY_INVALID'],
  ]
  for (const [json, expected] of cases) {
    const res = await post(json)
    assert.equal(res.status, 400, JSON.stringify(json))
    const body = (await res.json()) as { error: { code: string; path?: string } }
    assert.equal(body.error.code, expected, JSON.stringify(json))
  }
  const unknownField = (await (await post({ model: 'm', version: '1', colour: 'red' })).json()) as { error: { path: string } }
  assert.equal(unknownField.error.path, '/colour')
  assert.equal(await code(await call(gateway, '/api/runs', { method: 'POST', body: '{"model":', headers: { 'content-type': 'application/json' } })), 'E_BODY_INVALID_JSON')
  assert.equal((await call(gateway, '/api/runs', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } })).status, 415)
  assert.deepEqual(((await (await call(gateway, '/api/runs')).json()) as { runs: Run[] }).runs, [], 'nothing was recorded')

  const run = (await (await post({ model: 'm', version: '1' })).json()) as Run
  assert.equal(await code(await call(gateway, `/api/runs/${run.id}/artifacts/.hidden`, { method: 'PUT', body: 'x' })), 'E_ARTIFACT_NAME_INVALID')
  const huge = await call(gateway, `/api/runs/${run.id}/artifacts/big.bin`, { method: 'PUT', body: Buffer.alloc(21 * 1024 * 1024) })
  assert.equal(huge.status, 413)
  assert.deepEqual(((await (await call(gateway, `/api/runs/${run.id}`)).json()) as Run).artifacts, [], 'no artifact was kept')
  assert.equal(await code(await call(gateway, '/api/runs/999999')), 'E_RUN_NOT_FOUND')
  assert.equal(await code(await call(gateway, `/api/runs/${run.id}/artifacts/nope.png`)), 'E_ARTIFACT_NOT_FOUND')
  assert.equal(await code(await call(gateway, '/api/runs?since=last-week')), 'E_QUERY_INVALID')
  assert.equal(await code(await call(gateway, '/api/runs?limit=0')), 'E_QUERY_INVALID')
})

test('runs are filtered by model, version, time and text, newest first, and survive a restart', async (t) => {
  const tmp = await makeTempDir(t, 'ferry-runs-')
  const dataDir = join(tmp, 'data')
  const { gateway } = await openWithModel(t, dataDir)
  const post = (json: unknown) => call(gateway, '/api/runs', { method: 'POST', json }).then((r) => r.json() as Promise<Run>)
  const a = await post({ model: 'ocr', version: '1.0.0', params: { words: 'invoice total 42' } })
  const b = await post({ model: 'ocr', version: '1.1.0', params: { words: 'hello world' }, tags: { batch: 'Nightly_%' } })
  const c = await post({ model: 'digits', version: '1.0.0', startedAt: '2020-01-01T00:00:00Z' })
  const list = async (query: string) => ((await (await call(gateway, `/api/runs${query}`)).json()) as { runs: Run[] }).runs.map((r) => r.id)
  assert.deepEqual(await list(''), [c.id, b.id, a.id])
  assert.deepEqual(await list('?model=ocr'), [b.id, a.id])
  assert.deepEqual(await list('?model=ocr&version=1.0.0'), [a.id])
  assert.deepEqual(await list('?q=INVOICE'), [a.id], 'q searches params, ignoring case')
  assert.deepEqual(await list('?q=nightly_%25'), [b.id], 'q searches tags, with % and _ taken literally')
  assert.deepEqual(await list('?q=night_y'), [], '_ is not a wildcard')
  assert.deepEqual(await list('?since=2021-01-01T00:00:00Z'), [b.id, a.id])
  assert.deepEqual(await list('?limit=1'), [c.id])
  await gateway.close()

  const again = await startGateway({ port: 0, dataDir, env: {}, deployer: FAST })
  t.after(() => again.close())
  assert.deepEqual(((await (await call(again, '/api/runs')).json()) as { runs: Run[] }).runs.map((r) => r.id), [c.id, b.id, a.id])
})

test('every proxied request is in the prediction history with its request id', async (t) => {
  const { gateway, tmp } = await openWithModel(t)
  await deployValid(gateway, tmp)
  await fetch(`${gateway.url}/models/valid/predict`, { method: 'POST', body: 'hello', headers: { 'x-request-id': 'req-from-client' } })
  await fetch(`${gateway.url}/models/valid@1.0.0/missing`)
  await fetch(`${gateway.url}/models/nosuchmodel/predict`, { method: 'POST', body: 'x' })
  const { requests } = (await (await call(gateway, '/api/requests?model=valid')).json()) as { requests: Array<Record<string, unknown>> }
  assert.deepEqual(requests.slice(0, 2).map((r) => [r['method'], r['path'], r['status'], r['version']]), [['GET', '/models/valid@1.0.0/missing', 404, '1.0.0'], ['POST', '/models/valid/predict', 200, '1.0.0']])
  const predict = requests[1]!
  assert.equal(predict['requestId'], 'req-from-client')
  assert.equal(predict['requestBytes'], 5)
  assert.ok((predict['responseBytes'] as number) > 0 && (predict['durationMs'] as number) > 0)
  const unknown = (await (await call(gateway, '/api/requests?model=nosuchmodel')).json()) as { requests: Array<Record<string, unknown>> }
  assert.deepEqual(unknown.requests.map((r) => [r['status'], r['version']]), [[404, null]])
  assert.equal(await code(await call(gateway, '/api/requests?since=soon')), 'E_QUERY_INVALID')
})

test('a server that cannot open its tracking database starts no instance', async (t) => {
  const { gateway, tmp } = await openWithModel(t)
  await deployValid(gateway, tmp)
  const dataDir = gateway.dataDir
  await gateway.close()
  await writeFile(join(dataDir, 'tracking.db'), 'this is not a database, it is a damaged file'.repeat(100))
  await rm(join(dataDir, 'tracking.db-wal'), { force: true })
  await rm(join(dataDir, 'tracking.db-shm'), { force: true })
  await assert.rejects(startGateway({ port: 0, dataDir, env: {}, deployer: FAST }), /not a readable SQLite database/)
  const marker = { key: 'FERRY_HOME_ID', value: resolveDeployerOptions({ dataDir: await realpath(dataDir) }).homeId }
  assert.deepEqual(await findLeftoverProcesses(marker), [], 'no model process is left running')
})
