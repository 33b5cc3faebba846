/**
 * The audit trail: every management action and every refusal is a row with who, what, on what,
 * the outcome and the request id; the list filters and validates its query; rows cannot be
 * changed; and a real `ferry serve` killed with SIGKILL keeps every row it acknowledged.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { call, createToken, errorOf, openAuthGateway } from './_auth-helpers.js'
import { packFixture } from './_deployer-helpers.js'
import { startFerryServe } from './_serve-helpers.js'

interface Entry { id: number; time: string; token: string | null; role: string | null; action: string; path: string; target: string | null; status: number; code: string | null; requestId: string; client: string | null }

async function audit(gateway: { url: string; token: string }, query = ''): Promise<Entry[]> {
  const res = await call(gateway, `/api/audit${query}`, { token: gateway.token })
  assert.equal(res.status, 200, await res.clone().text())
  return ((await res.json()) as { entries: Entry[] }).entries
}

test('actions and refusals are recorded with token, role, action, target, outcome, request id and client', async (t) => {
  const gateway = await openAuthGateway(t)
  const viewer = await createToken(gateway, 'dashboard', 'viewer')
  assert.equal((await call(gateway, '/api/instances', { token: gateway.token })).status, 200)
  const stop = await call(gateway, '/api/instances/ghost@1.0.0/stop', { method: 'POST', token: gateway.token, headers: { 'x-request-id': 'req-stop-1' } })
  assert.equal(stop.status, 404)
  assert.equal(stop.headers.get('x-request-id'), 'req-stop-1')
  assert.equal((await call(gateway, '/api/instances', { token: 'fyt_wrong' })).status, 401)
  assert.equal((await call(gateway, '/api/deployments', { method: 'POST', token: viewer, json: { package: 'x' } })).status, 403)
  assert.equal((await call(gateway, '/api/audit', { token: viewer })).status, 403, 'the trail is admin only')

  const entries = await audit(gateway)
  assert.deepEqual(entries.map((e) => `${e.action} ${e.status}`), [
    'GET /api/audit 403',
    'POST /api/deployments 403',
    'GET /api/instances 401',
    'POST /api/instances/:ref/stop 404',
    'POST /api/tokens 201',
  ], 'newest first; a successful GET is not an action')
  const [readRefused, writeRefused, unknown, stopped, created] = entries as [Entry, Entry, Entry, Entry, Entry]
  assert.deepEqual([created.token, created.role, created.target, created.code], ['admin', 'admin', 'dashboard', null])
  assert.deepEqual([stopped.target, stopped.code, stopped.requestId, stopped.path], ['ghost@1.0.0', 'E_VERSION_NOT_FOUND', 'req-stop-1', '/api/instances/ghost@1.0.0/stop'])
  assert.deepEqual([unknown.token, unknown.role, unknown.code], [null, null, 'E_UNAUTHORIZED'])
  assert.deepEqual([writeRefused.token, writeRefused.role, writeRefused.code], ['dashboard', 'viewer', 'E_ROLE_FORBIDDEN'])
  assert.equal(readRefused.code, 'E_ROLE_FORBIDDEN')
  assert.equal(created.client, '127.0.0.1')
  assert.match(created.requestId, /^[0-9a-f]{32}$/, 'a request id is made when none is sent')
  assert.ok(entries.every((e) => !Number.isNaN(Date.parse(e.time))))
})

test('the trail filters by time, token, action and outcome, pages with before, and validates its query', async (t) => {
  const gateway = await openAuthGateway(t)
  const ci = await createToken(gateway, 'ci', 'deployer')
  const start = new Date().toISOString()
  for (let i = 0; i < 3; i++) await call(gateway, '/api/instances/ghost@1.0.0/restart', { method: 'POST', token: ci })
  await call(gateway, '/api/tokens', { method: 'POST', token: ci, json: { name: 'x', role: 'admin' } })
  assert.equal((await audit(gateway, '?token=ci')).length, 4)
  assert.equal((await audit(gateway, `?since=${encodeURIComponent(start)}`)).length, 4)
  assert.deepEqual((await audit(gateway, '?outcome=refused')).map((e) => e.code), ['E_ROLE_FORBIDDEN'])
  assert.equal((await audit(gateway, '?outcome=failed')).length, 3)
  assert.equal((await audit(gateway, '?outcome=404')).length, 3)
  assert.equal((await audit(gateway, '?outcome=ok')).length, 1, 'the token created first')
  assert.equal((await audit(gateway, `?action=${encodeURIComponent('POST /api/instances/:ref/restart')}`)).length, 3)
  assert.equal((await audit(gateway, '?action=POST')).length, 5)
  const page1 = await audit(gateway, '?limit=2')
  const page2 = await audit(gateway, `?limit=2&before=${page1[1]!.id}`)
  assert.equal(page1.length + page2.length, 4)
  assert.ok(page2.every((e) => e.id < page1[1]!.id))
  for (const [query, parameter] of [['?limit=0', 'limit'], ['?limit=1001', 'limit'], ['?limit=ten', 'limit'], ['?since=yesterday', 'since'], ['?outcome=meh', 'outcome'], ['?action=%3Bdrop', 'action'], ['?before=-1', 'before'], ['?sort=asc', 'sort']] as const) {
    const res = await call(gateway, `/api/audit${query}`, { token: gateway.token })
    const error = await errorOf(res)
    assert.deepEqual([res.status, error.code, error.details?.['parameter']], [400, 'E_QUERY_INVALID', parameter], query)
  }
})

test('an upload and a deployment are recorded with what they made as the target', async (t) => {
  const gateway = await openAuthGateway(t)
  const zip = await readFile(await packFixture('valid', gateway.tmp))
  const { digest } = (await (await call(gateway, '/api/packages', { method: 'POST', token: gateway.token, headers: { 'content-type': 'application/zip' }, body: zip })).json()) as { digest: string }
  assert.equal((await call(gateway, '/api/deployments', { method: 'POST', token: gateway.token, json: { package: digest } })).status, 201)
  const [deployed, uploaded] = await audit(gateway)
  assert.deepEqual([deployed!.action, deployed!.target], ['POST /api/deployments', `valid@1.0.0 ${digest}`])
  assert.deepEqual([uploaded!.action, uploaded!.target], ['POST /api/packages', `valid@1.0.0 ${digest}`])
})

test('the trail is append-only: the database refuses to change or delete a row', async (t) => {
  const gateway = await openAuthGateway(t)
  await call(gateway, '/api/instances/ghost@1.0.0/stop', { method: 'POST', token: gateway.token })
  const db = new Database(join(gateway.dataDir, 'auth.db'))
  t.after(() => db.close())
  assert.throws(() => db.prepare("UPDATE audit SET token_name = 'someone-else'").run(), /append-only/)
  assert.throws(() => db.prepare('DELETE FROM audit').run(), /append-only/)
  assert.equal((db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n, 1)
})

test('a ferry serve killed with SIGKILL keeps every row of the trail it acknowledged', { timeout: 60_000 }, async (t) => {
  const first = await startFerryServe(t)
  const made = await first.api('/api/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ci', role: 'deployer' }) })
  const { token } = (await made.json()) as { token: string }
  assert.equal((await fetch(`${first.url}/api/tokens`, { headers: { authorization: `Bearer ${token}` } })).status, 403)
  assert.equal((await fetch(`${first.url}/api/instances/ghost@1.0.0`, { method: 'DELETE' })).status, 401)
  first.child.kill('SIGKILL')
  await new Promise((resolve) => first.child.once('exit', resolve))
  const second = await startFerryServe(t, { dataDir: first.dataDir })
  const entries = ((await (await second.api('/api/audit')).json()) as { entries: Entry[] }).entries
  assert.deepEqual(entries.map((e) => `${e.token} ${e.action} ${e.status}`), [
    'null DELETE /api/instances/:ref 401',
    'ci GET /api/tokens 403',
    'admin POST /api/tokens 201',
  ])
  assert.equal((await fetch(`${second.url}/api/instances`, { headers: { authorization: `Bearer ${token}` } })).status, 200, 'the token survived too')
})
