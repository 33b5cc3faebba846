/**
 * Requests a hostile or careless client sends to the management API and the proxy, each reproduced
 * from a defect report (issue 10): bodies far over the limit, field names that are Object.prototype
 * members, malformed percent-encoding, query parameters out of range, secrets in query strings,
 * uploads cut off midway. Each gets its code and changes nothing; the server stays up.
 */
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { startGateway, type RunningGateway } from '../gateway/server.js'
import { FAST, packFixture } from './_deployer-helpers.js'
import { api } from './_api.js'
import { makeTempDir } from './_helpers.js'

async function openGateway(t: TestContext): Promise<RunningGateway & { tmp: string }> {
  const tmp = await makeTempDir(t, 'ferry-hostile-')
  const gateway = await startGateway({ port: 0, dataDir: join(tmp, 'data'), env: {}, deployer: FAST })
  t.after(() => gateway.close())
  return { ...gateway, tmp }
}


async function errorOf(response: Response): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  return ((await response.json()) as { error: { code: string; message: string; details?: Record<string, unknown> } }).error
}

async function deployValid(gateway: RunningGateway & { tmp: string }): Promise<void> {
  const zip = await readFile(await packFixture('valid', gateway.tmp))
  const { digest } = (await (await api(gateway, '/packages', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: zip })).json()) as { digest: string }
  assert.equal((await api(gateway, '/deployments', { method: 'POST', json: { package: digest } })).status, 201)
}

/**
 * Streams `total` bytes of JSON-ish filler without a Content-Length and returns the status and how
 * many bytes the server had pulled when it answered: a limit enforced while streaming answers
 * long before the body is over.
 */
