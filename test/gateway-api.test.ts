/**
 * The management API on a real `startGateway` (real port, real deployer): the token guards /api,
 * every bad request gets its code and changes nothing, and a package goes from upload to a
 * running, aliased version.
 */
import assert from 'node:assert/strict'
import { readFile, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { startGateway, type RunningGateway } from '../gateway/server.js'
import { FAST, packFixture } from './_deployer-helpers.js'
import { api, errorCode } from './_api.js'
import { makeTempDir } from './_helpers.js'

async function openGateway(t: TestContext, options: { maxUploadBytes?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunningGateway & { tmp: string }> {
  const tmp = await makeTempDir(t, 'ferry-gateway-')
  const gateway = await startGateway({ port: 0, dataDir: join(tmp, 'data'), env: options.env ?? {}, deployer: FAST, ...(options.maxUploadBytes ? { maxUploadBytes: options.maxUploadBytes } : {}) })
  t.after(() => gateway.close())
  return { ...gateway, tmp }
}



test('the token is generated once with mode 0600, required on /api, and compared exactly', async (t) => {
  const gateway = await openGateway(t)
  const file = join(gateway.dataDir, 'token')
  assert.equal((await stat(file)).mode & 0o777, 0o600)
  assert.equal((await readFile(file, 'utf8')).trim(), gateway.token)
  assert.equal((await fetch(`${gateway.url}/health`)).status, 200, '/health is open')
  const none = await fetch(`${gateway.url}/api/models`)
  assert.equal(none.status, 401)
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="ferry"')
  assert.equal(await errorCode(none), 'E_UNAUTHORIZED')
  assert.equal((await api(gateway, '/models', { headers: { authorization: `Bearer ${gateway.token}x` } })).status, 401)
  assert.equal((await api(gateway, '/models', { headers: { authorization: gateway.token } })).status, 401, 'the Bearer scheme is required')
  assert.equal((await api(gateway, '/models')).status, 200)
  const fromEnv = await openGateway(t, { env: { FERRY_TOKEN: 'a-token-from-the-environment' } })
  assert.equal(fromEnv.token, 'a-token-from-the-environment')
  assert.equal(fromEnv.tokenSource, 'FERRY_TOKEN')
})

test('a package goes from upload to a running, aliased version through the API', async (t) => {
  const gateway = await openGateway(t)
  const zip = await readFile(await packFixture('valid', gateway.tmp))
  const upload = await api(gateway, '/packages', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: zip })
  assert.equal(upload.status, 201)
  const pkg = (await upload.json()) as { digest: string; name: string; version: string }
  assert.deepEqual([pkg.name, pkg.version], ['valid', '1.0.0'])
  assert.equal((await api(gateway, '/packages', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: zip })).status, 200, 'the same zip again is a no-op')
  const deployed = await api(gateway, '/deployments', { method: 'POST', json: { package: pkg.digest, replicas: 2 } })
  assert.equal(deployed.status, 201)
  const info = (await deployed.json()) as { ref: string; state: string; aliases: string[]; replicas: unknown[] }
  assert.deepEqual([info.ref, info.state, info.aliases, info.replicas.length], ['valid@1.0.0', 'ready', ['latest'], 2])
  assert.equal(((await (await api(gateway, '/instances')).json()) as unknown[]).length, 1)
  assert.equal(((await (await api(gateway, '/instances/valid@1.0.0/stop', { method: 'POST' })).json()) as { state: string }).state, 'stopped')
  assert.equal(((await (await api(gateway, '/instances/valid@1.0.0/start', { method: 'POST' })).json()) as { state: string }).state, 'ready')
  const alias = await api(gateway, '/models/valid/aliases/stable', { method: 'PUT', json: { version: '1.0.0' } })
  assert.equal(alias.status, 200)
  const models = (await (await api(gateway, '/models')).json()) as Array<{ name: string; aliases: Record<string, string> }>
  assert.deepEqual(models[0]!.aliases, { latest: '1.0.0', stable: '1.0.0' })
  const logs = (await (await api(gateway, '/instances/valid@1.0.0/logs?tail=50')).json()) as Array<{ line: string }>
  assert.ok(logs.some((e) => e.line.includes('valid model on')))
  assert.equal((await api(gateway, `/packages/${pkg.digest}`, { method: 'DELETE' })).status, 409, 'a package in use stays')
  assert.equal((await api(gateway, '/instances/valid@1.0.0', { method: 'DELETE' })).status, 200)
  assert.equal((await api(gateway, `/packages/${pkg.digest}`, { method: 'DELETE' })).status, 204)
  assert.deepEqual(await readdir(join(gateway.dataDir, 'packages')), [])
})

test('bad requests get their code and change nothing', async (t) => {
  const gateway = await openGateway(t, { maxUploadBytes: 64 * 1024 })
  const cases: Array<[string, RequestInit & { json?: unknown }, number, string]> = [
    ['/deployments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"package": ' }, 400, 'E_BODY_INVALID_JSON'],
    ['/deployments', { method: 'POST', json: { package: 'valid@1.0.0', replica: 2 } }, 400, 'E_BODY_INVALID'],
    ['/deployments', { method: 'POST', json: { replicas: 2 } }, 400, 'E_BODY_INVALID'],
    ['/deployments', { method: 'POST', json: { package: 'valid@1.0.0', replicas: 'two' } }, 400, 'E_BODY_INVALID'],
    ['/deployments', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'valid' }, 415, 'E_UNSUPPORTED_MEDIA_TYPE'],
    ['/deployments', { method: 'POST', json: { package: 'nope@1.0.0' } }, 404, 'E_VERSION_NOT_FOUND'],
    ['/deployments', { method: 'POST', json: { package: 'Not A Ref' } }, 400, 'E_REF_INVALID'],
    ['/packages', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' }, 415, 'E_UNSUPPORTED_MEDIA_TYPE'],
    ['/packages', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: Buffer.alloc(100 * 1024) }, 413, 'E_PAYLOAD_TOO_LARGE'],
    ['/packages', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: Buffer.from('not a zip at all') }, 422, 'E_UNPACK_ZIP_INVALID'],
    ['/instances/ghost@1.0.0', {}, 404, 'E_VERSION_NOT_FOUND'],
    ['/packages/0000000000000000000000000000000000000000000000000000000000000000', {}, 404, 'E_PACKAGE_NOT_FOUND'],
    ['/models/valid/aliases/stable', { method: 'PUT', json: { version: '1.0.0' } }, 404, 'E_VERSION_NOT_FOUND'],
    ['/nothing/here', {}, 404, 'E_ROUTE_NOT_FOUND'],
  ]
  for (const [path, init, status, code] of cases) {
    const response = await api(gateway, path, init)
    assert.equal(response.status, status, `${init.method ?? 'GET'} ${path}`)
    assert.equal(await errorCode(response), code, `${init.method ?? 'GET'} ${path}`)
  }
  assert.deepEqual(await readdir(join(gateway.dataDir, 'packages')).catch(() => []), [], 'no upload was kept')
  assert.deepEqual(await (await api(gateway, '/instances')).json(), [])
})

