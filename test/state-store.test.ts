/**
 * The SQLite state store against the state store contract, plus what only it promises: the file
 * <dataDir>/state.db in WAL mode, a schema version in `user_version`, clear errors for a damaged
 * or newer database, and an event history capped at `maxEvents`.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { MIGRATIONS } from '../deployer/_migrations.js'
import { openSqliteStateStore } from '../deployer/sqlite-state-store.js'
import { FerryError } from '../packager/ferry-error.js'
import { makeTempDir } from './_helpers.js'
import { runStateStoreContract } from './state-store.contract.js'

runStateStoreContract('sqlite', openSqliteStateStore, {
  child: { module: new URL('../deployer/sqlite-state-store.js', import.meta.url).href, exportName: 'openSqliteStateStore' },
})

/** Reads a pragma through a second connection, as any other process would see the file. */
function readPragma(file: string, pragma: string): unknown {
  const db = new Database(file, { readonly: true })
  try {
    return db.pragma(pragma, { simple: true })
  } finally {
    db.close()
  }
}

test('the sqlite store lives in <dataDir>/state.db, in WAL mode, at the latest schema version', async (t) => {
  const dataDir = join(await makeTempDir(t), 'not', 'yet', 'there')
  const store = openSqliteStateStore(dataDir)
  t.after(() => store.close())
  assert.equal(store.file, join(dataDir, 'state.db'))
  assert.equal(readPragma(store.file, 'journal_mode'), 'wal')
  assert.equal(readPragma(store.file, 'user_version'), MIGRATIONS.length)
  store.close()
  const again = openSqliteStateStore(dataDir)
  t.after(() => again.close())
  assert.equal(readPragma(again.file, 'user_version'), MIGRATIONS.length, 'reopening migrates nothing')
})

test('the store\'s own connection writes with synchronous = FULL and enforces foreign keys', async (t) => {
  const store = openSqliteStateStore(await makeTempDir(t))
  t.after(() => store.close())
  // Per-connection settings, invisible from another connection: read through the private handle.
  const db = (store as unknown as { db: Database.Database }).db
  assert.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL: a commit is fsynced before the call returns')
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1)
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal')
})

test('a state.db that is not a database is refused with E_STATE_DB_INVALID and left as it was', async (t) => {
  const dataDir = await makeTempDir(t)
  const file = join(dataDir, 'state.db')
  writeFileSync(file, 'this is not a database, just some text that is long enough to have a header'.repeat(20))
  const before = readFileSync(file)
  assert.throws(() => openSqliteStateStore(dataDir), (error: unknown) => error instanceof FerryError && error.code === 'E_STATE_DB_INVALID' && error.path === file)
  assert.deepEqual(readFileSync(file), before)
})

test('a zero-byte or truncated state.db is refused, never taken for a new empty state', async (t) => {
  for (const bytes of [0, 50]) {
    const dataDir = await makeTempDir(t)
    const store = openSqliteStateStore(dataDir)
    store.close()
    const file = join(dataDir, 'state.db')
    writeFileSync(file, readFileSync(file).subarray(0, bytes))
    assert.throws(() => openSqliteStateStore(dataDir), (error: unknown) => error instanceof FerryError && error.code === 'E_STATE_DB_INVALID' && error.path === file, `${bytes} bytes`)
    assert.equal(readFileSync(file).length, bytes, 'left as it was')
  }
})

test('a new state.db is created whole: migrated under a temporary name, then renamed into place', async (t) => {
  const dataDir = await makeTempDir(t)
  openSqliteStateStore(dataDir).close()
  assert.deepEqual(readdirSync(dataDir).filter((f) => f.startsWith('state.db')), ['state.db'])
  assert.ok(readFileSync(join(dataDir, 'state.db')).subarray(0, 16).equals(Buffer.from('SQLite format 3\0', 'latin1')))
})

