/**
 * The state store on SQLite (better-sqlite3), in `<dataDir>/state.db`. WAL journal with
 * `synchronous = FULL`: a call returns after its commit is on disk, so nothing acknowledged is lost
 * to a SIGKILL or a power cut. Foreign keys do the cascades; the event history keeps the newest
 * `maxEvents` rows. Statements are prepared once, when the store opens.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createDeployerError } from './errors.js'
import { MIGRATIONS } from './_migrations.js'
import { openSqliteDatabase } from './sqlite-database.js'
import { sortByNameAndVersion } from './state-store.js'
import type { AliasRecord, EventFilter, EventRecord, InstanceState, PackageRecord, PackageSigner, ProcessRecord, RolloutPatch, RolloutRecord, RolloutStatus, RolloutStrategy, StateStore, VersionPatch, VersionRecord } from './state-store.js'

/** Events kept by default; older ones are pruned. */
export const DEFAULT_MAX_EVENTS = 100_000

export interface SqliteStateStoreOptions {
  /** Keep at least the newest this many events (pruned in batches of up to 1%). Default 100,000. */
  maxEvents?: number
  /** The clock, for tests. */
  now?: () => Date
}

interface PackageRow {
  digest: string; name: string; version: string; size: number; created_at: string; descriptor: string; manifest: string
  signer_key_id: string | null; signer_public_key: string | null; signer_name: string | null; signer_trusted: 0 | 1 | null; signature: string | null; signature_verified_at: string | null
}
interface VersionRow { name: string; version: string; digest: string; replicas: number; desired: 'running' | 'stopped'; state: InstanceState; state_reason: string | null; state_changed_at: string; tagged: 0 | 1; tagged_at: string | null; created_at: string }
interface AliasRow { name: string; alias: string; version: string; updated_at: string }
interface ProcessRow { name: string; version: string; replica: number; pid: number; port: number; token: string; started_at: string }
interface RolloutRow { id: number; name: string; candidate: string; stable: string | null; strategy: RolloutStrategy; status: RolloutStatus; weight: number; failures: number; config: string; checks: string; reason: string | null; created_at: string; updated_at: string; ended_at: string | null }
interface EventRow { id: number; time: string; name: string; version: string; replica: number | null; type: string; state: InstanceState | null; reason: string | null; details: string }

const toSigner = (r: PackageRow): PackageSigner | null => r.signer_key_id === null ? null : ({ keyId: r.signer_key_id, publicKey: r.signer_public_key!, name: r.signer_name, trusted: r.signer_trusted === 1, signature: r.signature!, verifiedAt: r.signature_verified_at! })
const toPackage = (r: PackageRow): PackageRecord => ({ digest: r.digest, name: r.name, version: r.version, size: r.size, createdAt: r.created_at, descriptor: JSON.parse(r.descriptor), manifest: JSON.parse(r.manifest), signer: toSigner(r) })
const signerColumns = (s: PackageSigner | null | undefined) => ({
  signer_key_id: s?.keyId ?? null, signer_public_key: s?.publicKey ?? null, signer_name: s?.name ?? null,
  signer_trusted: s ? (s.trusted ? 1 : 0) : null, signature: s?.signature ?? null, signature_verified_at: s?.verifiedAt ?? null,
})
const toVersion = (r: VersionRow): VersionRecord => ({ name: r.name, version: r.version, digest: r.digest, replicas: r.replicas, desired: r.desired, state: r.state, stateReason: r.state_reason, stateChangedAt: r.state_changed_at, tagged: r.tagged === 1, taggedAt: r.tagged_at, createdAt: r.created_at })
const toAlias = (r: AliasRow): AliasRecord => ({ name: r.name, alias: r.alias, version: r.version, updatedAt: r.updated_at })
const toProcess = (r: ProcessRow): ProcessRecord => ({ name: r.name, version: r.version, replica: r.replica, pid: r.pid, port: r.port, token: r.token, startedAt: r.started_at })
const toEvent = (r: EventRow): EventRecord => ({ id: r.id, time: r.time, name: r.name, version: r.version, replica: r.replica, type: r.type, state: r.state, reason: r.reason, details: JSON.parse(r.details) })