test('/openapi.json merges every ready version under its paths; /metrics reports instances and deploys', async (t) => {
  const gateway = await openGateway(t)
  const zip = await readFile(await packFixture('valid', gateway.tmp))
  const { digest } = (await (await api(gateway, '/packages', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: zip })).json()) as { digest: string }
  await api(gateway, '/deployments', { method: 'POST', json: { package: digest } })
  const doc = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> }
  assert.equal(doc.openapi, '3.1.0')
  for (const path of ['/api/deployments', '/models/valid@1.0.0/predict', '/models/valid/predict']) assert.ok(path in doc.paths, `${path} in ${Object.keys(doc.paths).join(', ')}`)
  const docs = await fetch(`${gateway.url}/docs`)
  assert.equal(docs.status, 200)
  assert.match(await docs.text(), /\/openapi\.json|ferry-docs\.js/)
  const metrics = await (await fetch(`${gateway.url}/metrics`)).text()
  assert.match(metrics, /^ferry_instance_up\{model="valid",version="1\.0\.0",replica="0"\} 1$/m)
  assert.match(metrics, /^ferry_deploys_total\{result="success"\} 1$/m)
  assert.match(metrics, /^process_resident_memory_bytes \d+/m)
  await api(gateway, '/instances/valid@1.0.0/stop', { method: 'POST' })
  const after = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as { paths: Record<string, unknown> }
  assert.ok(!('/models/valid@1.0.0/predict' in after.paths), 'a stopped version leaves the docs')
})

test('inference through the gateway: /models/name/… reaches latest, is counted in /metrics and logged', async (t) => {
  const gateway = await openGateway(t)
  const zip = await readFile(await packFixture('valid', gateway.tmp))
  const { digest } = (await (await api(gateway, '/packages', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: zip })).json()) as { digest: string }
  await api(gateway, '/deployments', { method: 'POST', json: { package: digest } })
  const response = await fetch(`${gateway.url}/models/valid/predict`, { method: 'POST', body: 'hello', headers: { 'x-request-id': 'req-42' } })
  assert.equal(response.status, 200)
  assert.equal(response.headers.get('x-ferry-version'), 'valid@1.0.0')
  assert.equal(response.headers.get('x-request-id'), 'req-42')
  assert.deepEqual(await response.json(), { echo: 'hello' })
  assert.equal((await fetch(`${gateway.url}/models/nope/predict`)).status, 404)
  const metrics = await (await fetch(`${gateway.url}/metrics`)).text()
  assert.match(metrics, /^ferry_requests_total\{model="valid",version="1\.0\.0",code="200"\} 1$/m)
  assert.match(metrics, /^ferry_request_duration_seconds_count\{model="valid",version="1\.0\.0"\} 1$/m)
  const access = await gateway.deployer.logs.tail('gateway', 10)
  assert.ok(access.some((e) => e.stream === 'access' && (JSON.parse(e.line) as { requestId: string }).requestId === 'req-42'))
})

