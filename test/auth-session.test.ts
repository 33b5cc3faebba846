/**
 * Console sessions through the API, as a browser would send them: the sign-in sets an HttpOnly,
 * SameSite=Strict cookie scoped to /api; reads work with it, writes need the session's CSRF header,
 * requests from another origin are refused; sign-out, expiry and revocation end it.
 */
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { call, createToken, errorOf, openAuthGateway } from './_auth-helpers.js'

async function signIn(gateway: { url: string }, token: string, remember = false): Promise<{ cookie: string; setCookie: string; csrf: string; role: string }> {
  const res = await call(gateway, '/api/session', { method: 'POST', json: { token, remember }, headers: { 'sec-fetch-site': 'same-origin' } })
  assert.equal(res.status, 201, await res.clone().text())
  const setCookie = res.headers.get('set-cookie') ?? ''
  const body = (await res.json()) as { csrf: string; role: string }
  return { cookie: setCookie.split(';')[0]!, setCookie, csrf: body.csrf, role: body.role }
}

test('the sign-in sets an HttpOnly, SameSite=Strict cookie for /api; writes need the CSRF header; other origins are refused', async (t) => {
  const gateway = await openAuthGateway(t)
  const wrong = await call(gateway, '/api/session', { method: 'POST', json: { token: 'not-a-token' } })
  assert.equal(wrong.status, 401)
  assert.equal(wrong.headers.get('set-cookie'), null)
  const session = await signIn(gateway, gateway.token)
  assert.match(session.setCookie, /^ferry_session=[A-Za-z0-9_-]{43}; Path=\/api; HttpOnly; SameSite=Strict$/)
  assert.equal(/Max-Age/.test(session.setCookie), false, 'not remembered: a browser-session cookie')
  assert.match((await signIn(gateway, gateway.token, true)).setCookie, /Max-Age=43200/)
  assert.equal(session.role, 'admin')

  const same = { cookie: session.cookie, 'sec-fetch-site': 'same-origin' }
  assert.equal((await call(gateway, '/api/instances', { headers: same })).status, 200, 'reads with the cookie')
  const me = (await (await call(gateway, '/api/session', { headers: same })).json()) as { csrf: string; name: string }
  assert.deepEqual([me.name, me.csrf], ['admin', session.csrf], 'a new tab gets the session and its CSRF token back')

  const noCsrf = await call(gateway, '/api/tokens', { method: 'POST', headers: same, json: { name: 'ci', role: 'viewer' } })
  assert.deepEqual([noCsrf.status, (await errorOf(noCsrf)).code], [403, 'E_CSRF'])
  const badCsrf = await call(gateway, '/api/tokens', { method: 'POST', headers: { ...same, 'x-ferry-csrf': 'guess' }, json: { name: 'ci', role: 'viewer' } })
  assert.equal(badCsrf.status, 403)
  const crossSite = await call(gateway, '/api/instances', { headers: { cookie: session.cookie, 'sec-fetch-site': 'cross-site' } })
  assert.deepEqual([crossSite.status, (await errorOf(crossSite)).code], [403, 'E_CSRF'], 'another site cannot read with the cookie')
  const otherOrigin = await call(gateway, '/api/tokens', { method: 'POST', headers: { cookie: session.cookie, origin: 'http://127.0.0.1:1', 'x-ferry-csrf': session.csrf }, json: { name: 'ci', role: 'viewer' } })
  assert.equal(otherOrigin.status, 403, 'nor write with it, even with the CSRF token')
  const ok = await call(gateway, '/api/tokens', { method: 'POST', headers: { ...same, 'x-ferry-csrf': session.csrf }, json: { name: 'ci', role: 'viewer' } })
  assert.equal(ok.status, 201)
  const trail = (await (await call(gateway, '/api/audit', { token: gateway.token })).json()) as { entries: Array<{ action: string; token: string; code: string | null }> }
  assert.deepEqual(trail.entries.slice(0, 5).map((e) => `${e.action} ${e.code ?? 'ok'}`), ['POST /api/tokens ok', 'POST /api/tokens E_CSRF', 'GET /api/instances E_CSRF', 'POST /api/tokens E_CSRF', 'POST /api/tokens E_CSRF'])

  const out = await call(gateway, '/api/session', { method: 'DELETE', headers: { ...same, 'x-ferry-csrf': session.csrf } })
  assert.equal(out.status, 204)
  assert.match(out.headers.get('set-cookie') ?? '', /ferry_session=; Max-Age=0; Path=\/api/)
  assert.equal((await call(gateway, '/api/instances', { headers: same })).status, 401, 'signed out')
})

test('a session ends when it expires and when its token is revoked; an inference token cannot sign in', async (t) => {
  const gateway = await openAuthGateway(t, { sessionTtlMs: 600 })
  const viewer = await createToken(gateway, 'dashboard', 'viewer')
  const app = await createToken(gateway, 'app', 'inference', 'ocr')
  const refused = await call(gateway, '/api/session', { method: 'POST', json: { token: app } })
  assert.deepEqual([refused.status, (await errorOf(refused)).code], [403, 'E_ROLE_FORBIDDEN'])

  const session = await signIn(gateway, viewer)
  assert.equal(session.role, 'viewer')
  const headers = { cookie: session.cookie }
  assert.equal((await call(gateway, '/api/instances', { headers })).status, 200)
  const write = await call(gateway, '/api/instances/ghost@1.0.0/stop', { method: 'POST', headers: { ...headers, 'x-ferry-csrf': session.csrf } })
  assert.equal(write.status, 403, 'a viewer session is read-only')
  assert.equal((await errorOf(write)).code, 'E_ROLE_FORBIDDEN')
  await call(gateway, '/api/tokens/dashboard', { method: 'DELETE', token: gateway.token })
  assert.equal((await call(gateway, '/api/instances', { headers })).status, 401, 'revoking the token ends its sessions')

  const admin = await signIn(gateway, gateway.token)
  assert.equal((await call(gateway, '/api/instances', { headers: { cookie: admin.cookie } })).status, 200)
  await sleep(700)
  assert.equal((await call(gateway, '/api/instances', { headers: { cookie: admin.cookie } })).status, 401, 'expired')
})

/** Reads `res`'s body until it ends; rejects (and drops the stream) when it is still open after `ms`. */
async function endsWithin(res: Response, ms: number): Promise<void> {
  const reader = res.body!.getReader()
  const ended = (async () => { for (;;) if ((await reader.read()).done) return 'ended' })()
  if ((await Promise.race([ended, sleep(ms, 'open')])) === 'ended') return
  await reader.cancel()
  throw new Error(`the stream was still open after ${ms} ms`)
}

test('an open event stream ends when its token is revoked or its session signs out', async (t) => {
  const gateway = await openAuthGateway(t)
  const viewer = await createToken(gateway, 'dashboard', 'viewer')
  const byToken = await call(gateway, '/api/events', { token: viewer })
  assert.equal(byToken.status, 200)
  const session = await signIn(gateway, gateway.token)
  const bySession = await call(gateway, '/api/events', { headers: { cookie: session.cookie } })
  assert.equal(bySession.status, 200)
  const byAdmin = await call(gateway, '/api/events', { token: gateway.token })
  await call(gateway, '/api/tokens/dashboard', { method: 'DELETE', token: gateway.token })
  await endsWithin(byToken, 5000)
  await call(gateway, '/api/session', { method: 'DELETE', headers: { cookie: session.cookie, 'x-ferry-csrf': session.csrf } })
  await endsWithin(bySession, 5000)
  await assert.rejects(endsWithin(byAdmin, 1500), /still open/, 'the bootstrap token\'s stream stays')
})
