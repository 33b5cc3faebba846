/**
 * The contract every StateStore passes (STYLE.md §3, as hono's routers share one case file):
 * idempotent packages, immutable versions with stable conflict codes, state and tag timestamps,
 * aliases that need a version, cascading deletes that keep the history, ordered and paged events,
 * all-or-nothing transactions, and durability: what a process was told is written survives a
 * SIGKILL of that process. Run it from a `*.test.ts` file:
 * `runStateStoreContract('sqlite', openSqliteStateStore, { child: { module, exportName } })`.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { describe, test, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { PackageRecord, StateStore } from '../deployer/state-store.js'
import { FerryError } from '../packager/ferry-error.js'
import { makeTempDir } from './_helpers.js'

export interface StateStoreContractOptions {
  /**
   * How a child process opens the same kind of store, for the SIGKILL test (skipped without it):
   * `module` is an absolute file URL, `exportName` a function `(dir) => StateStore | Promise<StateStore>`.
   */
  child?: { module: string; exportName: string }
}

type OpenStateStore = (dir: string) => StateStore | Promise<StateStore>

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** A stable fake package digest for `label`. */
export function fakeDigest(label: string): string {
  return createHash('sha256').update(label).digest('hex')
}

/** A package record to put, with a nested descriptor and manifest. */
export function fakePackage(name = 'tiny', version = '1.0.0', label = `${name}@${version}`): Omit<PackageRecord, 'createdAt' | 'signer'> {
  return {
    digest: fakeDigest(label), name, version, size: 1234,
    descriptor: { name, version, runtime: { type: 'node', entry: 'server.js' }, api: { endpoints: [{ method: 'POST', path: '/predict' }] } },
    manifest: { format: 1, files: [{ path: 'server.js', size: 12, sha256: fakeDigest(`${label}/server.js`) }] },
  }
}

/** Asserts that `fn` throws a FerryError with `code` and `status`. */
function assertFerryError(fn: () => unknown, code: string, status: number): FerryError {
  let caught: unknown
  assert.throws(fn, (error: unknown) => {
    caught = error
    return true
  })
  assert.ok(caught instanceof FerryError, `expected a FerryError, got ${String(caught)}`)
  assert.equal(caught.code, code)
  assert.equal(caught.status, status)
  return caught
}