const toRollout = (r: RolloutRow): RolloutRecord => ({ id: r.id, name: r.name, candidate: r.candidate, stable: r.stable, strategy: r.strategy, status: r.status, weight: r.weight, failures: r.failures, config: JSON.parse(r.config), checks: JSON.parse(r.checks), reason: r.reason, createdAt: r.created_at, updatedAt: r.updated_at, endedAt: r.ended_at })
const ACTIVE_ROLLOUT: ReadonlySet<RolloutStatus> = new Set(['running', 'paused'])

function isForeignKeyError(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
}

/** Every fixed statement, prepared once per store. */
function prepareStatements(db: Database.Database) {
  return {
    getPackage: db.prepare<[string], PackageRow>('SELECT * FROM packages WHERE digest = ?'),
    listPackages: db.prepare<[], PackageRow>('SELECT * FROM packages'),
    insertPackage: db.prepare('INSERT INTO packages (digest, name, version, size, created_at, descriptor, manifest, signer_key_id, signer_public_key, signer_name, signer_trusted, signature, signature_verified_at) VALUES (@digest, @name, @version, @size, @created_at, @descriptor, @manifest, @signer_key_id, @signer_public_key, @signer_name, @signer_trusted, @signature, @signature_verified_at) ON CONFLICT (digest) DO NOTHING'),
    setPackageSigner: db.prepare('UPDATE packages SET signer_key_id = @signer_key_id, signer_public_key = @signer_public_key, signer_name = @signer_name, signer_trusted = @signer_trusted, signature = @signature, signature_verified_at = @signature_verified_at WHERE digest = @digest'),
    deletePackage: db.prepare<[string]>('DELETE FROM packages WHERE digest = ?'),
    versionsOfPackage: db.prepare<[string], { name: string; version: string }>('SELECT name, version FROM versions WHERE digest = ?'),
    getVersion: db.prepare<[string, string], VersionRow>('SELECT * FROM versions WHERE name = ? AND version = ?'),
    listVersions: db.prepare<[], VersionRow>('SELECT * FROM versions'),
    listVersionsOf: db.prepare<[string], VersionRow>('SELECT * FROM versions WHERE name = ?'),
    insertVersion: db.prepare('INSERT INTO versions (name, version, digest, replicas, desired, state, state_reason, state_changed_at, tagged, tagged_at, created_at) VALUES (@name, @version, @digest, @replicas, @desired, @state, @state_reason, @state_changed_at, @tagged, @tagged_at, @created_at)'),
    updateVersion: db.prepare('UPDATE versions SET replicas = @replicas, desired = @desired, state = @state, state_reason = @state_reason, state_changed_at = @state_changed_at, tagged = @tagged, tagged_at = @tagged_at WHERE name = @name AND version = @version'),
    deleteVersion: db.prepare<[string, string]>('DELETE FROM versions WHERE name = ? AND version = ?'),
    getAlias: db.prepare<[string, string], AliasRow>('SELECT * FROM aliases WHERE name = ? AND alias = ?'),
    listAliases: db.prepare<[], AliasRow>('SELECT * FROM aliases ORDER BY name, alias'),
    listAliasesOf: db.prepare<[string], AliasRow>('SELECT * FROM aliases WHERE name = ? ORDER BY alias'),
    upsertAlias: db.prepare('INSERT INTO aliases (name, alias, version, updated_at) VALUES (@name, @alias, @version, @updated_at) ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at'),
    deleteAlias: db.prepare<[string, string]>('DELETE FROM aliases WHERE name = ? AND alias = ?'),
    getModelToken: db.prepare<[string], { token_hash: string }>('SELECT token_hash FROM model_tokens WHERE name = ?'),
    setModelToken: db.prepare<[string, string, string]>('INSERT INTO model_tokens (name, token_hash, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, updated_at = excluded.updated_at'),
    deleteModelToken: db.prepare<[string]>('DELETE FROM model_tokens WHERE name = ?'),
    upsertProcess: db.prepare('INSERT INTO processes (name, version, replica, pid, port, token, started_at) VALUES (@name, @version, @replica, @pid, @port, @token, @started_at) ON CONFLICT (name, version, replica) DO UPDATE SET pid = excluded.pid, port = excluded.port, token = excluded.token, started_at = excluded.started_at'),
    deleteProcess: db.prepare<[string, string, number]>('DELETE FROM processes WHERE name = ? AND version = ? AND replica = ?'),
    listProcesses: db.prepare<[], ProcessRow>('SELECT * FROM processes'),
    insertEvent: db.prepare('INSERT INTO events (time, name, version, replica, type, state, reason, details) VALUES (@time, @name, @version, @replica, @type, @state, @reason, @details)'),
    pruneEvents: db.prepare<[number]>('DELETE FROM events WHERE id <= ?'),
    insertRollout: db.prepare('INSERT INTO rollouts (name, candidate, stable, strategy, status, weight, failures, config, checks, reason, created_at, updated_at, ended_at) VALUES (@name, @candidate, @stable, @strategy, @status, 0, 0, @config, \'[]\', NULL, @now, @now, NULL)'),
    getRollout: db.prepare<[number], RolloutRow>('SELECT * FROM rollouts WHERE id = ?'),
    updateRollout: db.prepare('UPDATE rollouts SET stable = @stable, status = @status, weight = @weight, failures = @failures, checks = @checks, reason = @reason, updated_at = @updated_at, ended_at = @ended_at WHERE id = @id'),
    listRollouts: db.prepare<[{ name: string | null; active: number; limit: number }], RolloutRow>("SELECT * FROM rollouts WHERE (@name IS NULL OR name = @name) AND (@active = 0 OR status IN ('running', 'paused')) ORDER BY id DESC LIMIT @limit"),
  }
}