test('a state.db from a newer Ferry is refused with E_STATE_DB_NEWER', async (t) => {
  const dataDir = await makeTempDir(t)
  const db = new Database(join(dataDir, 'state.db'))
  db.pragma(`user_version = ${MIGRATIONS.length + 1}`)
  db.close()
  assert.throws(() => openSqliteStateStore(dataDir), (error: unknown) => error instanceof FerryError && error.code === 'E_STATE_DB_NEWER' && error.details?.['schemaVersion'] === MIGRATIONS.length + 1)
})

test('the event history keeps the newest maxEvents, and ids are never reused', async (t) => {
  const dataDir = await makeTempDir(t)
  const event = (i: number) => ({ name: 'a', version: '1.0.0', replica: null, type: 'state', state: null, reason: `#${i}`, details: null })
  let store = openSqliteStateStore(dataDir, { maxEvents: 50 })
  t.after(() => store.close())
  for (let i = 1; i <= 120; i++) store.addEvent(event(i))
  const kept = store.listEvents()
  assert.equal(kept.length, 50)
  assert.deepEqual([kept[0]!.id, kept.at(-1)!.id], [71, 120])
  store.close()
  store = openSqliteStateStore(dataDir, { maxEvents: 50 })
  assert.equal(store.addEvent(event(121)).id, 121)
})

test('the default cap prunes in batches, never below maxEvents', async (t) => {
  const store = openSqliteStateStore(await makeTempDir(t), { maxEvents: 1000 })
  t.after(() => store.close())
  store.transaction(() => {
    for (let i = 1; i <= 2505; i++) store.addEvent({ name: 'a', version: '1.0.0', replica: null, type: 'state', state: null, reason: null, details: { i } })
  })
  const kept = store.listEvents()
  assert.ok(kept.length >= 1000 && kept.length <= 1010, `kept ${kept.length}`)
  assert.equal(kept.at(-1)!.id, 2505)
})

test('timestamps come from the injected clock, in ISO 8601 with milliseconds', async (t) => {
  let now = new Date('2030-05-06T07:08:09.010Z')
  const store = openSqliteStateStore(await makeTempDir(t), { now: () => now })
  t.after(() => store.close())
  const pkg = store.putPackage({ digest: 'd'.repeat(64), name: 'tiny', version: '1.0.0', size: 1, descriptor: {}, manifest: {} })
  assert.equal(pkg.createdAt, '2030-05-06T07:08:09.010Z')
  store.createVersion({ name: 'tiny', version: '1.0.0', digest: pkg.digest, replicas: 1 })
  now = new Date('2030-05-06T07:08:10.000Z')
  const v = store.updateVersion('tiny', '1.0.0', { state: 'ready', tagged: true })
  assert.deepEqual([v.createdAt, v.stateChangedAt, v.taggedAt], ['2030-05-06T07:08:09.010Z', '2030-05-06T07:08:10.000Z', '2030-05-06T07:08:10.000Z'])
})

test('a state.db from before signed packages (schema 2) opens with its packages unsigned, and can record signers', async (t) => {
  const dataDir = await makeTempDir(t)
  const db = new Database(join(dataDir, 'state.db'))
  const signerMigration = MIGRATIONS.findIndex((m) => m.includes('signer_key_id'))
  for (const migration of MIGRATIONS.slice(0, signerMigration)) db.exec(migration)
  db.pragma(`user_version = ${signerMigration}`)
  db.prepare("INSERT INTO packages VALUES (?, 'old', '1.0.0', 1, '2026-01-01T00:00:00.000Z', '{}', '{}')").run('e'.repeat(64))
  db.close()
  const store = openSqliteStateStore(dataDir)
  t.after(() => store.close())
  assert.equal(readPragma(store.file, 'user_version'), MIGRATIONS.length)
  assert.equal(store.getPackage('e'.repeat(64))?.signer, null)
  const signer = { keyId: '0123456789abcdef', publicKey: `${'A'.repeat(43)}=`, name: null, trusted: false, signature: `${'B'.repeat(86)}==`, verifiedAt: '2026-01-02T00:00:00.000Z' }
  assert.deepEqual(store.setPackageSigner('e'.repeat(64), signer).signer, signer)
})
