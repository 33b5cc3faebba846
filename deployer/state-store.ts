/**
 * The state store seam (STYLE.md §3): what the deployer remembers across restarts. Packages,
 * versions (with the state they should be in and the state they are in), aliases, the processes
 * launched for them and the event history. A call returns only once its write is durable, so
 * whatever was acknowledged survives a SIGKILL of the server.
 *
 * One implementation today (deployer/sqlite-state-store.ts); every implementation passes
 * test/state-store.contract.ts. The interface is synchronous, as better-sqlite3 is.
 */
import semver from 'semver'

/** A stored package zip, known by the sha256 of its bytes. */
export interface PackageRecord {
  digest: string
  name: string
  /** The version in the package's descriptor (a deployed version may differ when bumped). */
  version: string
  size: number
  createdAt: string
  /** The parsed descriptor.json. */
  descriptor: unknown
  manifest: unknown
  /** Who signed the package, as checked when it was uploaded; null when it came unsigned. */
  signer: PackageSigner | null
}

/**
 * A package's signer, recorded when its signature was checked at upload (gateway/trust/). It is
 * kept as it was then: removing the key from trust later does not change it.
 */
export interface PackageSigner {
  /** 16 hex digits of the sha256 of the public key. */
  keyId: string
  /** The raw Ed25519 public key, base64. */
  publicKey: string
  /** The trusted key's name at upload; null when the key was not trusted then. */
  name: string | null
  /** Whether the key was trusted when the signature was checked. */
  trusted: boolean
  /** The signature (base64) over the package's digest. */
  signature: string
  verifiedAt: string
}

export type InstanceState = 'installing' | 'starting' | 'ready' | 'unhealthy' | 'crashed' | 'restarting' | 'failed' | 'stopping' | 'stopped'

/** Every state, in lifecycle order. */
export const INSTANCE_STATES: readonly InstanceState[] = Object.freeze(['installing', 'starting', 'ready', 'unhealthy', 'crashed', 'restarting', 'failed', 'stopping', 'stopped'])

/** One `name@version`: what should run (`desired`, `replicas`) and what does (`state`). */
export interface VersionRecord {
  name: string
  version: string
  digest: string
  replicas: number
  desired: 'running' | 'stopped'
  state: InstanceState
  stateReason: string | null
  stateChangedAt: string
  /** Became healthy at least once: "deployed". */
  tagged: boolean
  taggedAt: string | null
  createdAt: string
}

/** A movable name for a version of a model (`latest`, `stable`, `canary`). */
export interface AliasRecord {
  name: string
  alias: string
  version: string
  updatedAt: string
}

/** One launched replica, kept so a restarted server can find and stop what it left behind. */
export interface ProcessRecord {
  name: string
  version: string
  replica: number
  pid: number
  port: number
  /** Unique per launch, also put in the child's environment. */
  token: string
  startedAt: string
}

/** One entry of the history. */
export interface EventRecord {
  /** Increases with every event; never reused. */
  id: number
  time: string
  name: string
  version: string
  replica: number | null
  /** e.g. 'state', 'deploy', 'alias', 'restart', 'replica'. */
  type: string
  state: InstanceState | null
  reason: string | null
  /** Any JSON value; `undefined` is stored as `null`. */
  details: unknown
}

export interface EventFilter {
  name?: string
  version?: string
  /** Only events with a greater id (paging forward, polling). */
  afterId?: number
  /**
   * At most this many events: the oldest ones after `afterId` when it is given (paging forward),
   * otherwise the newest ones (a tail). Either way the result is in id order.
   */
  limit?: number
}

export type RolloutStrategy = 'replace' | 'canary' | 'shadow' | 'manual'
/** running and paused are active (at most one per model); the others are outcomes. */
export type RolloutStatus = 'running' | 'paused' | 'promoted' | 'rolled-back' | 'aborted' | 'failed'

/** One attempt to bring `candidate` to traffic in place of `stable` (null: the model's first version). */
export interface RolloutRecord {
  id: number
  name: string
  candidate: string
  stable: string | null
  strategy: RolloutStrategy
  status: RolloutStatus
  /** The candidate's share of `latest` traffic (canary), or of mirrored copies (shadow), 0 to 100. */
  weight: number
  /** Failed checks so far. */
  failures: number
  /** The resolved options (JSON). */
  config: unknown
  /** Every check and step, oldest first (JSON). */
  checks: unknown[]
  reason: string | null
  createdAt: string
  updatedAt: string
  endedAt: string | null
}

export type RolloutPatch = Partial<Pick<RolloutRecord, 'status' | 'weight' | 'failures' | 'checks' | 'reason' | 'stable'>>

export type VersionPatch = Partial<Pick<VersionRecord, 'replicas' | 'desired' | 'state' | 'stateReason' | 'tagged'>>

/**
 * What the deployer keeps. Expected failures are FerryErrors from deployer/errors.ts; times are
 * ISO 8601 with milliseconds. Deleting something that does not exist does nothing.
 * @example
 * const store: StateStore = openSqliteStateStore(dataDir)
 * const pkg = store.putPackage({ digest, name: 'tiny', version: '1.0.0', size, descriptor, manifest })
 * store.createVersion({ name: 'tiny', version: '1.0.0', digest, replicas: 1 })
 * store.transaction(() => {
 *   store.updateVersion('tiny', '1.0.0', { tagged: true })
 *   store.setAlias('tiny', 'latest', '1.0.0')
 * })
 */
