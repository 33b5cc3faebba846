/**
 * Alias names and the `latest` rule (issue 10): an alias is a slug (not prose, a path or a version
 * number), aliases can be removed (but not `latest`), and stopping or removing the version
 * `latest` points to while another version is ready is refused unless forced, which moves
 * `latest` first: one rule for `stop` and `rm`, through the API and the CLI.
 */
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { startGateway, type RunningGateway } from '../gateway/server.js'
import { FAST, packFixture, packVariant } from './_deployer-helpers.js'
import { api, errorCode } from './_api.js'
import { makeTempDir, runFerry } from './_helpers.js'

interface Gateway extends RunningGateway { tmp: string }



/** A gateway serving valid@1.0.0 and valid@1.1.0 (latest), both ready. */
async function openWithTwoVersions(t: TestContext): Promise<Gateway> {
  const tmp = await makeTempDir(t, 'ferry-aliases-')
  const gateway = await startGateway({ port: 0, dataDir: join(tmp, 'data'), env: {}, deployer: FAST })
  t.after(() => gateway.close())
  const second = await packVariant('valid', tmp, async (dir) => {
    const file = join(dir, 'descriptor.json')
    await writeFile(file, (await readFile(file, 'utf8')).replace('"1.0.0"', '"1.1.0"'))
  })
  for (const zip of [await packFixture('valid', tmp), second]) {
    const { digest } = (await (await api(gateway, '/packages', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: await readFile(zip) })).json()) as { digest: string }
    assert.equal((await api(gateway, '/deployments', { method: 'POST', json: { package: digest } })).status, 201)
  }
  return { ...gateway, tmp }
}

async function aliasesOf(gateway: RunningGateway): Promise<Record<string, string>> {
  const models = (await (await api(gateway, '/models')).json()) as Array<{ name: string; aliases: Record<string, string> }>
  return models.find((m) => m.name === 'valid')!.aliases
}

test('alias names are slugs: prose, paths, spaces, very long names and version numbers are refused', async (t) => {
  const gateway = await openWithTwoVersions(t)
  for (const alias of ['Bad Alias!', '../../x', 'a b', 'x'.repeat(3000), '1.0.0', '-lead', 'UPPER', '']) {
    const response = await api(gateway, `/models/valid/aliases/${encodeURIComponent(alias)}`, { method: 'PUT', json: { version: '1.0.0' } })
    assert.ok([400, 404].includes(response.status), `${alias.slice(0, 20)}: ${response.status}`)
    if (alias !== '' && alias !== '../../x') assert.equal(await errorCode(response), 'E_ALIAS_INVALID', alias.slice(0, 20))
  }
  // Slugs that read as a rule ("the previous version") an alias would not follow are reserved.
  for (const alias of ['previous', 'newest', 'current', 'none']) {
    const response = await api(gateway, `/models/valid/aliases/${alias}`, { method: 'PUT', json: { version: '1.0.0' } })
    assert.equal(response.status, 400, alias)
    assert.equal(await errorCode(response), 'E_ALIAS_NAME_RESERVED', alias)
  }
  const reserved = await api(gateway, '/deployments', { method: 'POST', json: { package: 'valid@1.0.0', alias: 'previous' } })
  assert.equal(await errorCode(reserved), 'E_ALIAS_NAME_RESERVED')
  const deploy = await api(gateway, '/deployments', { method: 'POST', json: { package: 'valid@1.0.0', alias: 'Not Valid' } })
  assert.equal(deploy.status, 400)
  assert.equal(await errorCode(deploy), 'E_ALIAS_INVALID')
  assert.deepEqual(await aliasesOf(gateway), { latest: '1.1.0' }, 'nothing was created')
  assert.equal((await api(gateway, '/models/valid/aliases/stable', { method: 'PUT', json: { version: '1.0.0' } })).status, 200)
})

