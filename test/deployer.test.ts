/**
 * The deployer end to end: real zips, real child processes on 127.0.0.1, a real SQLite database.
 * A healthy version is tagged and takes `latest`; a failing one never is and disturbs nothing.
 */
import assert from 'node:assert/strict'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { EventRecord } from '../deployer/index.js'
import { callReplica, isProcessRunning, openDeployer, packFixture, packVariant, waitFor, zipFixtureUnchecked } from './_deployer-helpers.js'

test('a healthy version is deployed, tagged, aliased latest, and sees only the environment Ferry gives it', async (t) => {
  const { deployer, tmp } = await openDeployer(t, { env: { ...process.env, FERRY_TOKEN: 'server-secret', AWS_SECRET_ACCESS_KEY: 'leak-me-not', NPM_CONFIG__AUTH: 'registry-credential' } })
  const events: EventRecord[] = []
  deployer.onEvent((e) => events.push(e))
  const pkg = await deployer.addPackage(await packFixture('valid', tmp))
  assert.equal(pkg.created, true)
  assert.equal((await deployer.addPackage(await packFixture('valid', join(tmp, 'again')))).created, false, 'the same zip again is a no-op')
  const info = await deployer.deploy({ package: pkg.digest })
  assert.equal(info.ref, 'valid@1.0.0')
  assert.equal(info.state, 'ready')
  assert.equal(info.tagged, true)
  assert.deepEqual(info.aliases, ['latest'])
  const versionStates = events.filter((e) => e.type === 'state').map((e) => e.state)
  assert.deepEqual(versionStates, ['installing', 'starting', 'ready'])
  const target = deployer.resolveTarget('valid')
  assert.equal(target.version, '1.0.0')
  const { body: env } = await callReplica(target.endpoints[0]!.port, '/env') as { body: Record<string, string> }
  assert.equal(env['GREETING'], 'hello')
  assert.equal(env['HOST'], '127.0.0.1')
  assert.equal(env['PORT'], String(target.endpoints[0]!.port))
  assert.equal(env['FERRY_MODEL'], 'valid')
  assert.equal(env['FERRY_VERSION'], '1.0.0')
  assert.equal(env['FERRY_TOKEN'], undefined, 'the server token does not leak')
  assert.equal(env['AWS_SECRET_ACCESS_KEY'], undefined, 'server secrets do not leak')
  assert.equal(env['NPM_CONFIG__AUTH'], undefined, 'registry credentials reach set-up steps only')
})

test('a version that never becomes healthy is never tagged, and the version before keeps serving', async (t) => {
  const { deployer, tmp } = await openDeployer(t)
  const good = await deployer.addPackage(await packFixture('valid', tmp))
  await deployer.deploy({ package: good.digest })
  const before = deployer.resolveTarget('valid')
  const bad = await deployer.addPackage(await packVariant('valid', tmp, async (dir) => {
    await writeFile(join(dir, 'server.js'), 'console.error("cannot load weights"); setTimeout(() => process.exit(1), 100)\n')
  }, { version: '2.0.0' }))
  await assert.rejects(deployer.deploy({ package: bad.digest }), (error: { code: string; details: { logTail: string[] } }) => {
    assert.equal(error.code, 'E_DEPLOY_FAILED')
    assert.ok(error.details.logTail.some((line) => line.includes('cannot load weights')), 'the error carries the log tail')
    return true
  })
  const failed = deployer.get('valid@2.0.0')
  assert.equal(failed.state, 'failed')
  assert.equal(failed.tagged, false)
  assert.deepEqual(failed.aliases, [])
  const after = deployer.resolveTarget('valid')
  assert.equal(after.version, '1.0.0', 'latest did not move')
  assert.equal((await callReplica(after.endpoints[0]!.port, '/pid')).status, 200)
  assert.deepEqual(after.endpoints, before.endpoints, 'the serving replica was not touched')
})

test('never-healthy and crash-on-start fail with the reason; slow-start waits and succeeds', async (t) => {
  const { deployer, tmp } = await openDeployer(t)
  const never = await deployer.addPackage(await packFixture('never-healthy', tmp))
  await assert.rejects(deployer.deploy({ package: never.digest }), /no 2xx from \/health within 2 s/)
  const crash = await deployer.addPackage(await packFixture('crash-on-start', tmp))
  await assert.rejects(deployer.deploy({ package: crash.digest }), /exited with code 1 before its health check answered/)
  assert.throws(() => deployer.resolveTarget('crash-on-start'), { code: 'E_VERSION_NOT_FOUND' }, 'no alias was set')
  const slow = await deployer.addPackage(await packFixture('slow-start', tmp))
  assert.equal((await deployer.deploy({ package: slow.digest })).state, 'ready')
})