/** The SQLite StateStore; open it with `openSqliteStateStore`. */
export class SqliteStateStore implements StateStore {
  readonly file: string
  private readonly db: Database.Database
  private readonly now: () => Date
  private readonly maxEvents: number
  private readonly pruneEvery: number
  private readonly eventQueries = new Map<string, Database.Statement<Record<string, unknown>, EventRow>>()
  private readonly sql: ReturnType<typeof prepareStatements>

  constructor(file: string, options: SqliteStateStoreOptions = {}) {
    this.file = file
    this.now = options.now ?? (() => new Date())
    this.maxEvents = Math.max(1, Math.floor(options.maxEvents ?? DEFAULT_MAX_EVENTS))
    this.pruneEvery = Math.max(1, Math.min(1000, Math.floor(this.maxEvents / 100)))
    this.db = openSqliteDatabase(file, MIGRATIONS)
    this.sql = prepareStatements(this.db)
  }

  private timestamp(): string {
    return this.now().toISOString()
  }

  putPackage(p: Omit<PackageRecord, 'createdAt' | 'signer'> & { signer?: PackageSigner | null }): PackageRecord {
    this.sql.insertPackage.run({ digest: p.digest, name: p.name, version: p.version, size: p.size, created_at: this.timestamp(), descriptor: JSON.stringify(p.descriptor ?? null), manifest: JSON.stringify(p.manifest ?? null), ...signerColumns(p.signer) })
    return this.getPackage(p.digest)!
  }

  setPackageSigner(digest: string, signer: PackageSigner | null): PackageRecord {
    if (this.sql.setPackageSigner.run({ digest, ...signerColumns(signer) }).changes === 0) throw createDeployerError('E_PACKAGE_NOT_FOUND', `no package with digest ${digest}`, { details: { digest } })
    return this.getPackage(digest)!
  }

  getPackage(digest: string): PackageRecord | undefined {
    const row = this.sql.getPackage.get(digest)
    return row && toPackage(row)
  }

  listPackages(): PackageRecord[] {
    return sortByNameAndVersion(this.sql.listPackages.all().map(toPackage), (a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0))
  }

  deletePackage(digest: string): void {
    this.transaction(() => {
      const versions = this.sql.versionsOfPackage.all(digest).map((v) => `${v.name}@${v.version}`)
      if (versions.length > 0) {
        // Named by what it holds and a short digest (the full one is in details): a message people read.
        const pkg = this.getPackage(digest)
        const what = pkg ? `${pkg.name}@${pkg.version} (${digest.slice(0, 12)})` : digest.slice(0, 12)
        throw createDeployerError('E_PACKAGE_IN_USE', `package ${what} is used by ${versions.join(', ')}: remove ${versions.length === 1 ? 'that version' : 'those versions'} first`, { details: { digest, versions } })
      }
      this.sql.deletePackage.run(digest) // the foreign key (ON DELETE RESTRICT) backs this check up
    })
  }

