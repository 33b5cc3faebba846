/**
 * Each role against every route of the management API, on a real gateway: the routes are the
 * app's own list (so routes added later are covered without editing this test). An allowed role
 * gets the same answer as the bootstrap admin token (a 404 for a target that does not exist, a
 * 400 for an empty body…); a forbidden one gets 403 E_ROLE_FORBIDDEN; no token gets 401.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { requiredRole, roleAllows, ROUTE_ROLES, type Role } from '../gateway/auth/index.js'
import { call, createToken, errorOf, openAuthGateway } from './_auth-helpers.js'

const PLACEHOLDERS: Record<string, string> = { digest: '0'.repeat(64), ref: 'ghost@1.0.0', name: 'ghost', alias: 'stable', id: '999999', token: 'ghost-token' }

/** A concrete path for a route pattern: each parameter replaced by a value naming nothing that exists. */
function concretePath(pattern: string): string {
  return pattern
    .replace(/:([A-Za-z_]+)(\{[^}]*\})?/g, (_m, name: string) => PLACEHOLDERS[name] ?? 'ghost')
    .replace(/\*$/, 'nothing.json')
}

async function answer(url: string, method: string, path: string, token: string | undefined): Promise<{ status: number; code: string | undefined }> {
  const body = method === 'GET' || method === 'HEAD' ? {} : { json: {} }
  const res = await call({ url }, path, { method, token, ...body, signal: AbortSignal.timeout(10_000) })
  const isJson = /json/.test(res.headers.get('content-type') ?? '')
  const code = res.status >= 400 && isJson ? (await errorOf(res)).code : undefined
  if (code === undefined) await res.body?.cancel() // server-sent events never end by themselves
  return { status: res.status, code }
}

test('the role table: GET/HEAD need viewer, other methods deployer, tokens, trust and audit admin', () => {
  assert.equal(requiredRole('GET', '/api/instances'), 'viewer')
  assert.equal(requiredRole('HEAD', '/api/packages'), 'viewer')
  assert.equal(requiredRole('POST', '/api/deployments'), 'deployer')
  assert.equal(requiredRole('POST', '/api/rollouts'), 'deployer', 'a route added later falls under the rule')
  for (const path of ['/api/tokens', '/api/tokens/ci', '/api/trust', '/api/trust/key-1', '/api/audit']) {
    assert.equal(requiredRole('GET', path), 'admin', path)
    assert.equal(requiredRole('DELETE', path), 'admin', path)
  }
  assert.equal(requiredRole('GET', '/api/tokensx'), 'viewer', 'a prefix matches whole segments')
  assert.deepEqual(ROUTE_ROLES.map((r) => r.prefix), ['/api/session', '/api/tokens', '/api/trust', '/api/audit'])
  assert.equal(roleAllows('inference', 'viewer'), false)
  assert.equal(roleAllows('viewer', 'deployer'), false)
  assert.equal(roleAllows('deployer', 'admin'), false)
  assert.equal(roleAllows('admin', 'admin'), true)
})

test('each role against every route: allowed → the admin\'s answer, forbidden → 403 E_ROLE_FORBIDDEN, none → 401', { timeout: 120_000 }, async (t) => {
  const gateway = await openAuthGateway(t)
  const tokens: Record<string, { token: string; role: Role }> = {
    'named admin': { token: await createToken(gateway, 'ops', 'admin'), role: 'admin' },
    deployer: { token: await createToken(gateway, 'ci', 'deployer'), role: 'deployer' },
    viewer: { token: await createToken(gateway, 'dashboard', 'viewer'), role: 'viewer' },
    inference: { token: await createToken(gateway, 'app', 'inference', 'ghost'), role: 'inference' },
  }
  const routes = gateway.apiRoutes.filter((r) => !r.path.startsWith('/api/session'))
  const names = routes.map((r) => `${r.method} ${r.path}`)
  for (const expected of ['POST /api/packages', 'POST /api/deployments', 'POST /api/instances/:ref/stop', 'PUT /api/models/:name/aliases/:alias', 'POST /api/tokens', 'DELETE /api/tokens/:token', 'GET /api/audit', 'GET /api/events', 'POST /api/runs']) {
    assert.ok(names.includes(expected), `${expected} is among the routes checked`)
  }
  let forbidden = 0
  for (const route of routes) {
    const path = concretePath(route.path)
    const label = `${route.method} ${route.path}`
    const normal = await answer(gateway.url, route.method, path, gateway.token)
    assert.ok(normal.status !== 401 && normal.status !== 403, `${label}: the bootstrap admin token is allowed (got ${normal.status} ${normal.code})`)
    const none = await answer(gateway.url, route.method, path, undefined)
    assert.deepEqual(none, { status: 401, code: 'E_UNAUTHORIZED' }, `${label} without a token`)
    for (const [who, { token, role }] of Object.entries(tokens)) {
      const got = await answer(gateway.url, route.method, path, token)
      if (roleAllows(role, requiredRole(route.method, path))) {
        assert.deepEqual(got, normal, `${label} as ${who}: the same answer as the admin's`)
      } else {
        forbidden++
        assert.deepEqual(got, { status: 403, code: 'E_ROLE_FORBIDDEN' }, `${label} as ${who}`)
      }
    }
  }
  assert.ok(forbidden > routes.length, 'refusals were exercised')
  const listed = (await (await call(gateway, '/api/tokens', { token: gateway.token })).json()) as { tokens: Array<{ name: string }> }
  assert.deepEqual(listed.tokens.map((x) => x.name).sort(), ['app', 'ci', 'dashboard', 'ops'], 'nothing was created or revoked by the probes')
})

test('a forbidden answer names the role the route needs and the token\'s', async (t) => {
  const gateway = await openAuthGateway(t)
  const viewer = await createToken(gateway, 'dashboard', 'viewer')
  const res = await call(gateway, '/api/deployments', { method: 'POST', token: viewer, json: { package: 'x' } })
  assert.equal(res.status, 403)
  const error = await errorOf(res)
  assert.deepEqual(error.details, { role: 'viewer', required: 'deployer' })
  assert.match(error.message, /dashboard/)
})