test('a package can be uploaded as multipart/form-data, as a browser form sends it', async (t) => {
  const gateway = await openGateway(t)
  const zip = await readFile(await packFixture('valid', gateway.tmp))
  const form = new FormData()
  form.append('note', 'ignored')
  form.append('package', new Blob([zip], { type: 'application/zip' }), 'valid-1.0.0.zip')
  const upload = await api(gateway, '/packages', { method: 'POST', body: form })
  assert.equal(upload.status, 201)
  assert.equal(((await upload.json()) as { name: string }).name, 'valid')
  const empty = new FormData()
  empty.append('note', 'no file here')
  const none = await api(gateway, '/packages', { method: 'POST', body: empty })
  assert.equal(none.status, 400)
  assert.equal(await errorCode(none), 'E_BODY_INVALID')
  const bad = new FormData()
  bad.append('package', new Blob([Buffer.from('not a zip')]), 'x.zip')
  const refused = await api(gateway, '/packages', { method: 'POST', body: bad })
  assert.equal(refused.status, 422)
  assert.deepEqual((await readdir(join(gateway.dataDir, 'packages'))).length, 1, 'only the good package is kept')
})

test('a model can require its own inference token; the admin API is unaffected', async (t) => {
  const gateway = await openGateway(t)
  const zip = await readFile(await packFixture('valid', gateway.tmp))
  const { digest } = (await (await api(gateway, '/packages', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: zip })).json()) as { digest: string }
  await api(gateway, '/deployments', { method: 'POST', json: { package: digest } })
  assert.equal((await fetch(`${gateway.url}/models/valid/pid`)).status, 200, 'open by default')
  assert.equal((await api(gateway, '/models/valid/token', { method: 'PUT', json: { token: 'short' } })).status, 400)
  assert.equal(await errorCode(await api(gateway, '/models/ghost/token', { method: 'PUT', json: { token: 'a-model-token-long-enough' } })), 'E_MODEL_NOT_FOUND')
  assert.equal((await api(gateway, '/models/valid/token', { method: 'PUT', json: { token: 'a-model-token-long-enough' } })).status, 200)
  const denied = await fetch(`${gateway.url}/models/valid/pid`)
  assert.equal(denied.status, 401)
  assert.equal(await errorCode(denied), 'E_MODEL_TOKEN_REQUIRED')
  assert.equal((await fetch(`${gateway.url}/models/valid/pid`, { headers: { authorization: `Bearer ${gateway.token}` } })).status, 401, 'the admin token is not the model token')
  assert.equal((await fetch(`${gateway.url}/models/valid@1.0.0/pid`, { headers: { authorization: 'Bearer a-model-token-long-enough' } })).status, 200)
  const models = (await (await api(gateway, '/models')).json()) as Array<{ inferenceTokenRequired: boolean }>
  assert.equal(models[0]!.inferenceTokenRequired, true)
  await api(gateway, '/models/valid/token', { method: 'DELETE' })
  assert.equal((await fetch(`${gateway.url}/models/valid/pid`)).status, 200, 'open again')
})

test('a stored package serves the files its manifest lists, and nothing else', async (t) => {
  const gateway = await openGateway(t)
  const upload = await api(gateway, '/packages', { method: 'POST', body: await readFile(await packFixture('valid', gateway.tmp)), headers: { 'content-type': 'application/zip' } })
  const { digest } = (await upload.json()) as { digest: string }
  const file = await api(gateway, `/packages/${digest}/files/server.js`)
  assert.equal(file.status, 200)
  assert.equal(await file.text(), await readFile(join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'packages', 'valid', 'server.js'), 'utf8'))
  const descriptor = await api(gateway, `/packages/${digest}/files/descriptor.json`)
  assert.equal(descriptor.headers.get('content-type'), 'application/json')
  for (const path of ['ferry.manifest.json', 'nope.txt', '..%2Fserver.js']) {
    const res = await api(gateway, `/packages/${digest}/files/${path}`)
    assert.equal(res.status, 404, path)
    assert.equal(await errorCode(res), 'E_PACKAGE_FILE_NOT_FOUND', path)
  }
  assert.equal(await errorCode(await api(gateway, `/packages/${'0'.repeat(64)}/files/server.js`)), 'E_PACKAGE_NOT_FOUND')
})