export interface StateStore {
  /** Records a package; idempotent by digest (a known digest returns the stored record unchanged). */
  putPackage(p: Omit<PackageRecord, 'createdAt' | 'signer'> & { signer?: PackageSigner | null }): PackageRecord
  /** Records (or clears, with null) the signer of a stored package; 404 `E_PACKAGE_NOT_FOUND`. */
  setPackageSigner(digest: string, signer: PackageSigner | null): PackageRecord
  getPackage(digest: string): PackageRecord | undefined
  /** Sorted by name, then semver, then digest. */
  listPackages(): PackageRecord[]
  /** Refuses with 409 `E_PACKAGE_IN_USE` while a version uses the package. */
  deletePackage(digest: string): void
  /**
   * Records `name@version` (desired 'stopped', state 'stopped', untagged). Returns the existing
   * record when it already exists with the same digest; 409 `E_VERSION_CONFLICT` with another
   * digest; 404 `E_PACKAGE_NOT_FOUND` when the digest is not a stored package.
   */
  createVersion(v: { name: string; version: string; digest: string; replicas: number }): VersionRecord
  getVersion(name: string, version: string): VersionRecord | undefined
  /** Sorted by name, then semver precedence (1.9.0 < 1.10.0, 1.0.0-rc.1 < 1.0.0). */
  listVersions(name?: string): VersionRecord[]
  /**
   * Changes the given fields; `stateChangedAt` moves only when `state` changes, `taggedAt` is set
   * when `tagged` becomes true (and cleared if it is set back to false). 404 `E_VERSION_NOT_FOUND`.
   */
  updateVersion(name: string, version: string, patch: VersionPatch): VersionRecord
  /** Removes the version with its aliases and process records; its events stay. */
  deleteVersion(name: string, version: string): void
  /** Points `alias` at an existing version (404 `E_VERSION_NOT_FOUND` otherwise); no-op if it already does. */
  setAlias(name: string, alias: string, version: string): AliasRecord
  getAlias(name: string, alias: string): AliasRecord | undefined
  /** Sorted by name, then alias. */
  listAliases(name?: string): AliasRecord[]
  deleteAlias(name: string, alias: string): void
  /** The sha256 (hex) of the model's inference token, when inference on it requires one. */
  getModelTokenHash(name: string): string | undefined
  /** Requires a token (given as its sha256) for inference on `name`; `undefined` opens it again. */
  setModelTokenHash(name: string, tokenHash: string | undefined): void
  /** Records (or replaces) the process of one replica; 404 `E_VERSION_NOT_FOUND` for an unknown version. */
  recordProcess(p: ProcessRecord): void
  forgetProcess(name: string, version: string, replica: number): void
  /** Sorted by name, version, replica. */
  listProcesses(): ProcessRecord[]
  /** Appends an event (time defaults to now). Old events may be pruned past an implementation's cap. */
  addEvent(e: Omit<EventRecord, 'id' | 'time'> & { time?: string }): EventRecord
  /** Events in id order; see EventFilter for `afterId` and `limit`. */
  listEvents(filter?: EventFilter): EventRecord[]
  /** Records a new rollout (status running unless given, weight 0, no checks). */
  createRollout(r: Pick<RolloutRecord, 'name' | 'candidate' | 'stable' | 'strategy' | 'config'> & { status?: RolloutStatus }): RolloutRecord
  getRollout(id: number): RolloutRecord | undefined
  /** Changes the given fields; `endedAt` is set when the status becomes an outcome. 404 `E_ROLLOUT_NOT_FOUND`. */
  updateRollout(id: number, patch: RolloutPatch): RolloutRecord
  /** Newest first; `active` keeps running and paused ones. */
  listRollouts(filter?: { name?: string; active?: boolean; limit?: number }): RolloutRecord[]
  /**
   * Runs fn in one transaction (all or nothing): a throw rolls every write back and is rethrown.
   * Nested calls are savepoints. `fn` must be synchronous (no awaiting inside a transaction).
   */
  transaction<T>(fn: () => T): T
  /** Closes the store; calling it again does nothing. */
  close(): void
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Semver precedence; a string that is not semver sorts after every valid version, by text. */
function compareVersionStrings(a: string, b: string): number {
  const validA = semver.valid(a) !== null
  const validB = semver.valid(b) !== null
  if (validA && validB) return semver.compare(a, b) || compareText(a, b)
  if (validA !== validB) return validA ? -1 : 1
  return compareText(a, b)
}

/**
 * Sorts records in place by name, then version by semver precedence, then `tieBreak`: the order
 * every store's list methods promise.
 * @example
 * sortByNameAndVersion([{ name: 'a', version: '1.10.0' }, { name: 'a', version: '1.9.0' }]) // 1.9.0 first
 */
export function sortByNameAndVersion<T extends { name: string; version: string }>(records: T[], tieBreak: (a: T, b: T) => number = () => 0): T[] {
  return records.sort((a, b) => compareText(a.name, b.name) || compareVersionStrings(a.version, b.version) || tieBreak(a, b))
}