  createVersion(v: { name: string; version: string; digest: string; replicas: number }): VersionRecord {
    return this.transaction(() => {
      const existing = this.getVersion(v.name, v.version)
      if (existing) {
        if (existing.digest === v.digest) return existing
        throw createDeployerError('E_VERSION_CONFLICT', `${v.name}@${v.version} already exists with package ${existing.digest}, not ${v.digest}`, { details: { name: v.name, version: v.version, digest: v.digest, existingDigest: existing.digest } })
      }
      const now = this.timestamp()
      try {
        this.sql.insertVersion.run({ name: v.name, version: v.version, digest: v.digest, replicas: v.replicas, desired: 'stopped', state: 'stopped', state_reason: null, state_changed_at: now, tagged: 0, tagged_at: null, created_at: now })
      } catch (error) {
        if (!isForeignKeyError(error)) throw error
        throw createDeployerError('E_PACKAGE_NOT_FOUND', `no package with digest ${v.digest} for ${v.name}@${v.version}`, { details: { digest: v.digest } })
      }
      return this.getVersion(v.name, v.version)!
    })
  }

  getVersion(name: string, version: string): VersionRecord | undefined {
    const row = this.sql.getVersion.get(name, version)
    return row && toVersion(row)
  }

  listVersions(name?: string): VersionRecord[] {
    const rows = name === undefined ? this.sql.listVersions.all() : this.sql.listVersionsOf.all(name)
    return sortByNameAndVersion(rows.map(toVersion))
  }

  updateVersion(name: string, version: string, patch: VersionPatch): VersionRecord {
    return this.transaction(() => {
      const before = this.getVersion(name, version)
      if (!before) throw createDeployerError('E_VERSION_NOT_FOUND', `${name}@${version} does not exist`, { details: { name, version } })
      const now = this.timestamp()
      const state = patch.state ?? before.state
      const tagged = patch.tagged ?? before.tagged
      this.sql.updateVersion.run({
        name, version,
        replicas: patch.replicas ?? before.replicas,
        desired: patch.desired ?? before.desired,
        state,
        state_reason: patch.stateReason !== undefined ? patch.stateReason : before.stateReason,
        state_changed_at: state !== before.state ? now : before.stateChangedAt,
        tagged: tagged ? 1 : 0,
        tagged_at: !tagged ? null : before.tagged ? before.taggedAt : now,
      })
      return this.getVersion(name, version)!
    })
  }

  deleteVersion(name: string, version: string): void {
    this.sql.deleteVersion.run(name, version)
  }

  setAlias(name: string, alias: string, version: string): AliasRecord {
    return this.transaction(() => {
      const existing = this.getAlias(name, alias)
      if (existing?.version === version) return existing
      try {
        this.sql.upsertAlias.run({ name, alias, version, updated_at: this.timestamp() })
      } catch (error) {
        if (!isForeignKeyError(error)) throw error
        throw createDeployerError('E_VERSION_NOT_FOUND', `cannot point ${name}:${alias} at ${name}@${version}: no such version`, { details: { name, alias, version } })
      }
      return this.getAlias(name, alias)!
    })
  }

  getAlias(name: string, alias: string): AliasRecord | undefined {
    const row = this.sql.getAlias.get(name, alias)
    return row && toAlias(row)
  }

  listAliases(name?: string): AliasRecord[] {
    return (name === undefined ? this.sql.listAliases.all() : this.sql.listAliasesOf.all(name)).map(toAlias)
  }

  deleteAlias(name: string, alias: string): void {
    this.sql.deleteAlias.run(name, alias)
  }

  getModelTokenHash(name: string): string | undefined {
    return this.sql.getModelToken.get(name)?.token_hash
  }

  setModelTokenHash(name: string, tokenHash: string | undefined): void {
    if (tokenHash === undefined) this.sql.deleteModelToken.run(name)
    else this.sql.setModelToken.run(name, tokenHash, this.timestamp())
  }

  recordProcess(p: ProcessRecord): void {
    try {
      this.sql.upsertProcess.run({ name: p.name, version: p.version, replica: p.replica, pid: p.pid, port: p.port, token: p.token, started_at: p.startedAt })
    } catch (error) {
      if (!isForeignKeyError(error)) throw error
      throw createDeployerError('E_VERSION_NOT_FOUND', `cannot record a process of ${p.name}@${p.version}: no such version`, { details: { name: p.name, version: p.version, replica: p.replica, pid: p.pid } })
    }
  }

  forgetProcess(name: string, version: string, replica: number): void {
    this.sql.deleteProcess.run(name, version, replica)
  }

  listProcesses(): ProcessRecord[] {
    return sortByNameAndVersion(this.sql.listProcesses.all().map(toProcess), (a, b) => a.replica - b.replica)
  }