/** Runs the state store contract against stores made by `open` (each test gets a fresh directory). */
export function runStateStoreContract(name: string, open: OpenStateStore, options: StateStoreContractOptions = {}): void {
  async function openStore(t: TestContext, dir?: string): Promise<{ store: StateStore; dir: string }> {
    const where = dir ?? await makeTempDir(t, 'ferry-state-')
    const store = await open(where)
    t.after(() => store.close())
    return { store, dir: where }
  }

  /** A store holding tiny@1.0.0 (and its package). */
  async function openWithVersion(t: TestContext): Promise<StateStore> {
    const { store } = await openStore(t)
    const pkg = store.putPackage(fakePackage())
    store.createVersion({ name: 'tiny', version: '1.0.0', digest: pkg.digest, replicas: 1 })
    return store
  }

  describe(`state store contract: ${name}`, () => {
    test('putPackage is idempotent by digest and keeps JSON intact', async (t) => {
      const { store } = await openStore(t)
      const input = fakePackage()
      const first = store.putPackage(input)
      assert.match(first.createdAt, ISO_MS)
      assert.deepEqual({ ...first, createdAt: undefined }, { ...input, createdAt: undefined, signer: null })
      await sleep(5)
      const again = store.putPackage({ ...input, size: 99, descriptor: { changed: true } })
      assert.deepEqual(again, first, 'a known digest returns the stored record unchanged')
      assert.deepEqual(store.getPackage(input.digest), first)
      assert.deepEqual(store.listPackages(), [first])
      assert.equal(store.getPackage(fakeDigest('nothing')), undefined)
    })

    test('a package keeps its signer: recorded with it or later, replaced, cleared, and across reopening', async (t) => {
      const { store, dir } = await openStore(t)
      const signer = { keyId: '0123456789abcdef', publicKey: 'A'.repeat(43) + '=', name: 'alice', trusted: true, signature: 'B'.repeat(86) + '==', verifiedAt: '2026-01-02T03:04:05.678Z' }
      const signed = store.putPackage({ ...fakePackage('signed'), signer })
      assert.deepEqual(signed.signer, signer)
      const plain = store.putPackage(fakePackage('plain'))
      assert.equal(plain.signer, null)
      const untrusted = { ...signer, keyId: 'fedcba9876543210', name: null, trusted: false }
      assert.deepEqual(store.setPackageSigner(plain.digest, untrusted).signer, untrusted)
      assert.deepEqual({ ...store.getPackage(plain.digest)!, signer: null }, plain, 'nothing else changes')
      assert.equal(store.setPackageSigner(signed.digest, null).signer, null)
      store.setPackageSigner(signed.digest, signer)
      assertFerryError(() => store.setPackageSigner(fakeDigest('nothing'), signer), 'E_PACKAGE_NOT_FOUND', 404)
      store.close()
      const reopened = await open(dir)
      t.after(() => reopened.close())
      assert.deepEqual(reopened.listPackages().map((p) => [p.name, p.signer]), [['plain', untrusted], ['signed', signer]])
    })

    test('listPackages is sorted by name, then semver', async (t) => {
      const { store } = await openStore(t)
      for (const [n, v] of [['zeta', '1.0.0'], ['alpha', '1.10.0'], ['alpha', '1.9.0'], ['alpha', '1.0.0-rc.1']] as const) store.putPackage(fakePackage(n, v))
      assert.deepEqual(store.listPackages().map((p) => `${p.name}@${p.version}`), ['alpha@1.0.0-rc.1', 'alpha@1.9.0', 'alpha@1.10.0', 'zeta@1.0.0'])
    })

    test('createVersion records a stopped, untagged version; the same digest returns it again', async (t) => {
      const { store } = await openStore(t)
      const pkg = store.putPackage(fakePackage())
      const created = store.createVersion({ name: 'tiny', version: '1.0.0', digest: pkg.digest, replicas: 2 })
      assert.deepEqual({ ...created, createdAt: '', stateChangedAt: '' }, {
        name: 'tiny', version: '1.0.0', digest: pkg.digest, replicas: 2, desired: 'stopped', state: 'stopped', stateReason: null,
        stateChangedAt: '', tagged: false, taggedAt: null, createdAt: '',
      })
      assert.match(created.createdAt, ISO_MS)
      assert.equal(created.stateChangedAt, created.createdAt)
      const updated = store.updateVersion('tiny', '1.0.0', { desired: 'running', state: 'ready' })
      const again = store.createVersion({ name: 'tiny', version: '1.0.0', digest: pkg.digest, replicas: 5 })
      assert.deepEqual(again, updated, 'the existing record, as it is now, unchanged by the call')
      assert.deepEqual(store.getVersion('tiny', '1.0.0'), updated)
      assert.equal(store.getVersion('tiny', '9.9.9'), undefined)
    })

    test('createVersion with another digest is a 409 E_VERSION_CONFLICT and changes nothing', async (t) => {
      const store = await openWithVersion(t)
      const before = store.getVersion('tiny', '1.0.0')!
      const other = store.putPackage(fakePackage('tiny', '1.0.0', 'other bytes'))
      const error = assertFerryError(() => store.createVersion({ name: 'tiny', version: '1.0.0', digest: other.digest, replicas: 1 }), 'E_VERSION_CONFLICT', 409)
      assert.equal(error.details?.['existingDigest'], before.digest)
      assert.deepEqual(store.getVersion('tiny', '1.0.0'), before)
      assert.equal(store.listVersions().length, 1)
    })

    test('createVersion for a package that is not stored is a 404 E_PACKAGE_NOT_FOUND', async (t) => {
      const { store } = await openStore(t)
      assertFerryError(() => store.createVersion({ name: 'tiny', version: '1.0.0', digest: fakeDigest('missing'), replicas: 1 }), 'E_PACKAGE_NOT_FOUND', 404)
      assert.deepEqual(store.listVersions(), [])
    })

    test('listVersions is sorted by name, then semver precedence, and filters by name', async (t) => {
      const { store } = await openStore(t)
      const versions = [['beta', '2.0.0'], ['alpha', '1.10.0'], ['alpha', '1.9.0'], ['alpha', '1.0.0'], ['alpha', '1.0.0-rc.1'], ['beta', '0.1.0']] as const
      for (const [n, v] of versions) store.createVersion({ name: n, version: v, digest: store.putPackage(fakePackage(n, v)).digest, replicas: 1 })
      assert.deepEqual(store.listVersions().map((v) => `${v.name}@${v.version}`), ['alpha@1.0.0-rc.1', 'alpha@1.0.0', 'alpha@1.9.0', 'alpha@1.10.0', 'beta@0.1.0', 'beta@2.0.0'])
      assert.deepEqual(store.listVersions('beta').map((v) => v.version), ['0.1.0', '2.0.0'])
      assert.deepEqual(store.listVersions('nobody'), [])
    })

    test('updateVersion moves stateChangedAt only on a state change, and sets taggedAt once', async (t) => {
      const store = await openWithVersion(t)
      const created = store.getVersion('tiny', '1.0.0')!
      await sleep(5)
      const scaled = store.updateVersion('tiny', '1.0.0', { desired: 'running', replicas: 3 })
      assert.equal(scaled.desired, 'running')
      assert.equal(scaled.replicas, 3)
      assert.equal(scaled.stateChangedAt, created.stateChangedAt, 'no state change')
      await sleep(5)
      const starting = store.updateVersion('tiny', '1.0.0', { state: 'starting' })
      assert.equal(starting.state, 'starting')
      assert.match(starting.stateChangedAt, ISO_MS)
      assert.ok(starting.stateChangedAt > created.stateChangedAt, 'state changed')
      assert.equal(starting.replicas, 3, 'fields not in the patch stay')
      await sleep(5)
      const reasoned = store.updateVersion('tiny', '1.0.0', { state: 'starting', stateReason: 'waiting for /health' })
      assert.equal(reasoned.stateReason, 'waiting for /health')
      assert.equal(reasoned.stateChangedAt, starting.stateChangedAt, 'same state again is no change')
      assert.equal(store.updateVersion('tiny', '1.0.0', { stateReason: null }).stateReason, null)
      const tagged = store.updateVersion('tiny', '1.0.0', { state: 'ready', tagged: true })
      assert.equal(tagged.tagged, true)
      assert.match(tagged.taggedAt ?? '', ISO_MS)
      await sleep(5)
      const retagged = store.updateVersion('tiny', '1.0.0', { tagged: true })
      assert.equal(retagged.taggedAt, tagged.taggedAt, 'taggedAt is when it first became true')
      assert.deepEqual(store.getVersion('tiny', '1.0.0'), retagged)
      assertFerryError(() => store.updateVersion('tiny', '9.9.9', { state: 'ready' }), 'E_VERSION_NOT_FOUND', 404)
    })

    test('an alias needs an existing version of its model (404 E_VERSION_NOT_FOUND)', async (t) => {
      const store = await openWithVersion(t)
      assertFerryError(() => store.setAlias('tiny', 'latest', '2.0.0'), 'E_VERSION_NOT_FOUND', 404)
      assertFerryError(() => store.setAlias('other', 'latest', '1.0.0'), 'E_VERSION_NOT_FOUND', 404)
      assert.deepEqual(store.listAliases(), [])
    })

    test('a model inference token hash is kept, replaced, survives reopening, and cleared', async (t) => {
      const { store, dir } = await openStore(t)
      assert.equal(store.getModelTokenHash('tiny'), undefined)
      store.setModelTokenHash('tiny', 'a'.repeat(64))
      store.setModelTokenHash('tiny', 'b'.repeat(64))
      assert.equal(store.getModelTokenHash('tiny'), 'b'.repeat(64))
      store.close()
      const again = await open(dir)
      assert.equal(again.getModelTokenHash('tiny'), 'b'.repeat(64))
      again.setModelTokenHash('tiny', undefined)
      assert.equal(again.getModelTokenHash('tiny'), undefined)
      again.close()
    })

    test('aliases are set, moved, listed in order and deleted', async (t) => {
      const store = await openWithVersion(t)
      store.createVersion({ name: 'tiny', version: '1.1.0', digest: store.putPackage(fakePackage('tiny', '1.1.0')).digest, replicas: 1 })
      store.createVersion({ name: 'abc', version: '0.1.0', digest: store.putPackage(fakePackage('abc', '0.1.0')).digest, replicas: 1 })
      const latest = store.setAlias('tiny', 'latest', '1.0.0')
      assert.deepEqual({ ...latest, updatedAt: '' }, { name: 'tiny', alias: 'latest', version: '1.0.0', updatedAt: '' })
      assert.match(latest.updatedAt, ISO_MS)
      await sleep(5)
      assert.deepEqual(store.setAlias('tiny', 'latest', '1.0.0'), latest, 'pointing it where it points is a no-op')
      const moved = store.setAlias('tiny', 'latest', '1.1.0')
      assert.equal(moved.version, '1.1.0')
      assert.ok(moved.updatedAt > latest.updatedAt)
      store.setAlias('tiny', 'canary', '1.1.0')
      store.setAlias('abc', 'latest', '0.1.0')
      assert.deepEqual(store.getAlias('tiny', 'latest'), moved)
      assert.equal(store.getAlias('tiny', 'stable'), undefined)
      assert.deepEqual(store.listAliases().map((a) => `${a.name}:${a.alias}=${a.version}`), ['abc:latest=0.1.0', 'tiny:canary=1.1.0', 'tiny:latest=1.1.0'])
      assert.deepEqual(store.listAliases('tiny').map((a) => a.alias), ['canary', 'latest'])
      store.deleteAlias('tiny', 'canary')
      store.deleteAlias('tiny', 'canary')
      store.deleteAlias('nobody', 'latest')
      assert.deepEqual(store.listAliases('tiny').map((a) => a.alias), ['latest'])
    })

    test('process records are replaced per replica, listed in order and forgotten', async (t) => {
      const store = await openWithVersion(t)
      const proc = (replica: number, pid: number) => ({ name: 'tiny', version: '1.0.0', replica, pid, port: 40000 + replica, token: `token-${pid}`, startedAt: `2030-01-01T00:00:0${replica}.${pid}Z` })
      store.recordProcess(proc(1, 101))
      store.recordProcess(proc(0, 100))
      store.recordProcess(proc(0, 200))
      assert.deepEqual(store.listProcesses(), [proc(0, 200), proc(1, 101)], 'replica 0 replaced, sorted by replica')
      store.forgetProcess('tiny', '1.0.0', 0)
      store.forgetProcess('tiny', '1.0.0', 7)
      assert.deepEqual(store.listProcesses().map((p) => p.replica), [1])
      assertFerryError(() => store.recordProcess({ ...proc(0, 300), version: '9.9.9' }), 'E_VERSION_NOT_FOUND', 404)
    })

    test('deleteVersion removes its aliases and process records, keeps its events and frees the package', async (t) => {
      const store = await openWithVersion(t)
      const digest = store.getVersion('tiny', '1.0.0')!.digest
      store.createVersion({ name: 'tiny', version: '2.0.0', digest: store.putPackage(fakePackage('tiny', '2.0.0')).digest, replicas: 1 })
      store.setAlias('tiny', 'latest', '1.0.0')
      store.setAlias('tiny', 'stable', '1.0.0')
      store.setAlias('tiny', 'canary', '2.0.0')
      for (const [version, replica] of [['1.0.0', 0], ['1.0.0', 1], ['2.0.0', 0]] as const) {
        store.recordProcess({ name: 'tiny', version, replica, pid: 1000 + replica, port: 4000 + replica, token: `t-${version}-${replica}`, startedAt: new Date().toISOString() })
      }
      store.addEvent({ name: 'tiny', version: '1.0.0', replica: null, type: 'deploy', state: 'ready', reason: null, details: null })
      const error = assertFerryError(() => store.deletePackage(digest), 'E_PACKAGE_IN_USE', 409)
      assert.deepEqual(error.details?.['versions'], ['tiny@1.0.0'])
      assert.ok(store.getPackage(digest), 'a package in use stays')

      store.deleteVersion('tiny', '1.0.0')
      assert.equal(store.getVersion('tiny', '1.0.0'), undefined)
      assert.deepEqual(store.listAliases().map((a) => a.alias), ['canary'])
      assert.deepEqual(store.listProcesses().map((p) => `${p.version}/${p.replica}`), ['2.0.0/0'])
      assert.equal(store.listEvents({ name: 'tiny', version: '1.0.0' }).length, 1, 'the history stays')
      store.deleteVersion('tiny', '1.0.0')
      store.deletePackage(digest)
      assert.equal(store.getPackage(digest), undefined)
      store.deletePackage(digest)
    })

    test('events get increasing ids and times, keep their details, and filter by model and version', async (t) => {
      const { store } = await openStore(t)
      const first = store.addEvent({ name: 'a', version: '1.0.0', replica: 0, type: 'replica', state: 'starting', reason: null, details: { pid: 12, nested: { ports: [1, 2] } } })
      assert.ok(Number.isInteger(first.id) && first.id > 0)
      assert.match(first.time, ISO_MS)
      assert.deepEqual(first.details, { pid: 12, nested: { ports: [1, 2] } })
      const given = store.addEvent({ time: '2020-01-02T03:04:05.678Z', name: 'b', version: '1.0.0', replica: null, type: 'alias', state: null, reason: 'moved', details: undefined })
      assert.equal(given.time, '2020-01-02T03:04:05.678Z')
      assert.equal(given.details, null, 'undefined details are stored as null')
      store.addEvent({ name: 'a', version: '2.0.0', replica: null, type: 'state', state: 'failed', reason: 'exit 1', details: 'text' })
      store.addEvent({ name: 'a', version: '1.0.0', replica: null, type: 'state', state: 'ready', reason: null, details: [1, 'two'] })
      const all = store.listEvents()
      assert.equal(all.length, 4)
      assert.deepEqual(all[0], first)
      assert.deepEqual(all[1], given)
      for (let i = 1; i < all.length; i++) assert.ok(all[i]!.id > all[i - 1]!.id, 'ids increase')
      assert.deepEqual(all.map((e) => e.details), [{ pid: 12, nested: { ports: [1, 2] } }, null, 'text', [1, 'two']])
      assert.deepEqual(store.listEvents({ name: 'a' }).map((e) => e.version), ['1.0.0', '2.0.0', '1.0.0'])
      assert.deepEqual(store.listEvents({ name: 'a', version: '1.0.0' }).map((e) => e.state), ['starting', 'ready'])
      assert.deepEqual(store.listEvents({ version: '1.0.0' }).map((e) => e.name), ['a', 'b', 'a'])
      assert.deepEqual(store.listEvents({ name: 'nobody' }), [])
    })

    test('listEvents pages forward with afterId and limit, and tails with limit alone', async (t) => {
      const { store } = await openStore(t)
      const ids = Array.from({ length: 10 }, (_, i) => store.addEvent({ name: 'a', version: '1.0.0', replica: null, type: 'state', state: null, reason: `#${i}`, details: { i } }).id)
      assert.deepEqual(store.listEvents({ afterId: ids[6] }).map((e) => e.id), ids.slice(7))
      assert.deepEqual(store.listEvents({ afterId: ids[2], limit: 3 }).map((e) => e.id), ids.slice(3, 6), 'the oldest after afterId')
      assert.deepEqual(store.listEvents({ afterId: 0, limit: 2 }).map((e) => e.id), ids.slice(0, 2))
      assert.deepEqual(store.listEvents({ limit: 3 }).map((e) => e.id), ids.slice(7), 'without afterId: the newest, in id order')
      assert.deepEqual(store.listEvents({ limit: 0 }), [])
      assert.deepEqual(store.listEvents({ afterId: ids[9] }), [])
      assert.deepEqual(store.listEvents({ name: 'a', afterId: ids[8], limit: 5 }).map((e) => e.reason), ['#9'])
    })

    test('transaction returns the value, and a throw rolls every write back', async (t) => {
      const { store } = await openStore(t)
      assert.equal(store.transaction(() => store.putPackage(fakePackage('kept')).name), 'kept')
      const boom = new Error('boom')
      assert.throws(() => store.transaction(() => {
        const pkg = store.putPackage(fakePackage())
        store.createVersion({ name: 'tiny', version: '1.0.0', digest: pkg.digest, replicas: 1 })
        store.setAlias('tiny', 'latest', '1.0.0')
        store.addEvent({ name: 'tiny', version: '1.0.0', replica: null, type: 'deploy', state: null, reason: null, details: null })
        throw boom
      }), (error: unknown) => error === boom)
      assert.deepEqual(store.listPackages().map((p) => p.name), ['kept'])
      assert.deepEqual(store.listVersions(), [])
      assert.deepEqual(store.listAliases(), [])
      assert.deepEqual(store.listEvents(), [])
    })

    test('a FerryError inside a transaction rolls back the writes before it', async (t) => {
      const store = await openWithVersion(t)
      assertFerryError(() => store.transaction(() => {
        store.updateVersion('tiny', '1.0.0', { tagged: true })
        store.setAlias('tiny', 'latest', '1.0.0')
        store.setAlias('tiny', 'stable', '3.0.0')
      }), 'E_VERSION_NOT_FOUND', 404)
      assert.equal(store.getVersion('tiny', '1.0.0')!.tagged, false)
      assert.deepEqual(store.listAliases(), [])
    })

    test('a nested transaction that throws rolls back only its own writes', async (t) => {
      const store = await openWithVersion(t)
      store.transaction(() => {
        store.setAlias('tiny', 'latest', '1.0.0')
        assert.throws(() => store.transaction(() => {
          store.setAlias('tiny', 'stable', '1.0.0')
          throw new Error('inner')
        }), /inner/)
      })
      assert.deepEqual(store.listAliases().map((a) => a.alias), ['latest'])
    })

    test('transaction refuses an async function and keeps none of its synchronous writes', async (t) => {
      const { store } = await openStore(t)
      assert.throws(() => store.transaction((async () => {
        store.putPackage(fakePackage())
      }) as () => unknown))
      assert.deepEqual(store.listPackages(), [])
    })

    test('everything is there again after close and reopen', async (t) => {
      const { store, dir } = await openStore(t)
      const pkg = store.putPackage(fakePackage())
      store.createVersion({ name: 'tiny', version: '1.0.0', digest: pkg.digest, replicas: 2 })
      const version = store.updateVersion('tiny', '1.0.0', { desired: 'running', state: 'ready', tagged: true })
      const alias = store.setAlias('tiny', 'latest', '1.0.0')
      const proc = { name: 'tiny', version: '1.0.0', replica: 0, pid: 4242, port: 41000, token: 'tok', startedAt: new Date().toISOString() }
      store.recordProcess(proc)
      const event = store.addEvent({ name: 'tiny', version: '1.0.0', replica: 0, type: 'replica', state: 'ready', reason: null, details: { pid: 4242 } })
      store.close()
      store.close()
      const { store: reopened } = await openStore(t, dir)
      assert.deepEqual(reopened.listPackages(), [pkg])
      assert.deepEqual(reopened.listVersions(), [version])
      assert.deepEqual(reopened.listAliases(), [alias])
      assert.deepEqual(reopened.listProcesses(), [proc])
      assert.deepEqual(reopened.listEvents(), [event])
      const next = reopened.addEvent({ name: 'tiny', version: '1.0.0', replica: null, type: 'restart', state: null, reason: null, details: null })
      assert.ok(next.id > event.id, 'ids continue after a reopen')
    })

    test('rollouts are recorded, patched, listed newest first, filtered to active ones, and survive reopening', async (t) => {
      const { store, dir } = await openStore(t)
      const first = store.createRollout({ name: 'tiny', candidate: '1.1.0', stable: '1.0.0', strategy: 'canary', config: { step: 10 } })
      assert.equal(first.status, 'running')
      assert.equal(first.weight, 0)
      assert.deepEqual(first.checks, [])
      assert.equal(first.endedAt, null)
      const stepped = store.updateRollout(first.id, { weight: 10, checks: [{ window: 1, passed: true }] })
      assert.equal(stepped.weight, 10)
      assert.deepEqual(stepped.config, { step: 10 })
      const ended = store.updateRollout(first.id, { status: 'rolled-back', weight: 0, failures: 3, reason: 'success rate 70 % < 99 %' })
      assert.ok(ended.endedAt, 'an outcome sets endedAt')
      assert.deepEqual(ended.checks, [{ window: 1, passed: true }])
      const second = store.createRollout({ name: 'tiny', candidate: '1.2.0', stable: '1.0.0', strategy: 'manual', config: {} })
      store.createRollout({ name: 'other', candidate: '2.0.0', stable: null, strategy: 'shadow', config: {}, status: 'paused' })
      assert.deepEqual(store.listRollouts({ name: 'tiny' }).map((r) => r.id), [second.id, first.id])
      assert.deepEqual(store.listRollouts({ active: true }).map((r) => r.name), ['other', 'tiny'])
      assert.equal(store.listRollouts({ limit: 1 }).length, 1)
      assert.throws(() => store.updateRollout(9999, { weight: 1 }), (e: unknown) => (e as { code?: string }).code === 'E_ROLLOUT_NOT_FOUND')
      store.close()
      const { store: reopened } = await openStore(t, dir)
      assert.deepEqual(reopened.getRollout(first.id), ended)
    })

    const child = options.child
    test('what a killed process was told is written survives its SIGKILL', { skip: child ? false : 'no child opener given', timeout: 30_000 }, async (t) => {
      const dir = await makeTempDir(t, 'ferry-state-')
      const script = `
        import { ${child!.exportName} as open } from ${JSON.stringify(child!.module)}
        const store = await open(process.env.FERRY_STATE_DIR)
        const digest = ${JSON.stringify(fakeDigest('killed'))}
        store.putPackage({ digest, name: 'tiny', version: '1.0.0', size: 7, descriptor: { name: 'tiny' }, manifest: { files: [] } })
        store.createVersion({ name: 'tiny', version: '1.0.0', digest, replicas: 2 })
        store.transaction(() => {
          store.updateVersion('tiny', '1.0.0', { desired: 'running', state: 'ready', tagged: true })
          store.setAlias('tiny', 'latest', '1.0.0')
        })
        store.recordProcess({ name: 'tiny', version: '1.0.0', replica: 1, pid: 777, port: 45678, token: 'launch-token', startedAt: new Date().toISOString() })
        for (let i = 0; i < 200; i++) store.addEvent({ name: 'tiny', version: '1.0.0', replica: null, type: 'state', state: null, reason: 'event ' + i, details: { i } })
        store.setAlias('tiny', 'stable', '1.0.0')
        process.stdout.write('ok\\n')
        setInterval(() => {}, 60_000)
      `
      const proc = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, FERRY_STATE_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] })
      t.after(() => proc.kill('SIGKILL'))
      let stderr = ''
      proc.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
      const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.once('exit', (_code, signal) => resolve(signal)))
      await new Promise<void>((resolve, reject) => {
        let out = ''
        proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk
          if (out.includes('ok\n')) {
            proc.kill('SIGKILL') // right after the acknowledgement, before anything else can run
            resolve()
          }
        })
        proc.once('exit', () => reject(new Error(`the writer exited before "ok": ${stderr}`)))
      })
      assert.equal(await exited, 'SIGKILL')

      const { store } = await openStore(t, dir)
      const version = store.getVersion('tiny', '1.0.0')
      assert.ok(version, 'the version')
      assert.equal(version.desired, 'running')
      assert.equal(version.state, 'ready')
      assert.equal(version.tagged, true)
      assert.equal(version.replicas, 2)
      assert.equal(store.getPackage(fakeDigest('killed'))?.size, 7)
      assert.deepEqual(store.listAliases('tiny').map((a) => `${a.alias}=${a.version}`), ['latest=1.0.0', 'stable=1.0.0'])
      assert.deepEqual(store.listProcesses().map((p) => [p.replica, p.pid, p.port, p.token]), [[1, 777, 45678, 'launch-token']])
      const events = store.listEvents({ name: 'tiny' })
      assert.equal(events.length, 200)
      assert.deepEqual(events.at(-1)?.details, { i: 199 })
    })
  })
}