test('a version is immutable: another package claiming it is refused, or bumped to the next free patch when asked', async (t) => {
  const { deployer, tmp } = await openDeployer(t)
  await deployer.deploy({ package: (await deployer.addPackage(await packFixture('valid', tmp))).digest })
  const other = await deployer.addPackage(await packVariant('valid', tmp, (dir) => writeFile(join(dir, 'extra.txt'), 'different content')))
  await assert.rejects(deployer.deploy({ package: other.digest }), { code: 'E_VERSION_CONFLICT', status: 409 })
  const bumped = await deployer.deploy({ package: other.digest, bump: true })
  assert.equal(bumped.version, '1.0.1')
  assert.equal(bumped.requestedVersion, '1.0.0')
  assert.equal(deployer.resolveTarget('valid').version, '1.0.1')
})

test('bad and hostile packages are refused when added, and nothing is stored', async (t) => {
  const { deployer, tmp, dataDir } = await openDeployer(t)
  const hostile = await import('./_hostile-zips.js')
  const cases: Array<[string, (path: string) => Promise<unknown>, string]> = [
    ['bad-descriptor', (p) => zipFixtureUnchecked('bad-descriptor', p), 'E_PACKAGE_INVALID'],
    ['missing-entrypoint', (p) => zipFixtureUnchecked('missing-entrypoint', p), 'E_PACKAGE_INVALID'],
    ['zip-slip', hostile.writeZipSlipPackage, 'E_UNPACK_PATH_TRAVERSAL'],
    ['absolute-path', hostile.writeAbsolutePathPackage, 'E_UNPACK_ABSOLUTE_PATH'],
    ['symlink', hostile.writeSymlinkPackage, 'E_UNPACK_SYMLINK'],
    ['zip-bomb', hostile.writeZipBombPackage, 'E_UNPACK_ZIP_BOMB'],
    ['manifest-mismatch', hostile.writeUnlistedEntryPackage, 'E_UNPACK_MANIFEST_MISMATCH'],
    ['checksum-mismatch', hostile.writeChecksumMismatchPackage, 'E_UNPACK_CHECKSUM_MISMATCH'],
  ]
  for (const [name, write, code] of cases) {
    const path = join(tmp, `${name}.zip`)
    await write(path)
    await assert.rejects(deployer.addPackage(path), { code }, name)
  }
  const tooMany = join(tmp, 'too-many.zip')
  await hostile.writeManyFilesPackage(tooMany)
  const strict = await openDeployer(t, { unpackLimits: { maxEntries: 10 } })
  await assert.rejects(strict.deployer.addPackage(tooMany), { code: 'E_UNPACK_TOO_MANY_FILES' })
  assert.deepEqual(await readdir(join(dataDir, 'packages')), [], 'no package and no partial upload left')
  assert.deepEqual(deployer.listPackages(), [])
})

test('a crashed replica is restarted with backoff; a crash loop marks the version failed', async (t) => {
  const { deployer, tmp } = await openDeployer(t, { crashLoopLimit: 3 })
  const valid = await deployer.deploy({ package: (await deployer.addPackage(await packFixture('valid', tmp))).digest })
  const firstPort = valid.replicas[0]!.port!
  const { body: first } = await callReplica(firstPort, '/pid') as { body: { pid: number } }
  await callReplica(firstPort, '/crash', { method: 'POST' })
  const restarted = await waitFor(() => {
    const replica = deployer.get('valid@1.0.0').replicas[0]!
    return replica.state === 'ready' && replica.pid !== first.pid ? replica : undefined
  }, 10_000, 'the replica to come back')
  assert.equal(restarted.restarts, 1)
  const crashing = await deployer.deploy({ package: (await deployer.addPackage(await packFixture('crash-later', tmp))).digest })
  assert.equal(crashing.state, 'ready')
  const failed = await waitFor(() => (deployer.get('crash-later@1.0.0').state === 'failed' ? deployer.get('crash-later@1.0.0') : undefined), 20_000, 'the crash loop to be detected')
  assert.match(failed.reason ?? '', /crash loop: 3 restarts/)
})

