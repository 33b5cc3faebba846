/**
 * The data directory is the user's alone (issue 10): created 0700 with files 0600 even under
 * umask 000, and an existing one that others could read is tightened on start with a warning,
 * while the models' unpacked files keep the modes a sandboxed model needs to read them.
 */
import assert from 'node:assert/strict'
import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { secureDataDir } from '../deployer/index.js'
import { startGateway } from '../gateway/server.js'
import { FAST, packFixture } from './_deployer-helpers.js'
import { makeTempDir } from './_helpers.js'

async function modes(dir: string, skip: string[] = []): Promise<Array<[string, number]>> {
  const found: Array<[string, number]> = []
  const walk = async (path: string, rel: string) => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name
      if (skip.some((s) => relPath === s || relPath.startsWith(`${s}/`))) continue
      found.push([relPath, (await stat(join(path, entry.name))).mode & 0o777])
      if (entry.isDirectory()) await walk(join(path, entry.name), relPath)
    }
  }
  await walk(dir, '')
  return found
}

test('under umask 000 the data directory is created 0700 and everything the server writes in it 0600', async (t) => {
  const tmp = await makeTempDir(t, 'ferry-datadir-')
  const dataDir = join(tmp, 'data')
  const previous = process.umask(0)
  t.after(() => process.umask(previous))
  const gateway = await startGateway({ port: 0, dataDir, env: {}, deployer: FAST })
  t.after(() => gateway.close())
  const zip = await packFixture('valid', tmp)
  const { digest } = (await (await fetch(`${gateway.url}/api/packages`, { method: 'POST', headers: { authorization: `Bearer ${gateway.token}`, 'content-type': 'application/zip' }, body: await (await import('node:fs/promises')).readFile(zip) })).json()) as { digest: string }
  assert.equal((await fetch(`${gateway.url}/api/deployments`, { method: 'POST', headers: { authorization: `Bearer ${gateway.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ package: digest }) })).status, 201)
  await fetch(`${gateway.url}/models/valid/predict`, { method: 'POST', body: 'x' })
  await gateway.close()
  assert.equal((await stat(dataDir)).mode & 0o777, 0o700)
  const open = (await modes(dataDir, ['instances'])).filter(([, mode]) => (mode & 0o077) !== 0)
  assert.deepEqual(open, [], 'nothing outside instances/ is readable by others')
  const names = (await modes(dataDir, ['instances'])).map(([path]) => path)
  for (const expected of ['state.db', 'tracking.db', 'tracking.key', 'token', `packages/${digest}.zip`]) assert.ok(names.includes(expected), expected)
  assert.ok(names.some((n) => n.startsWith('logs/')), 'logs were written and checked')
})

test('an existing data directory readable by others is tightened on start, with a warning; instances/ keeps its modes', async (t) => {
  const tmp = await makeTempDir(t, 'ferry-datadir-')
  const dataDir = join(tmp, 'data')
  await mkdir(join(dataDir, 'logs'), { recursive: true })
  await mkdir(join(dataDir, 'instances', 'm', '1.0.0', 'app'), { recursive: true })
  await writeFile(join(dataDir, 'tracking.key'), 'k\n')
  await writeFile(join(dataDir, 'logs', 'x.jsonl'), '{}\n')
  await writeFile(join(dataDir, 'instances', 'm', '1.0.0', 'app', 'server.js'), '')
  await chmod(dataDir, 0o755)
  await chmod(join(dataDir, 'tracking.key'), 0o644)
  await chmod(join(dataDir, 'logs', 'x.jsonl'), 0o666)
  await chmod(join(dataDir, 'instances', 'm', '1.0.0', 'app', 'server.js'), 0o644)
  const warnings = await secureDataDir(dataDir)
  assert.equal(warnings.length, 2)
  assert.match(warnings[0]!, /readable by other users; it is now 0700/)
  assert.match(warnings[1]!, /3 file\(s\) and folder\(s\)/)
  assert.equal((await stat(dataDir)).mode & 0o777, 0o700)
  assert.equal((await stat(join(dataDir, 'tracking.key'))).mode & 0o777, 0o600)
  assert.equal((await stat(join(dataDir, 'logs'))).mode & 0o777, 0o700)
  assert.equal((await stat(join(dataDir, 'logs', 'x.jsonl'))).mode & 0o777, 0o600)
  assert.equal((await stat(join(dataDir, 'instances', 'm', '1.0.0', 'app', 'server.js'))).mode & 0o777, 0o644, "a model's own file keeps its mode")
  assert.deepEqual(await secureDataDir(dataDir), [], 'a second start has nothing to say')
})
