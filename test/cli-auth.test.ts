/**
 * `ferry token create|ls|revoke` and `ferry audit` against a real `ferry serve`: the secret is
 * printed once and works at once with its role, revocation takes effect, and the trail lists it all.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runFerry } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

test('ferry token create, ls, revoke and ferry audit', { timeout: 60_000 }, async (t) => {
  const ferry = await startFerryServe(t)
  const client = ['--gateway', ferry.url, '--token', ferry.token]
  const created = await runFerry(['token', 'create', 'ci', '--role', 'deployer', ...client])
  assert.equal(created.code, 0, created.stderr)
  const secret = created.stdout.split('\n')[0]!
  assert.match(secret, /^fyt_/)
  assert.match(created.stdout, /created ci \(deployer\)\. This is the only time the token is shown/)
  const asJson = await runFerry(['token', 'create', 'app', '--role', 'inference', '--model', 'ocr', '--json', ...client])
  assert.equal((JSON.parse(asJson.stdout) as { token: { model: string } }).token.model, 'ocr')

  const ps = await runFerry(['ps', '--gateway', ferry.url, '--token', secret])
  assert.equal(ps.code, 0, 'the new token works at once')
  const forbidden = await runFerry(['token', 'ls', '--gateway', ferry.url, '--token', secret])
  assert.equal(forbidden.code, 1)
  assert.match(forbidden.stderr, /error E_ROLE_FORBIDDEN: GET \/api\/tokens needs the admin role; the token "ci" is deployer/)

  const ls = await runFerry(['token', 'ls', ...client])
  assert.match(ls.stdout, /^NAME\s+ROLE\s+MODEL\s+CREATED\s+BY\s+STATE$/m)
  assert.match(ls.stdout, /^ci\s+deployer\s+-\s+\S+\s+admin\s+active$/m)
  assert.match(ls.stdout, /^app\s+inference\s+ocr\s/m)
  assert.equal(ls.stdout.includes(secret), false)

  const revoked = await runFerry(['token', 'revoke', 'ci', ...client])
  assert.match(revoked.stdout, /revoked ci/)
  const after = await runFerry(['ps', '--gateway', ferry.url, '--token', secret])
  assert.equal(after.code, 1)
  assert.match(after.stderr, /E_UNAUTHORIZED/)
  assert.equal((await runFerry(['token', 'revoke', 'ci', ...client])).code, 1)
  const usage = await runFerry(['token', 'create', 'x', ...client])
  assert.equal(usage.code, 2, 'create without --role is a usage error')

  const trail = await runFerry(['audit', ...client])
  assert.equal(trail.code, 0, trail.stderr)
  assert.match(trail.stdout, /^TIME\s+TOKEN\s+ROLE\s+ACTION\s+TARGET\s+OUTCOME\s+CLIENT\s+REQUEST$/m)
  assert.match(trail.stdout, /\sadmin\s+admin\s+DELETE \/api\/tokens\/:token\s+ci\s+200\s/)
  assert.match(trail.stdout, /\sci\s+deployer\s+GET \/api\/tokens\s+-\s+403 E_ROLE_FORBIDDEN\s/)
  assert.match(trail.stdout, /\s-\s+-\s+GET \/api\/instances\s+-\s+401 E_UNAUTHORIZED\s/, 'the revoked token\'s try')
  const refusals = JSON.parse((await runFerry(['audit', '--outcome', 'refused', '--by', 'ci', '--json', ...client])).stdout) as Array<{ status: number }>
  assert.deepEqual(refusals.map((e) => e.status), [403])
  const bad = await runFerry(['audit', '--limit', '5000', ...client])
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /E_QUERY_INVALID: limit must be a whole number from 1 to 1000/)
})