test('a replica failing its health checks is restarted', async (t) => {
  const { deployer, tmp } = await openDeployer(t)
  const info = await deployer.deploy({ package: (await deployer.addPackage(await packFixture('valid', tmp))).digest })
  const replica = info.replicas[0]!
  await callReplica(replica.port!, '/sick', { method: 'POST' })
  const back = await waitFor(() => {
    const r = deployer.get('valid@1.0.0').replicas[0]!
    return r.state === 'ready' && r.pid !== replica.pid ? r : undefined
  }, 10_000, 'a restart after failed health checks')
  assert.equal(back.restarts, 1)
})

test('stopping kills the whole process group: a worker the model spawned is gone too', async (t) => {
  const { deployer, tmp } = await openDeployer(t)
  const info = await deployer.deploy({ package: (await deployer.addPackage(await packFixture('spawns-child', tmp))).digest })
  const { body } = await callReplica(info.replicas[0]!.port!, '/child') as { body: { pid: number; child: number } }
  assert.ok(await isProcessRunning(body.child))
  const stopped = await deployer.stop('spawns-child@1.0.0')
  assert.equal(stopped.state, 'stopped')
  assert.equal(await isProcessRunning(body.pid), false)
  assert.equal(await isProcessRunning(body.child), false, 'no orphan left')
  const started = await deployer.start('spawns-child@1.0.0')
  assert.equal(started.state, 'ready')
})

test('replicas: N processes on N ports; a restart is make-before-break', async (t) => {
  const { deployer, tmp } = await openDeployer(t)
  const pkg = await deployer.addPackage(await packFixture('valid', tmp))
  const info = await deployer.deploy({ package: pkg.digest, replicas: 3 })
  const ports = info.replicas.map((r) => r.port)
  assert.equal(new Set(ports).size, 3)
  assert.equal(deployer.resolveTarget('valid').endpoints.length, 3)
  const oldPids = info.replicas.map((r) => r.pid)
  let served = 0
  let refused = 0
  let polling = true
  const poller = (async () => {
    while (polling) {
      const endpoints = deployer.resolveTarget('valid').endpoints
      // No ready endpoint must count as a refusal without spinning: a synchronous loop would starve the restart it waits for.
      if (endpoints.length === 0) { refused++; await new Promise((r) => setTimeout(r, 5)); continue }
      try { await callReplica(endpoints[0]!.port, '/pid'); served++ } catch { refused++ }
    }
  })()
  const restarted = await deployer.restart('valid@1.0.0')
  polling = false
  await poller
  assert.equal(refused, 0, 'some ready replica answered throughout the restart')
  assert.ok(served > 0)
  assert.equal(restarted.replicas.length, 3)
  for (const pid of oldPids) assert.equal(await isProcessRunning(pid!), false)
})

test('logs: every line of a fast, noisy model is kept in order, with its stream and replica', async (t) => {
  const { deployer, tmp } = await openDeployer(t)
  await deployer.deploy({ package: (await deployer.addPackage(await packFixture('noisy-logger', tmp))).digest })
  const lines = await waitFor(async () => {
    const all = await deployer.logs.query({ sources: ['noisy-logger@1.0.0'], limit: 100_000 })
    return all.filter((e) => e.stream === 'stdout' || e.stream === 'stderr').length >= 20_000 ? all : undefined
  }, 10_000, 'all 20,000 lines')
  const out = lines.filter((e) => e.stream === 'stdout' && !e.continues).map((e) => e.line)
  const err = lines.filter((e) => e.stream === 'stderr').map((e) => e.line)
  assert.deepEqual(err, Array.from({ length: 10_000 }, (_, i) => `err ${i}`))
  assert.equal(out.filter((l) => /^out \d+/.test(l)).length, 10_000)
  assert.ok(lines.every((e) => e.stream === 'setup' || e.stream === 'system' || e.replica === 0))
  const seen: string[] = []
  const stop = deployer.followLogs('noisy-logger@1.0.0', (e) => seen.push(e.line))
  await deployer.stop('noisy-logger@1.0.0')
  stop()
  assert.ok(seen.includes('partial line without newline'), 'the partial last line is flushed when the process ends')
})

test('the python runtime: a venv per version, started with its own interpreter', async (t) => {
  const { deployer, tmp, dataDir } = await openDeployer(t)
  const info = await deployer.deploy({ package: (await deployer.addPackage(await packFixture('python-stdlib', tmp))).digest })
  assert.equal(info.state, 'ready')
  const { body } = await callReplica(info.replicas[0]!.port!, '/which') as { body: { prefix: string; version: string } }
  assert.equal(body.prefix, join(dataDir, 'instances', 'python-stdlib', '1.0.0', 'venv'))
  assert.equal(body.version, '1.0.0')
  const setup = (await deployer.tailLogs('python-stdlib@1.0.0', 50)).filter((e) => e.stream === 'setup').map((e) => e.line)
  assert.ok(setup.some((l) => l.includes('-m venv --without-pip')), setup.join('\n'))
})