test('aliases can be removed, but not latest; an unknown alias is a 404', async (t) => {
  const gateway = await openWithTwoVersions(t)
  assert.equal((await api(gateway, '/models/valid/aliases/stable', { method: 'PUT', json: { version: '1.0.0' } })).status, 200)
  assert.equal((await fetch(`${gateway.url}/models/valid@stable/health`)).status, 200)
  assert.equal((await api(gateway, '/models/valid/aliases/stable', { method: 'DELETE' })).status, 204)
  assert.deepEqual(await aliasesOf(gateway), { latest: '1.1.0' })
  assert.equal((await fetch(`${gateway.url}/models/valid@stable/health`)).status, 404, 'the alias no longer routes')
  const again = await api(gateway, '/models/valid/aliases/stable', { method: 'DELETE' })
  assert.equal(again.status, 404)
  assert.equal(await errorCode(again), 'E_ALIAS_NOT_FOUND')
  const latest = await api(gateway, '/models/valid/aliases/latest', { method: 'DELETE' })
  assert.equal(latest.status, 409)
  assert.equal(await errorCode(latest), 'E_ALIAS_RESERVED')
  assert.deepEqual(await aliasesOf(gateway), { latest: '1.1.0' })
})

test('stop and rm of the version latest points to are refused while another is ready, unless forced', async (t) => {
  const gateway = await openWithTwoVersions(t)
  for (const [method, path] of [['POST', '/instances/valid@1.1.0/stop'], ['DELETE', '/instances/valid@1.1.0']] as const) {
    const refused = await api(gateway, path, { method })
    assert.equal(refused.status, 409, path)
    const { error } = (await refused.json()) as { error: { code: string; details: { wouldMoveTo: string } } }
    assert.equal(error.code, 'E_VERSION_SERVES_LATEST', path)
    assert.equal(error.details.wouldMoveTo, '1.0.0')
  }
  assert.deepEqual(await aliasesOf(gateway), { latest: '1.1.0' }, 'nothing changed')
  const served = await fetch(`${gateway.url}/models/valid/health`)
  assert.equal(served.headers.get('x-ferry-version'), 'valid@1.1.0', 'still serving from latest')
  const forced = await api(gateway, '/instances/valid@1.1.0/stop?force=1', { method: 'POST' })
  assert.equal(forced.status, 200)
  const info = (await forced.json()) as { state: string; latestMovedTo: string }
  assert.deepEqual([info.state, info.latestMovedTo], ['stopped', '1.0.0'])
  assert.equal((await fetch(`${gateway.url}/models/valid/health`)).headers.get('x-ferry-version'), 'valid@1.0.0', 'latest moved before the stop')
  // Now 1.0.0 is latest and the only one ready: stopping it is allowed (it is what stop means).
  const removed = await api(gateway, '/instances/valid@1.1.0', { method: 'DELETE' })
  assert.equal(removed.status, 200)
  assert.deepEqual(await removed.json(), { removed: 'valid@1.1.0', latest: '1.0.0', latestMoved: false })
})

test('the CLI: ferry alias --rm, and ferry stop/rm --force naming where latest went', async (t) => {
  const gateway = await openWithTwoVersions(t)
  const env = { FERRY_GATEWAY: gateway.url, FERRY_TOKEN: gateway.token }
  const ferry = (...args: string[]) => runFerry(args, { env, cwd: gateway.tmp })
  assert.equal((await ferry('alias', 'valid', 'stable', '1.0.0')).stdout.trim(), 'valid@stable → 1.0.0')
  assert.equal((await ferry('alias', 'valid', 'stable', '--rm')).stdout.trim(), 'removed valid@stable')
  const bad = await ferry('alias', 'valid', 'Bad!', '1.0.0')
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /E_ALIAS_INVALID/)
  const refused = await ferry('rm', 'valid@1.1.0')
  assert.equal(refused.code, 1)
  assert.match(refused.stderr, /E_VERSION_SERVES_LATEST/)
  assert.equal((await ferry('rm', 'valid@1.1.0', '--force')).stdout.trim(), 'removed valid@1.1.0; latest → 1.0.0')
})
