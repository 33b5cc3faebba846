/**
 * Named tokens on a real gateway: created with a role (the secret shown once, kept hashed),
 * listed, revoked with effect on the very next request; bad input refused with its code and the
 * field at fault; per-model inference tokens guard their model beside the model's own token.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { FAST, packFixture } from './_deployer-helpers.js'
import { call, createToken, errorOf, openAuthGateway } from './_auth-helpers.js'

test('a token is created with its role, shown once, kept only as its hash, listed and revoked on the next request', async (t) => {
  const gateway = await openAuthGateway(t)
  const created = await call(gateway, '/api/tokens', { method: 'POST', token: gateway.token, json: { name: 'ci', role: 'deployer' } })
  assert.equal(created.status, 201)
  const body = (await created.json()) as { token: string; name: string; role: string; id: string; createdBy: string }
  assert.match(body.token, /^fyt_[A-Za-z0-9_-]{32}$/)
  assert.deepEqual([body.name, body.role, body.createdBy], ['ci', 'deployer', 'admin'])
  const list = (await (await call(gateway, '/api/tokens', { token: gateway.token })).json()) as { tokens: Array<Record<string, unknown>> }
  assert.equal(list.tokens.length, 1)
  assert.equal(JSON.stringify(list).includes(body.token), false, 'the list never shows a secret')
  assert.equal('hash' in list.tokens[0]!, false)
  const files = await Promise.all(['auth.db', 'auth.db-wal'].map((f) => readFile(join(gateway.dataDir, f)).catch(() => Buffer.alloc(0))))
  assert.equal(Buffer.concat(files).includes(body.token), false, 'the secret is not on disk')

  assert.equal((await call(gateway, '/api/instances', { token: body.token })).status, 200)
  const revoked = await call(gateway, `/api/tokens/ci`, { method: 'DELETE', token: gateway.token })
  assert.equal(revoked.status, 200)
  assert.ok(((await revoked.json()) as { revokedAt: string }).revokedAt)
  const after = await call(gateway, '/api/instances', { token: body.token })
  assert.equal(after.status, 401, 'refused on the very next request')
  assert.equal((await errorOf(after)).code, 'E_UNAUTHORIZED')
  const again = await call(gateway, '/api/tokens/ci', { method: 'DELETE', token: gateway.token })
  assert.equal(again.status, 404)
  assert.equal((await errorOf(again)).code, 'E_TOKEN_NOT_FOUND')
  const listed = (await (await call(gateway, '/api/tokens', { token: gateway.token })).json()) as { tokens: Array<{ name: string; revokedAt: string | null }> }
  assert.ok(listed.tokens[0]!.revokedAt, 'a revoked token stays listed, marked revoked')
  assert.equal((await call(gateway, '/api/tokens', { method: 'POST', token: gateway.token, json: { name: 'ci', role: 'viewer' } })).status, 201, 'the name is free again')
})

test('bad token requests are refused with their code and field, and change nothing', async (t) => {
  const gateway = await openAuthGateway(t)
  await createToken(gateway, 'ci', 'deployer')
  const cases: Array<[unknown, number, string, string | undefined]> = [
    [{ name: 'ci', role: 'viewer' }, 409, 'E_TOKEN_NAME_TAKEN', undefined],
    [{ name: 'Bad Name', role: 'viewer' }, 400, 'E_BODY_INVALID', '/name'],
    [{ name: 'admin', role: 'viewer' }, 400, 'E_BODY_INVALID', '/name'],
    [{ name: 'x', role: 'root' }, 400, 'E_BODY_INVALID', '/role'],
    [{ name: 'x', role: 'inference' }, 400, 'E_BODY_INVALID', '/model'],
    [{ name: 'x', role: 'viewer', model: 'ocr' }, 400, 'E_BODY_INVALID', '/model'],
    [{ name: 'x', role: 'inference', model: '../etc' }, 400, 'E_BODY_INVALID', '/model'],
    [{ name: 'x', role: 'viewer', extra: 1 }, 400, 'E_BODY_INVALID', '/extra'],
    [{ role: 'viewer' }, 400, 'E_BODY_INVALID', '/name'],
  ]
  for (const [json, status, code, path] of cases) {
    const res = await call(gateway, '/api/tokens', { method: 'POST', token: gateway.token, json })
    const error = await errorOf(res)
    assert.deepEqual([res.status, error.code, error.path], [status, code, path], JSON.stringify(json))
  }
  const list = (await (await call(gateway, '/api/tokens', { token: gateway.token })).json()) as { tokens: unknown[] }
  assert.equal(list.tokens.length, 1, 'nothing was created')
})

test('tokens survive a restart; an inference token guards its model beside the model\'s own token', async (t) => {
  const gateway = await openAuthGateway(t)
  const { digest } = (await (await call(gateway, '/api/packages', { method: 'POST', token: gateway.token, headers: { 'content-type': 'application/zip' }, body: await readFile(await packFixture('valid', gateway.tmp)) })).json()) as { digest: string }
  assert.equal((await call(gateway, '/api/deployments', { method: 'POST', token: gateway.token, json: { package: digest } })).status, 201)
  assert.equal((await fetch(`${gateway.url}/models/valid/pid`)).status, 200, 'open while no token names it')
  const app = await createToken(gateway, 'app', 'inference', 'valid')
  const other = await createToken(gateway, 'other', 'inference', 'ghost')
  const viewer = await createToken(gateway, 'dashboard', 'viewer')
  const denied = await fetch(`${gateway.url}/models/valid/pid`)
  assert.equal(denied.status, 401)
  assert.equal((await errorOf(denied)).code, 'E_MODEL_TOKEN_REQUIRED')
  for (const wrong of [other, viewer, gateway.token]) assert.equal((await call(gateway, '/models/valid/pid', { token: wrong })).status, 401, 'only this model\'s inference tokens')
  assert.equal((await call(gateway, '/models/valid/pid', { token: app })).status, 200)
  assert.equal((await call(gateway, '/api/instances', { token: app })).status, 403, 'an inference token is nothing under /api')
  const [listed] = (await (await call(gateway, '/api/models', { token: gateway.token })).json()) as Array<{ inferenceTokenRequired: boolean; modelTokenSet: boolean; inferenceTokens: string[] }>
  assert.deepEqual([listed!.inferenceTokenRequired, listed!.modelTokenSet, listed!.inferenceTokens], [true, false, ['app']], 'the model is listed as guarded, by which tokens')
  // The model's own token (PUT /api/models/:name/token) is accepted beside the named one.
  assert.equal((await call(gateway, '/api/models/valid/token', { method: 'PUT', token: gateway.token, json: { token: 'a-model-token-long-enough' } })).status, 200)
  assert.equal((await call(gateway, '/models/valid/pid', { token: 'a-model-token-long-enough' })).status, 200)
  assert.equal((await call(gateway, '/models/valid/pid', { token: app })).status, 200)
  await call(gateway, '/api/models/valid/token', { method: 'DELETE', token: gateway.token })
  await call(gateway, '/api/tokens/app', { method: 'DELETE', token: gateway.token })
  assert.equal((await call(gateway, '/models/valid/pid', { token: app })).status, 200, 'no token names it any more: open again')
  assert.equal((await fetch(`${gateway.url}/models/valid/pid`)).status, 200)

  await gateway.close()
  const { startGateway } = await import('../gateway/server.js')
  const reopened = await startGateway({ port: 0, dataDir: gateway.dataDir, env: {}, deployer: FAST })
  t.after(() => reopened.close())
  assert.equal((await call(reopened, '/api/instances', { token: viewer })).status, 200, 'a token survives a restart')
  assert.equal((await call(reopened, '/api/instances', { token: app })).status, 401)
})
