/**
 * The Deployer: what the gateway drives and `ferry serve` runs. It keeps packages by digest,
 * turns a package into a running, supervised version `name@x.y.z`, tags the version and moves
 * `latest` once it is healthy (never before, never on failure), and after a restart brings back
 * every version that should run, stopping whatever processes the previous run left behind.
 */
import { EventEmitter } from 'node:events'
import { mkdir, readdir, realpath, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import semver from 'semver'
import type { Descriptor } from '../descriptors/descriptor.js'
import { createChildProcessLauncher } from './child-process-launcher.js'
import { openPackageFile, type PackageFile } from './package-file.js'
import type { PackageManifest } from './_package-manifest.js'
import { createDeployerError } from './errors.js'
import { Instance } from './instance.js'
import type { Launcher } from './launcher.js'
import { findLeftoverProcesses, stopProcessGroups } from './_leftover-processes.js'
import { createLogStore, type LogEntry, type LogStore } from './log-store.js'
import { resolveDeployerOptions, type DeployerOptions, type ResolvedDeployerOptions } from './options.js'
import { createFilePackageStore, removeIncompleteUploads, type PackageStore } from './package-store.js'
import { isPrepared, locateVersion, prepareVersion } from './_prepare-version.js'
import { admitPackage } from './_admit-package.js'
import { openSqliteStateStore } from './sqlite-state-store.js'
import type { EventRecord, InstanceState, PackageRecord, PackageSigner, StateStore, VersionRecord } from './state-store.js'
import { parseRef, type VersionRef } from './ref.js'
import { describeVersion, listModelInfo, resolveVersion, type InstanceInfo, type ModelInfo, type ResolvedTarget } from './_catalog.js'

export type { InstanceInfo, ModelInfo, ResolvedTarget } from './_catalog.js'

export interface DeployRequest {
  /** A package digest, or `name@version` of a version deployed before. */
  package: string
  replicas?: number
  /** Another alias to move to the version once it is ready (besides `latest`). */
  alias?: string
  /** Wait until ready (default) or return at once with the version installing. */
  wait?: boolean
  /** When the package's version is taken by another package, deploy it as the next free patch version. */
  bump?: boolean
}

export class Deployer {
  readonly options: ResolvedDeployerOptions
  readonly events = new EventEmitter()
  readonly logs: LogStore
  readonly packages: PackageStore
  readonly state: StateStore
  private readonly launcher: Launcher
  private readonly instances = new Map<string, Instance>()
  private readonly locks = new Map<string, Promise<unknown>>()
  /** resolveTarget's answers without the live endpoints, by `name\0selector`; cleared on every event. */
  private readonly routes = new Map<string, Omit<ResolvedTarget, 'endpoints'>>()
  /** Inference token hashes by model (null: open), read once from the state store. */
  private readonly tokenHashes = new Map<string, string | null>()
  private closing = false
  private closed = false

  private constructor(options: ResolvedDeployerOptions) {
    this.options = options
    this.logs = createLogStore({ dir: join(options.dataDir, 'logs'), ...options.logs })
    this.packages = createFilePackageStore(join(options.dataDir, 'packages'))
    this.state = openSqliteStateStore(options.dataDir)
    this.launcher = options.launcher ?? createChildProcessLauncher()
    this.events.setMaxListeners(0)
  }

  /**
   * Opens the data directory, stops processes a previous run left, and brings back every version
   * that should run (in the background: `open` does not wait for them to be ready).
   * @example
   * const deployer = await Deployer.open({ dataDir: '.ferry' })
   */
  static async open(options: DeployerOptions = {}): Promise<Deployer> {
    const requested = resolveDeployerOptions(options)
    await mkdir(requested.dataDir, { recursive: true })
    // The real path, so the same directory reached through a link has the same identity (homeId).
    const resolved = resolveDeployerOptions({ ...options, dataDir: await realpath(requested.dataDir) })
    const deployer = new Deployer(resolved)
    await deployer.recover()
    return deployer
  }

  private async recover(): Promise<void> {
    await removeIncompleteUploads(join(this.options.dataDir, 'packages'))
    await this.removePartialDirectories()
    const leftovers = await findLeftoverProcesses({ key: 'FERRY_HOME_ID', value: this.options.homeId })
    if (leftovers.length > 0) {
      await stopProcessGroups([...new Set(leftovers.map((p) => p.pgid))], this.options.stopGraceMs)
      this.logs.append('deployer', { stream: 'system', line: `stopped ${leftovers.length} process(es) left by the previous run` })
    }
    for (const p of this.state.listProcesses()) this.state.forgetProcess(p.name, p.version, p.replica)
    for (const version of this.state.listVersions()) {
      if (version.desired !== 'running') {
        if (version.state !== 'stopped' && version.state !== 'failed') this.state.updateVersion(version.name, version.version, { state: 'stopped', stateReason: 'server restarted' })
        continue
      }
      // What the database says is from before the restart: nothing runs until relaunched.
      this.setVersionState(version.name, version.version, 'starting', 'server restarted')
      void this.withLock(`${version.name}@${version.version}`, () => this.bringUp(version, { supervise: version.tagged })).catch(() => undefined)
    }
  }

  private async removePartialDirectories(): Promise<void> {
    const root = join(this.options.dataDir, 'instances')
    for (const name of await readdir(root).catch(() => [] as string[])) {
      for (const entry of await readdir(join(root, name)).catch(() => [] as string[])) {
        if (entry.includes('.partial-')) await rm(join(root, name, entry), { recursive: true, force: true })
      }
    }
  }

  private withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve()
    const next = previous.catch(() => undefined).then(work)
    this.locks.set(key, next)
    void next.finally(() => { if (this.locks.get(key) === next) this.locks.delete(key) }).catch(() => undefined)
    return next
  }

  private record(event: Omit<EventRecord, 'id' | 'time'>): void {
    // Every change to versions, states and aliases is recorded here: the routing cache follows.
    this.routes.clear()
    if (this.closed) return
    const stored = this.state.addEvent(event)
    this.events.emit('event', stored)
  }

  // ── Packages ────────────────────────────────────────────────────────────────

  /**
   * Stores and checks a package zip (a path or a stream); the same zip twice is a no-op.
   * `checkSignature` is called with the digest before anything is recorded: it returns the signer
   * to record (null: unsigned) or throws to refuse the package, which then leaves nothing behind.
   */
  async addPackage(source: string | Readable, options: { maxBytes?: number; signal?: AbortSignal; checkSignature?: (digest: string) => PackageSigner | null } = {}): Promise<PackageRecord & { created: boolean }> {
    const stored = await this.packages.put(source, options)
    const known = this.state.getPackage(stored.digest)
    let signer: PackageSigner | null
    try {
      signer = options.checkSignature?.(stored.digest) ?? null
    } catch (error) {
      if (stored.created && !known) await this.packages.delete(stored.digest)
      throw error
    }
    // A known package gains a signer it lacked, or a trusted one in place of an untrusted one; a recorded signer is never lost.
    if (known) return { ...(signer && (!known.signer || (signer.trusted && !known.signer.trusted)) ? this.state.setPackageSigner(known.digest, signer) : known), created: false }
    try {
      const admitted = await admitPackage(stored.path, this.options.unpackLimits)
      const record = this.state.putPackage({ digest: stored.digest, name: admitted.descriptor.name, version: admitted.descriptor.version!, size: stored.size, descriptor: admitted.descriptor, manifest: admitted.manifest, signer })
      return { ...record, created: true }
    } catch (error) {
      if (stored.created) await this.packages.delete(stored.digest)
      throw error
    }
  }

  listPackages(): PackageRecord[] {
    return this.state.listPackages()
  }

  getPackage(digest: string): PackageRecord {
    const record = this.state.getPackage(digest)
    if (!record) throw createDeployerError('E_PACKAGE_NOT_FOUND', `no package with digest ${digest}`, { details: { digest } })
    return record
  }

  /** A file of a stored package, e.g. a sample input its descriptor names. */
  async openPackageFile(digest: string, path: string): Promise<PackageFile> {
    const record = this.getPackage(digest)
    const stored = await this.packages.locate(digest)
    if (!stored) throw createDeployerError('E_PACKAGE_NOT_FOUND', `package ${digest} is not on disk`, { details: { digest } })
    return openPackageFile(stored.path, record.manifest as PackageManifest, path)
  }

  /** Deletes a package no version uses. */
  async removePackage(digest: string): Promise<void> {
    this.getPackage(digest)
    this.state.deletePackage(digest)
    await this.packages.delete(digest)
  }

  // ── Versions ────────────────────────────────────────────────────────────────

  private findPackageFor(request: DeployRequest): PackageRecord {
    if (/^[0-9a-f]{64}$/.test(request.package)) return this.getPackage(request.package)
    const ref = parseRef(request.package)
    if (!ref.version) throw createDeployerError('E_REF_INVALID', `"${request.package}" is neither a package digest nor name@version`, { details: { ref: request.package } })
    return this.getPackage(this.requireVersion(ref).digest)
  }

  private requireVersion(ref: VersionRef): VersionRecord {
    const version = ref.version ? this.state.getVersion(ref.name, ref.version) : undefined
    if (!version) {
      const known = this.state.listVersions(ref.name).map((v) => `${v.name}@${v.version}`)
      throw createDeployerError('E_VERSION_NOT_FOUND', `${ref.name}@${ref.version ?? '?'} is not deployed${known.length ? `; known: ${known.join(', ')}` : ''}`, { details: { name: ref.name, version: ref.version, known } })
    }
    return version
  }

  /**
   * The version to record: the one named (`name@version`), the version this digest already has,
   * the package's own, or the next free patch when bumping past a conflict.
   */
  private chooseVersion(pkg: PackageRecord, request: DeployRequest): string {
    if (!/^[0-9a-f]{64}$/.test(request.package)) return parseRef(request.package).version!
    const versions = this.state.listVersions(pkg.name)
    const same = versions.find((v) => v.digest === pkg.digest)
    if (same) return same.version
    const existing = versions.find((v) => v.version === pkg.version)
    if (!existing || request.bump !== true) return pkg.version
    const taken = new Set(versions.map((v) => v.version))
    let candidate = pkg.version
    do candidate = semver.inc(candidate, 'patch')!
    while (taken.has(candidate))
    return candidate
  }

  /**
   * Deploys a package: records the version, unpacks and sets it up, starts its replicas and, once
   * every replica is healthy, tags it and moves `latest` (and `alias`) to it. Deploying a version
   * that runs already is a no-op, or a make-before-break rescale when `replicas` differs.
   * @example
   * const info = await deployer.deploy({ package: digest, replicas: 2 })
   */
  async deploy(request: DeployRequest): Promise<InstanceInfo> {
    const pkg = this.findPackageFor(request)
    const version = this.chooseVersion(pkg, request)
    const ref = `${pkg.name}@${version}`
    const known = this.state.getVersion(pkg.name, version)
    const replicas = request.replicas ?? known?.replicas ?? (pkg.descriptor as Descriptor).resources?.replicas ?? 1
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 64) throw createDeployerError('E_REPLICAS_INVALID', `replicas must be a whole number from 1 to 64, not ${replicas}`, { details: { replicas } })
    this.state.createVersion({ name: pkg.name, version, digest: pkg.digest, replicas })
    const work = this.withLock(ref, async () => {
      const record = this.state.getVersion(pkg.name, version)!
      const live = this.instances.get(ref)
      if (live && record.desired === 'running' && live.state.state !== 'failed') {
        if (record.replicas !== replicas) await this.replaceInstance({ ...this.state.updateVersion(pkg.name, version, { replicas }) })
        if (request.alias) this.setAlias(pkg.name, request.alias, version)
        return
      }
      await this.bringUp(this.state.updateVersion(pkg.name, version, { desired: 'running', replicas }), { supervise: false, alias: request.alias })
    })
    const bumped = version !== pkg.version ? { requestedVersion: pkg.version } : {}
    if (request.wait === false) work.catch(() => undefined)
    else await work
    return { ...this.describe(this.state.getVersion(pkg.name, version)!), ...bumped }
  }

  /**
   * Prepares and starts a version; tags it and moves aliases when it becomes healthy. `supervise`
   * (recovering a tagged version) retries a failed start like a crash instead of failing.
   */
  private async bringUp(version: VersionRecord, options: { supervise: boolean; alias?: string | undefined }): Promise<void> {
    const { name } = version
    const ref = `${name}@${version.version}`
    await this.instances.get(ref)?.stop()
    this.instances.delete(ref)
    let instance: Instance | undefined
    try {
      const { descriptor, command } = await this.prepare(version)
      if (this.closing) return
      this.setVersionState(name, version.version, 'starting', null)
      instance = this.createInstance(version, descriptor, command)
      this.instances.set(ref, instance)
      const ok = await instance.start({ supervise: options.supervise })
      if (this.closing) return
      if (!ok && !options.supervise) {
        const reasons = instance.failureReasons()
        throw createDeployerError('E_DEPLOY_FAILED', `${ref} did not become healthy: ${reasons.join('; ')}`, { details: { ref, reasons, logTail: (await this.logs.tail(ref, 30)).map((e) => e.line) } })
      }
      if (ok) this.tagVersion(name, version.version, options.alias)
    } catch (error) {
      if (instance) {
        this.instances.delete(ref)
        await instance.stop()
      }
      const reason = (error as Error).message
      // A deploy that fails is not retried at the next start; a recovery that fails is.
      if (!options.supervise) this.state.updateVersion(name, version.version, { desired: 'stopped' })
      this.setVersionState(name, version.version, 'failed', reason)
      this.record({ name, version: version.version, replica: null, type: 'deploy', state: 'failed', reason, details: { code: (error as { code?: string }).code } })
      throw error
    }
  }

  /** Unpacks and sets up a version (once), returning its descriptor and launch command. */
  private async prepare(version: VersionRecord) {
    const ref = `${version.name}@${version.version}`
    const descriptor = this.getPackage(version.digest).descriptor as Descriptor
    const dirs = locateVersion(this.options.dataDir, version.name, version.version)
    const stored = await this.packages.locate(version.digest)
    if (!stored) throw createDeployerError('E_PACKAGE_NOT_FOUND', `the package of ${ref} (${version.digest}) is missing from the store`, { details: { digest: version.digest } })
    if (!isPrepared(dirs, version.digest)) this.setVersionState(version.name, version.version, 'installing', null)
    const command = await prepareVersion({ zipPath: stored.path, digest: version.digest, descriptor, dirs, options: this.options, logs: this.logs, source: ref })
    return { descriptor, command }
  }

  /** An instance whose events count only while it is the version's current one. */
  private createInstance(version: VersionRecord, descriptor: Descriptor, command: Awaited<ReturnType<typeof prepareVersion>>): Instance {
    const { name } = version
    const ref = `${name}@${version.version}`
    const current = () => this.instances.get(ref) === instance
    const instance: Instance = new Instance({
      name, version: version.version, descriptor, command, replicas: version.replicas, launcher: this.launcher, logs: this.logs, options: this.options,
      onReplicaChange: (status) => this.record({ name, version: version.version, replica: status.index, type: 'replica', state: status.state, reason: status.reason, details: { pid: status.pid, port: status.port, restarts: status.restarts } }),
      onStateChange: (state, reason) => { if (current()) this.setVersionState(name, version.version, state, reason) },
      onLaunch: (replica, p) => { if (!this.closed) this.state.recordProcess({ name, version: version.version, replica, pid: p.pid, port: p.port, token: p.token, startedAt: new Date().toISOString() }) },
      onExit: (replica) => { if (current() && !this.closed) this.state.forgetProcess(name, version.version, replica) },
    })
    return instance
  }

  /**
   * Make-before-break: a fresh set of replicas is started and health-checked while the current
   * ones serve; only then are the old ones stopped. If the fresh set fails, the old keeps serving.
   */
  private async replaceInstance(version: VersionRecord): Promise<void> {
    const key = `${version.name}@${version.version}`
    const old = this.instances.get(key)
    const { descriptor, command } = await this.prepare(version)
    const fresh = this.createInstance(version, descriptor, command)
    if (!(await fresh.start({ supervise: false }))) {
      const reasons = fresh.failureReasons()
      await fresh.stop()
      throw createDeployerError('E_DEPLOY_FAILED', `new replicas of ${key} did not become healthy; the running ones keep serving: ${reasons.join('; ')}`, { details: { ref: key, reasons } })
    }
    this.instances.set(key, fresh)
    await old?.stop()
    this.setVersionState(version.name, version.version, fresh.state.state, fresh.state.reason)
  }

  private setVersionState(name: string, version: string, state: InstanceState, reason: string | null): void {
    if (this.closed) return
    const before = this.state.getVersion(name, version)
    if (!before || (before.state === state && before.stateReason === reason)) return
    this.state.updateVersion(name, version, { state, stateReason: reason })
    this.record({ name, version, replica: null, type: 'state', state, reason, details: null })
  }

  /** Records the version as deployed and moves `latest` (and `alias`) the first time it is healthy. */
  private tagVersion(name: string, version: string, alias: string | undefined): void {
    const before = this.state.getVersion(name, version)!
    const aliases = [...(before.tagged ? [] : ['latest']), ...(alias ? [alias] : [])]
    this.state.transaction(() => {
      this.state.updateVersion(name, version, { tagged: true })
      for (const a of aliases) this.state.setAlias(name, a, version)
    })
    this.record({ name, version, replica: null, type: 'deploy', state: 'ready', reason: null, details: { tagged: !before.tagged, aliases } })
    for (const a of aliases) this.record({ name, version, replica: null, type: 'alias', state: null, reason: null, details: { alias: a } })
  }

  private describe(version: VersionRecord): InstanceInfo {
    return describeVersion(this.state, this.instances.get(`${version.name}@${version.version}`), version)
  }

  list(): InstanceInfo[] {
    return this.state.listVersions().map((v) => this.describe(v))
  }

  get(ref: string): InstanceInfo {
    return this.describe(this.requireVersion(parseRef(ref)))
  }

  /** Stops a version's replicas; it stays stopped across restarts until started. */
  async stop(ref: string): Promise<InstanceInfo> {
    const version = this.requireVersion(parseRef(ref))
    const key = `${version.name}@${version.version}`
    return this.withLock(key, async () => {
      this.state.updateVersion(version.name, version.version, { desired: 'stopped' })
      await this.instances.get(key)?.stop()
      this.instances.delete(key)
      this.setVersionState(version.name, version.version, 'stopped', 'stopped by request')
      return this.describe(this.state.getVersion(version.name, version.version)!)
    })
  }

  /** Starts a stopped (or failed) version again; fails like a deploy when it does not become healthy. */
  async start(ref: string): Promise<InstanceInfo> {
    const version = this.requireVersion(parseRef(ref))
    return this.deploy({ package: `${version.name}@${version.version}`, replicas: version.replicas })
  }

  /** Restarts a running version make-before-break (see replaceInstance); starts a stopped one. */
  async restart(ref: string): Promise<InstanceInfo> {
    const { name, version } = this.requireVersion(parseRef(ref))
    const key = `${name}@${version}`
    const restarted = await this.withLock(key, async () => {
      const record = this.state.getVersion(name, version)
      if (!record) throw createDeployerError('E_VERSION_NOT_FOUND', `${key} was removed`, { details: { name, version } })
      if (!this.instances.get(key) || record.desired !== 'running') return false
      await this.replaceInstance(record)
      this.record({ name, version, replica: null, type: 'restart', state: 'ready', reason: null, details: null })
      return true
    })
    return restarted ? this.describe(this.state.getVersion(name, version)!) : this.start(ref)
  }

  /** Stops and forgets a version: its directory, logs and aliases (`latest` falls back to the newest other tagged version). */
  async remove(ref: string): Promise<void> {
    const version = this.requireVersion(parseRef(ref))
    const key = `${version.name}@${version.version}`
    await this.withLock(key, async () => {
      await this.instances.get(key)?.stop()
      this.instances.delete(key)
      const movedLatest = this.state.getAlias(version.name, 'latest')?.version === version.version
      this.state.deleteVersion(version.name, version.version)
      if (movedLatest) {
        const fallback = this.state.listVersions(version.name).filter((v) => v.tagged).at(-1)
        if (fallback) this.state.setAlias(version.name, 'latest', fallback.version)
      }
      await rm(locateVersion(this.options.dataDir, version.name, version.version).instanceDir, { recursive: true, force: true })
      await this.logs.remove(key)
      this.record({ name: version.name, version: version.version, replica: null, type: 'remove', state: null, reason: null, details: null })
    })
  }

  // ── Aliases and routing ─────────────────────────────────────────────────────

  /** Points `alias` of `name` at an existing version. */
  setAlias(name: string, alias: string, version: string): void {
    this.requireVersion({ name, version })
    this.state.setAlias(name, alias, version)
    this.record({ name, version, replica: null, type: 'alias', state: null, reason: null, details: { alias } })
  }

  /**
   * Requires a token for inference on `name` (only its sha256 is kept), or opens it again with
   * `undefined`. The model must exist.
   */
  setInferenceTokenHash(name: string, tokenHash: string | undefined): void {
    if (this.state.listVersions(name).length === 0) resolveVersion(this.state, name, 'latest') // throws E_MODEL_NOT_FOUND listing the models
    this.state.setModelTokenHash(name, tokenHash)
    this.tokenHashes.delete(name)
  }

  /** The sha256 of the model's inference token, or undefined when inference on it is open (cached). */
  inferenceTokenHash(name: string): string | undefined {
    let hash = this.tokenHashes.get(name)
    if (hash === undefined) this.tokenHashes.set(name, (hash = this.state.getModelTokenHash(name) ?? null))
    return hash ?? undefined
  }

  listModels(): ModelInfo[] {
    return listModelInfo(this.state)
  }

  /**
   * Which version answers `name` (alias `latest`), `name@1.2.0` or `name@stable`, and its ready replicas.
   * @example deployer.resolveTarget('echo', 'stable').endpoints // [{ replica: 0, port: 41234 }]
   */
  resolveTarget(name: string, selector = 'latest'): ResolvedTarget {
    const key = `${name}\0${selector}`
    let resolved = this.routes.get(key)
    if (!resolved) {
      resolved = resolveVersion(this.state, name, selector)
      this.routes.set(key, resolved)
    }
    return { ...resolved, endpoints: this.instances.get(resolved.ref)?.readyEndpoints() ?? [] }
  }

  // ── Logs and events ─────────────────────────────────────────────────────────

  /** The last `n` log lines of a version. */
  async tailLogs(ref: string, n = 100): Promise<LogEntry[]> {
    const version = this.requireVersion(parseRef(ref))
    return this.logs.tail(`${version.name}@${version.version}`, n)
  }

  /** Calls `listener` for each new log line of a version; returns unsubscribe. */
  followLogs(ref: string, listener: (entry: LogEntry) => void): () => void {
    const version = this.requireVersion(parseRef(ref))
    return this.logs.follow(`${version.name}@${version.version}`, listener)
  }

  /** Calls `listener` for every event from now on; returns unsubscribe. */
  onEvent(listener: (event: EventRecord) => void): () => void {
    this.events.on('event', listener)
    return () => this.events.off('event', listener)
  }

  /**
   * Closes the deployer. By default instances are stopped (their desired state is kept, so the
   * next start brings them back); `stopInstances: false` leaves them for the next run to find.
   */
  async close(options: { stopInstances?: boolean } = {}): Promise<void> {
    if (this.closing) return
    this.closing = true
    const stopAll = () => Promise.all([...this.instances.values()].map((i) => i.stop()))
    // Stopping first aborts pending health waits, so in-flight deploys finish quickly; then stop
    // whatever they started meanwhile.
    if (options.stopInstances !== false) await stopAll()
    await Promise.allSettled([...this.locks.values()])
    if (options.stopInstances !== false) await stopAll()
    else for (const instance of this.instances.values()) instance.detach()
    this.closed = true
    this.instances.clear()
    await this.logs.close()
    this.state.close()
  }
}