test('aliases, removal and bad references', async (t) => {
  const { deployer, tmp } = await openDeployer(t)
  await deployer.deploy({ package: (await deployer.addPackage(await packFixture('valid', tmp))).digest })
  const v2 = await deployer.addPackage(await packVariant('valid', tmp, (dir) => writeFile(join(dir, 'v2.txt'), '2'), { version: '1.1.0' }))
  await deployer.deploy({ package: v2.digest, alias: 'canary' })
  assert.equal(deployer.resolveTarget('valid').version, '1.1.0')
  assert.equal(deployer.resolveTarget('valid', 'canary').version, '1.1.0')
  deployer.setAlias('valid', 'stable', '1.0.0')
  assert.equal(deployer.resolveTarget('valid', 'stable').version, '1.0.0')
  assert.equal(deployer.resolveTarget('valid', '1.0.0').version, '1.0.0')
  assert.deepEqual(deployer.listModels()[0]!.aliases, { canary: '1.1.0', latest: '1.1.0', stable: '1.0.0' })
  await assert.rejects(deployer.remove('valid@1.1.0'), { code: 'E_VERSION_SERVES_LATEST' })
  await deployer.remove('valid@1.1.0', { force: true })
  assert.equal(deployer.resolveTarget('valid').version, '1.0.0', 'latest moves to the other ready version')
  assert.throws(() => deployer.resolveTarget('nope'), { code: 'E_MODEL_NOT_FOUND' })
  assert.throws(() => deployer.resolveTarget('valid', 'ghost'), { code: 'E_VERSION_NOT_FOUND' })
  assert.throws(() => deployer.get('Not A Ref'), { code: 'E_REF_INVALID' })
  await assert.rejects(deployer.deploy({ package: 'valid@1.0.0', replicas: 0 }), { code: 'E_REPLICAS_INVALID' })
})

test('the node runtime installs dependencies with npm ci --omit=dev at deploy', async (t) => {
  const { deployer, tmp, dataDir } = await openDeployer(t)
  const info = await deployer.deploy({ package: (await deployer.addPackage(await packFixture('node-deps', tmp))).digest })
  assert.equal(info.state, 'ready')
  assert.deepEqual((await callReplica(info.replicas[0]!.port!, '/check')).body, { isNumber: true })
  const setup = (await deployer.tailLogs('node-deps@1.0.0', 50)).filter((e) => e.stream === 'setup').map((e) => e.line)
  assert.ok(setup.some((l) => l.startsWith('$ npm ci --omit=dev')), setup.join('\n'))
  assert.ok((await readdir(join(dataDir, 'instances', 'node-deps', '1.0.0', 'app', 'node_modules'))).includes('is-number'))
})

test('a failed set-up fails the deploy with E_SETUP_FAILED and the log tail, and leaves no version directory', async (t) => {
  const { deployer, tmp, dataDir } = await openDeployer(t)
  const pkg = await deployer.addPackage(await packFixture('python-setup-fails', tmp))
  await assert.rejects(deployer.deploy({ package: pkg.digest }), (error: { code: string; details: { logTail: string[] } }) => {
    assert.equal(error.code, 'E_SETUP_FAILED')
    assert.ok(error.details.logTail.some((line) => /definitely-not-a-real-package/.test(line)), error.details.logTail.join('\n'))
    return true
  })
  const info = deployer.get('python-setup-fails@1.0.0')
  assert.equal(info.state, 'failed')
  assert.equal(info.tagged, false)
  assert.deepEqual(await readdir(join(dataDir, 'instances', 'python-setup-fails')).catch(() => []), [])
})

test('closing while a version is still installing leaves no process behind', async (t) => {
  const { deployer, tmp, dataDir } = await openDeployer(t)
  const pkg = await deployer.addPackage(await packFixture('node-deps', tmp))
  const pending = deployer.deploy({ package: pkg.digest })
  pending.catch(() => undefined)
  await waitFor(() => deployer.get('node-deps@1.0.0').state === 'installing', 10_000, 'the set-up to begin')
  await deployer.close()
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const { findLeftoverProcesses } = await import('../deployer/_leftover-processes.js')
  const { resolveDeployerOptions } = await import('../deployer/options.js')
  assert.deepEqual(await findLeftoverProcesses({ key: 'FERRY_HOME_ID', value: resolveDeployerOptions({ dataDir }).homeId }), [])
})