  addEvent(e: Omit<EventRecord, 'id' | 'time'> & { time?: string }): EventRecord {
    const record = { time: e.time ?? this.timestamp(), name: e.name, version: e.version, replica: e.replica ?? null, type: e.type, state: e.state ?? null, reason: e.reason ?? null }
    const details = JSON.stringify(e.details ?? null)
    const id = Number(this.sql.insertEvent.run({ ...record, details }).lastInsertRowid)
    // Ids are consecutive (AUTOINCREMENT; only pruning deletes), so this keeps the newest maxEvents.
    if (id % this.pruneEvery === 0 && id > this.maxEvents) this.sql.pruneEvents.run(id - this.maxEvents)
    return { id, ...record, details: JSON.parse(details) }
  }

  listEvents(filter: EventFilter = {}): EventRecord[] {
    const where = ['id > @afterId']
    if (filter.name !== undefined) where.push('name = @name')
    if (filter.version !== undefined) where.push('version = @version')
    const tail = filter.afterId === undefined && filter.limit !== undefined
    const select = `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY id ${tail ? 'DESC' : 'ASC'} LIMIT @limit`
    const sql = tail ? `SELECT * FROM (${select}) ORDER BY id ASC` : select
    let statement = this.eventQueries.get(sql)
    if (!statement) this.eventQueries.set(sql, (statement = this.db.prepare<Record<string, unknown>, EventRow>(sql)))
    const limit = filter.limit === undefined || !Number.isFinite(filter.limit) ? -1 : Math.max(0, Math.floor(filter.limit))
    const params: Record<string, unknown> = { afterId: filter.afterId ?? 0, limit }
    if (filter.name !== undefined) params.name = filter.name
    if (filter.version !== undefined) params.version = filter.version
    return statement.all(params).map(toEvent)
  }

  createRollout(r: Pick<RolloutRecord, 'name' | 'candidate' | 'stable' | 'strategy' | 'config'> & { status?: RolloutStatus }): RolloutRecord {
    const id = Number(this.sql.insertRollout.run({ name: r.name, candidate: r.candidate, stable: r.stable, strategy: r.strategy, status: r.status ?? 'running', config: JSON.stringify(r.config ?? null), now: this.timestamp() }).lastInsertRowid)
    return this.getRollout(id)!
  }

  getRollout(id: number): RolloutRecord | undefined {
    const row = this.sql.getRollout.get(id)
    return row && toRollout(row)
  }

  updateRollout(id: number, patch: RolloutPatch): RolloutRecord {
    return this.transaction(() => {
      const before = this.getRollout(id)
      if (!before) throw createDeployerError('E_ROLLOUT_NOT_FOUND', `no rollout ${id}`, { details: { id } })
      const now = this.timestamp()
      const status = patch.status ?? before.status
      this.sql.updateRollout.run({
        id, status, stable: patch.stable !== undefined ? patch.stable : before.stable,
        weight: patch.weight ?? before.weight, failures: patch.failures ?? before.failures,
        checks: JSON.stringify(patch.checks ?? before.checks), reason: patch.reason !== undefined ? patch.reason : before.reason,
        updated_at: now, ended_at: ACTIVE_ROLLOUT.has(status) ? null : before.endedAt ?? now,
      })
      return this.getRollout(id)!
    })
  }

  listRollouts(filter: { name?: string; active?: boolean; limit?: number } = {}): RolloutRecord[] {
    return this.sql.listRollouts.all({ name: filter.name ?? null, active: filter.active ? 1 : 0, limit: filter.limit ?? -1 }).map(toRollout)
  }

  transaction<T>(fn: () => T): T {
    // IMMEDIATE takes the write lock up front: a read-then-write transaction cannot fail with
    // SQLITE_BUSY_SNAPSHOT when another connection wrote meanwhile. Nested calls are savepoints.
    return this.db.transaction(fn).immediate()
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}

/**
 * Opens (creating if needed) the state database `<dataDir>/state.db` and brings its schema up to date.
 * @example
 * const store = openSqliteStateStore('/home/me/.ferry')
 * store.listVersions('tiny') // [{ name: 'tiny', version: '1.0.0', state: 'ready', … }]
 * store.close()
 */
export function openSqliteStateStore(dataDir: string, options: SqliteStateStoreOptions = {}): SqliteStateStore {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  return new SqliteStateStore(join(dataDir, 'state.db'), options)
}