async function sendUnbounded(gateway: RunningGateway, path: string, total: number): Promise<{ status: number; code: string; sentWhenAnswered: number }> {
  const url = new URL(`${gateway.url}${path}`)
  return new Promise((resolve, reject) => {
    let sent = 0
    let answered = false
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.token}`, 'transfer-encoding': 'chunked' } }, (res) => {
      answered = true
      const sentWhenAnswered = sent
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => {
        req.destroy()
        resolve({ status: res.statusCode ?? 0, code: (JSON.parse(body) as { error: { code: string } }).error.code, sentWhenAnswered })
      })
    })
    req.on('error', (error) => { if (!answered) reject(error) })
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length
        if (!req.write(chunk)) return void req.once('drain', pump)
      }
      if (!answered) req.end()
    }
    req.write('{"package": "')
    pump()
  })
}

test('JSON bodies are limited while they stream: a 300 MB body is refused after about 1 MiB, and the server stays up', async (t) => {
  const gateway = await openGateway(t)
  for (const path of ['/api/deployments', '/api/runs']) {
    const result = await sendUnbounded(gateway, path, 300 * 1024 * 1024)
    assert.equal(result.status, 413, path)
    assert.equal(result.code, 'E_PAYLOAD_TOO_LARGE', path)
    assert.ok(result.sentWhenAnswered < 64 * 1024 * 1024, `${path}: answered after ${result.sentWhenAnswered} bytes, not at the end of 300 MB`)
  }
  const declared = await api(gateway, '/deployments', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) }, body: 'x'.repeat(2 * 1024 * 1024) })
  assert.equal(declared.status, 413, 'a declared Content-Length over the limit')
  assert.equal((await fetch(`${gateway.url}/health`)).status, 200)
})

test('unknown fields named like Object.prototype members are refused like any unknown field', async (t) => {
  const gateway = await openGateway(t)
  await deployValid(gateway)
  for (const field of ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__']) {
    const response = await api(gateway, '/models/valid/aliases/stable', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: `{"version":"1.0.0","${field}":1}` })
    assert.equal(response.status, 400, field)
    const error = await errorOf(response)
    assert.equal(error.code, 'E_BODY_INVALID', field)
  }
  const models = (await (await api(gateway, '/models')).json()) as Array<{ aliases: Record<string, string> }>
  assert.deepEqual(Object.keys(models[0]!.aliases), ['latest'], 'no alias was created')
})

test('malformed percent-encoding is a 400 on every route, never a 500', async (t) => {
  const gateway = await openGateway(t)
  await deployValid(gateway)
  const digest = ((await (await api(gateway, '/packages')).json()) as Array<{ digest: string }>)[0]!.digest
  for (const path of [`/packages/${digest}/files/%ZZ`, `/packages/${digest}/files/%E0%A4%A`, '/instances/valid%ZZ', '/runs?q=%ZZ', '/logs?model=%', '/models/%C0%AF/aliases/x']) {
    const response = await api(gateway, path)
    assert.equal(response.status, 400, path)
    assert.equal((await errorOf(response)).code, 'E_URL_INVALID', path)
  }
  const proxied = await fetch(`${gateway.url}/models/valid/%ZZ`)
  assert.equal(proxied.status, 400)
  assert.equal((await errorOf(proxied)).code, 'E_PROXY_PATH_INVALID')
  const file = await api(gateway, `/packages/${digest}/files/descriptor.json`)
  assert.equal(file.status, 200, 'well-formed paths still work')
})

test('query parameters: one parser per kind, each bad value is E_QUERY_INVALID naming the parameter', async (t) => {
  const gateway = await openGateway(t)
  await deployValid(gateway)
  const bad: Array<[string, string]> = [
    ['/instances/valid@1.0.0/logs?tail=-1', 'tail'], ['/instances/valid@1.0.0/logs?tail=abc', 'tail'], ['/instances/valid@1.0.0/logs?tail=100001', 'tail'],
    ['/instances/valid@1.0.0/logs?follow=yes', 'follow'],
    ['/logs?limit=abc', 'limit'], ['/logs?limit=0', 'limit'], ['/logs?limit=100000000', 'limit'], ['/logs?since=bad', 'since'], ['/logs?stream=nope', 'stream'], ['/logs?version=1.0.0', 'version'],
    ['/runs?limit=0', 'limit'], ['/runs?limit=100000', 'limit'], ['/runs?limit=1.5', 'limit'], ['/runs?since=bad', 'since'],
    ['/requests?limit=abc', 'limit'], ['/requests?since=bad', 'since'],
    ['/events?after=-3', 'after'],
  ]
  for (const [path, parameter] of bad) {
    const response = await api(gateway, path)
    assert.equal(response.status, 400, path)
    const error = await errorOf(response)
    assert.equal(error.code, 'E_QUERY_INVALID', path)
    assert.equal(error.details?.['parameter'], parameter, path)
  }
  const logs = await api(gateway, '/instances/valid@1.0.0/logs?tail=3')
  assert.equal(logs.status, 200)
  assert.ok(((await logs.json()) as unknown[]).length <= 3)
  assert.equal((await api(gateway, '/logs?limit=5&since=2020-01-01T00:00:00Z&stream=stdout,system')).status, 200)
})

test('secrets in query strings are redacted in the access log and the prediction history', async (t) => {
  const gateway = await openGateway(t)
  await deployValid(gateway)
  const secret = 'sup3r-s3cret-value'
  await fetch(`${gateway.url}/models/valid/predict?token=${secret}&api_key=${secret}&access_token=${secret}&password=${secret}&x=1`, { method: 'POST', body: 'hi' })
  const { requests } = (await (await api(gateway, '/requests?model=valid')).json()) as { requests: Array<{ path: string }> }
  const recorded = requests.find((r) => r.path.startsWith('/models/valid/predict'))
  assert.ok(recorded, 'the request is in the history')
  assert.equal(recorded.path, '/models/valid/predict?token=REDACTED&api_key=REDACTED&access_token=REDACTED&password=REDACTED&x=1')
  let access: Array<{ line: string }> = []
  for (let i = 0; i < 50 && !access.some((e) => e.line.includes('/models/valid/predict')); i++) {
    access = (await (await api(gateway, '/logs?stream=access')).json()) as Array<{ line: string }>
    await new Promise((r) => setTimeout(r, 50))
  }
  assert.ok(access.some((e) => e.line.includes('token=REDACTED')), 'the access line is recorded, redacted')
  assert.ok(!access.some((e) => e.line.includes(secret)), 'the secret is nowhere in the access log')
})

test('an upload the client abandons midway is one line in the server log, not a stack, and stores nothing', async (t) => {
  const tmp = await makeTempDir(t, 'ferry-hostile-')
  const logged: unknown[] = []
  const original = console.error
  console.error = (...args: unknown[]) => { logged.push(args[0]) }
  t.after(() => { console.error = original })
  const gateway = await startGateway({ port: 0, dataDir: join(tmp, 'data'), env: {}, deployer: FAST })
  t.after(() => gateway.close())
  const url = new URL(gateway.url)
  await new Promise<void>((resolve) => {
    const req = request({ host: url.hostname, port: url.port, path: '/api/packages', method: 'POST', headers: { 'content-type': 'application/zip', 'content-length': String(10 * 1024 * 1024), authorization: `Bearer ${gateway.token}` } })
    req.on('error', () => resolve())
    req.write(Buffer.alloc(256 * 1024))
    setTimeout(() => { req.destroy(); setTimeout(resolve, 300) }, 200)
  })
  await new Promise((r) => setTimeout(r, 200))
  const stacks = logged.filter((entry) => entry instanceof Error || (typeof entry === 'string' && /\n\s+at /.test(entry)))
  assert.deepEqual(stacks, [], 'no stack printed')
  assert.equal(((await (await api(gateway, '/packages')).json()) as unknown[]).length, 0)
  assert.equal((await fetch(`${gateway.url}/health`)).status, 200)
})