test('versions keep their number: start a bumped version, redeploy a digest, rescale and alias without a new version', async (t) => {
  const { deployer, tmp, dataDir } = await openDeployer(t)
  const first = await deployer.addPackage(await packFixture('valid', tmp))
  await deployer.deploy({ package: first.digest })
  const other = await deployer.addPackage(await packVariant('valid', tmp, (dir) => writeFile(join(dir, 'extra.txt'), 'x')))
  assert.equal((await deployer.deploy({ package: other.digest, bump: true })).version, '1.0.1')
  await deployer.stop('valid@1.0.1', { force: true })
  assert.equal((await deployer.start('valid@1.0.1')).state, 'ready')
  assert.equal((await deployer.deploy({ package: other.digest })).version, '1.0.1', 'the digest keeps the version it was given')
  await deployer.remove('valid@1.0.0', { force: true })
  await deployer.stop('valid@1.0.1')
  assert.equal((await deployer.start('valid@1.0.1')).version, '1.0.1')
  assert.deepEqual(deployer.list().map((i) => i.ref), ['valid@1.0.1'], 'no valid@1.0.0 came back')

  const scaled = await deployer.deploy({ package: 'valid@1.0.1', replicas: 3 })
  assert.equal(scaled.replicas.length, 3)
  const again = await deployer.deploy({ package: 'valid@1.0.1', alias: 'stable' })
  assert.equal(again.replicas.length, 3, 'a redeploy without replicas keeps the count')
  assert.deepEqual(again.aliases, ['latest', 'stable'])

  const [a, b] = await Promise.all([deployer.restart('valid@1.0.1'), deployer.restart('valid@1.0.1')])
  assert.equal(a.state, 'ready')
  assert.equal(b.state, 'ready')
  const { findLeftoverProcesses } = await import('../deployer/_leftover-processes.js')
  const { resolveDeployerOptions } = await import('../deployer/options.js')
  const running = await findLeftoverProcesses({ key: 'FERRY_HOME_ID', value: resolveDeployerOptions({ dataDir }).homeId })
  assert.equal(running.length, 3, 'two restarts at once leave exactly one set of replicas')
})

test('a replica that crashes while a health-check restart is pending restarts once', async (t) => {
  const { deployer, tmp } = await openDeployer(t, { unhealthyThreshold: 1, restartInitialDelayMs: 300 })
  const info = await deployer.deploy({ package: (await deployer.addPackage(await packFixture('valid', tmp))).digest })
  const port = info.replicas[0]!.port!
  await callReplica(port, '/sick', { method: 'POST' })
  await waitFor(() => deployer.get('valid@1.0.0').replicas[0]!.state === 'restarting', 5000, 'the restart to be scheduled')
  await callReplica(port, '/crash', { method: 'POST' }).catch(() => undefined)
  const back = await waitFor(() => {
    const r = deployer.get('valid@1.0.0').replicas[0]!
    return r.state === 'ready' && r.port !== port ? r : undefined
  }, 10_000, 'the replica to be ready again')
  assert.equal(back.restarts, 1)
})

test('close({ stopInstances: false }) leaves replicas for the next start, which stops and replaces them', async (t) => {
  const tmp0 = await openDeployer(t)
  const pkg = await tmp0.deployer.addPackage(await packFixture('valid', tmp0.tmp))
  const info = await tmp0.deployer.deploy({ package: pkg.digest })
  const pid = info.replicas[0]!.pid!
  await tmp0.deployer.close({ stopInstances: false })
  assert.ok(await isProcessRunning(pid))
  await callReplica(info.replicas[0]!.port!, '/crash', { method: 'POST' })
  await waitFor(async () => !(await isProcessRunning(pid)), 5000, 'the detached replica to exit')
  const { Deployer } = await import('../deployer/index.js')
  const reopened = await Deployer.open({ dataDir: tmp0.dataDir, healthIntervalMs: 150, stopGraceMs: 1500 })
  t.after(() => reopened.close())
  await waitFor(() => reopened.get('valid@1.0.0').state === 'ready', 10_000, 'recovery')
  assert.deepEqual(reopened.get('valid@1.0.0').aliases, ['latest'])
})
