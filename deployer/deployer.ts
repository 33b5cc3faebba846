/**
 * The Deployer: what the gateway drives and `ferry serve` runs. It keeps packages by digest,
 * turns a package into a running, supervised version `name@x.y.z`, tags the version and moves
 * `latest` once it is healthy (never before, never on failure), and after a restart brings back
 * every version that should run, stopping whatever processes the previous run left behind.
 *
 * The work is done by its parts: the version registry (registry/: versions, aliases, tagging),
 * the supervisor (supervisor/: instances and replicas), a deploy (_deploy-version.ts: a version
 * brought up, then tagged or rolled out); this class composes them and keeps the public API in
 * one place.
 */
import { EventEmitter } from 'node:events'
import { realpath, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import type { Descriptor } from '../descriptors/descriptor.js'
import { createChildProcessLauncher } from './child-process-launcher.js'
import { openPackageFile, type PackageFile } from './package-file.js'
import type { PackageManifest } from './_package-manifest.js'
import { createDeployerError } from './errors.js'
import { secureDataDir } from './data-dir.js'
import { createLogStore, type LogEntry, type LogStore } from './log-store.js'
import { resolveDeployerOptions, type DeployerOptions, type ResolvedDeployerOptions } from './options.js'
import { createFilePackageStore, type PackageStore } from './package-store.js'
import { locateVersion } from './_prepare-version.js'
import { createPackageIntake, type AddPackageOptions, type PackageIntake } from './_package-intake.js'
import { openSqliteStateStore } from './sqlite-state-store.js'
import type { EventRecord, PackageRecord, StateStore, VersionRecord } from './state-store.js'
import { parseRef } from './ref.js'
import { describeVersion, type InstanceInfo, type ModelInfo, type ResolvedTarget } from './_catalog.js'
import { VersionRegistry } from './registry/version-registry.js'
import { Supervisor } from './supervisor/supervisor.js'
import { recoverDataDir } from './supervisor/_recover.js'
import { createSandboxedLauncher, detectSandbox, type SandboxInfo, type SandboxStatus } from './sandbox/index.js'
import { RolloutController, type PipelineAcceptanceTarget } from './rollout/controller.js'
import { deployVersion, type DeployRequest } from './_deploy-version.js'
import type { TrafficSource } from './rollout/traffic.js'
import type { RolloutRecord } from './state-store.js'

export type { InstanceInfo, ModelInfo, ResolvedTarget } from './_catalog.js'
export type { DeployRequest } from './_deploy-version.js'

export class Deployer {
  readonly options: ResolvedDeployerOptions
  readonly events = new EventEmitter()
  readonly logs: LogStore
  readonly packages: PackageStore
  readonly state: StateStore
  readonly registry: VersionRegistry
  readonly supervisor: Supervisor
  /** How models run: in bubblewrap, or not (and why), decided once at open. */
  readonly sandbox: SandboxStatus
  readonly rollouts: RolloutController
  private readonly intake: PackageIntake

  private constructor(options: ResolvedDeployerOptions, sandbox: SandboxStatus) {
    this.options = options
    this.sandbox = sandbox
    this.logs = createLogStore({ dir: join(options.dataDir, 'logs'), diskOnlySources: ['gateway'], ...options.logs })
    this.packages = createFilePackageStore(join(options.dataDir, 'packages'))
    this.state = openSqliteStateStore(options.dataDir)
    this.events.setMaxListeners(0)
    this.intake = createPackageIntake({ packages: this.packages, state: this.state, limits: options.unpackLimits })
    const record = (event: Omit<EventRecord, 'id' | 'time'>) => this.record(event)
    this.registry = new VersionRegistry(this.state, record)
    const launcher = options.launcher ?? createChildProcessLauncher()
    this.supervisor = new Supervisor({
      options, state: this.state, logs: this.logs, packages: this.packages, record,
      launcher: sandbox.mode === 'bwrap' ? createSandboxedLauncher(launcher, { tools: sandbox.tools!, system: sandbox.system }) : launcher,
      sandbox,
      getPackage: (digest) => this.registry.getPackage(digest),
    })
    this.rollouts = new RolloutController({
      options, state: this.state, registry: this.registry, supervisor: this.supervisor, record,
      openPackageFile: (digest, path) => this.openPackageFile(digest, path),
      startVersion: async (name, version) => { await this.start(`${name}@${version}`) },
    })
  }

  /**
   * Opens the data directory, stops processes a previous run left, and brings back every version
   * that should run (in the background: `open` does not wait for them to be ready).
   * @example
   * const deployer = await Deployer.open({ dataDir: '.ferry' })
   */
  static async open(options: DeployerOptions = {}): Promise<Deployer> {
    const requested = resolveDeployerOptions(options)
    const warnings = await secureDataDir(requested.dataDir)
    // The real path, so the same directory reached through a link has the same identity (homeId).
    const resolved = resolveDeployerOptions({ ...options, dataDir: await realpath(requested.dataDir) })
    const sandbox = await detectSandbox(resolved.sandbox, resolved.baseEnv)
    const deployer = new Deployer(resolved, sandbox)
    for (const line of warnings) deployer.logs.append('deployer', { stream: 'system', line })
    if (sandbox.warning) deployer.logs.append('deployer', { stream: 'system', line: `warning: ${sandbox.warning}` })
    await recoverDataDir({
      options: resolved, packages: deployer.packages, state: deployer.state, logs: deployer.logs, supervisor: deployer.supervisor,
      relaunch: (version) => {
        const ref = `${version.name}@${version.version}`
        // A candidate interrupted before acceptance never takes `latest` by itself (resumeAfterRestart decides).
        const onHealthy = () => { if (!deployer.rollouts.isCandidate(version.name, version.version)) deployer.registry.tagVersion(version.name, version.version, undefined) }
        void deployer.supervisor.withLock(ref, () => deployer.supervisor.bringUp(version, { supervise: version.tagged, onHealthy })).catch(() => undefined)
      },
    })
    deployer.rollouts.resumeAfterRestart()
    return deployer
  }

  private record(event: Omit<EventRecord, 'id' | 'time'>): void {
    // Every change to versions, states and aliases is recorded here: the routing cache follows.
    this.registry.invalidate()
    if (this.supervisor?.closed) return
    const stored = this.state.addEvent(event)
    this.events.emit('event', stored)
  }

  // ── Packages ────────────────────────────────────────────────────────────────

  /** Checks and stores a package zip (a path or a stream); the same zip twice is a no-op (`created: false`). */
  addPackage(source: string | Readable, options: AddPackageOptions = {}): Promise<PackageRecord & { created: boolean }> {
    return this.intake(source, options)
  }

  listPackages(): PackageRecord[] {
    return this.state.listPackages()
  }

  getPackage(digest: string): PackageRecord {
    return this.registry.getPackage(digest)
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

  /**
   * Deploys a package: records the version, unpacks and sets it up, starts its replicas and, once
   * every replica is healthy, tags it and moves `latest` (and `alias`) to it. Deploying a version
   * that runs already is a no-op, or a make-before-break rescale when `replicas` differs.
   * @example
   * const info = await deployer.deploy({ package: digest, replicas: 2 })
   */
  async deploy(request: DeployRequest): Promise<InstanceInfo> {
    const { name, version, ...notes } = await deployVersion(this, request)
    return { ...this.describe(this.state.getVersion(name, version)!), ...notes }
  }

  /** `ferry rollback`: aborts the model's active rollout, or starts the previous version and switches `latest` to it. */
  rollback(name: string): Promise<RolloutRecord> {
    return this.rollouts.rollback(name)
  }

  /** Connects the data plane whose live traffic rollouts judge and drains wait for. */
  attachTraffic(source: TrafficSource): void {
    this.rollouts.attachTraffic(source)
  }

  /** Connects the gateway that runs pipelines: a pipeline version's acceptance examples are sent there. */
  attachPipelineAcceptance(target: PipelineAcceptanceTarget): void {
    this.rollouts.attachPipelineAcceptance(target)
  }

  private describe(version: VersionRecord): InstanceInfo {
    const info = describeVersion(this.state, this.supervisor.instance(`${version.name}@${version.version}`), version)
    const descriptor = this.state.getPackage(version.digest)?.descriptor as Descriptor | undefined
    const sandbox: SandboxInfo | undefined = descriptor ? this.supervisor.versionSandbox(version, descriptor).info : undefined
    return sandbox ? { ...info, sandbox } : info
  }

  list(): InstanceInfo[] {
    return this.state.listVersions().map((v) => this.describe(v))
  }

  get(ref: string): InstanceInfo {
    return this.describe(this.registry.requireVersion(parseRef(ref)))
  }

  /**
   * Stops a version's replicas; it stays stopped across restarts until started. Stopping the
   * version `latest` points to while another is ready is refused unless `force` (see
   * VersionRegistry.handOverLatest); `latestMovedTo` says where `latest` went.
   */
  async stop(ref: string, options: { force?: boolean } = {}): Promise<InstanceInfo & { latestMovedTo?: string }> {
    const version = this.registry.requireVersion(parseRef(ref))
    const key = `${version.name}@${version.version}`
    return this.supervisor.withLock(key, async () => {
      const movedTo = this.registry.handOverLatest(version, options.force === true)
      this.state.updateVersion(version.name, version.version, { desired: 'stopped' })
      await this.supervisor.stopInstance(key)
      this.supervisor.setVersionState(version.name, version.version, 'stopped', 'stopped by request')
      return { ...this.describe(this.state.getVersion(version.name, version.version)!), ...(movedTo ? { latestMovedTo: movedTo } : {}) }
    })
  }

  /** Starts a stopped (or failed) version again; fails like a deploy when it does not become healthy. */
  async start(ref: string): Promise<InstanceInfo> {
    const version = this.registry.requireVersion(parseRef(ref))
    return this.deploy({ package: `${version.name}@${version.version}`, replicas: version.replicas })
  }

  /** Restarts a running version make-before-break (see Supervisor.replaceInstance); starts a stopped one. */
  async restart(ref: string): Promise<InstanceInfo> {
    const { name, version } = this.registry.requireVersion(parseRef(ref))
    const key = `${name}@${version}`
    const restarted = await this.supervisor.withLock(key, async () => {
      const record = this.state.getVersion(name, version)
      if (!record) throw createDeployerError('E_VERSION_NOT_FOUND', `${key} was removed`, { details: { name, version } })
      if (!this.supervisor.instance(key) || record.desired !== 'running') return false
      await this.supervisor.replaceInstance(record)
      this.record({ name, version, replica: null, type: 'restart', state: 'ready', reason: null, details: null })
      return true
    })
    return restarted ? this.describe(this.state.getVersion(name, version)!) : this.start(ref)
  }

  /**
   * Stops and forgets a version: its directory, logs and aliases. The same rule as `stop` for the
   * version `latest` points to; when no other version is ready, `latest` falls back to the newest
   * other tagged version. Returns where `latest` points afterwards (null: nowhere).
   */
  async remove(ref: string, options: { force?: boolean } = {}): Promise<{ removed: string; latest: string | null; latestMoved: boolean }> {
    const version = this.registry.requireVersion(parseRef(ref))
    const key = `${version.name}@${version.version}`
    return this.supervisor.withLock(key, async () => {
      const wasLatest = this.state.getAlias(version.name, 'latest')?.version === version.version
      this.registry.handOverLatest(version, options.force === true)
      await this.supervisor.stopInstance(key)
      const stillLatest = this.state.getAlias(version.name, 'latest')?.version === version.version
      this.state.deleteVersion(version.name, version.version)
      if (stillLatest) {
        const fallback = this.state.listVersions(version.name).filter((v) => v.tagged).at(-1)
        if (fallback) this.state.setAlias(version.name, 'latest', fallback.version)
      }
      await rm(locateVersion(this.options.dataDir, version.name, version.version).instanceDir, { recursive: true, force: true })
      await this.logs.remove(key)
      this.record({ name: version.name, version: version.version, replica: null, type: 'remove', state: null, reason: null, details: null })
      const latest = this.state.getAlias(version.name, 'latest')?.version ?? null
      return { removed: key, latest, latestMoved: wasLatest && latest !== null }
    })
  }

  // ── Aliases and routing ─────────────────────────────────────────────────────

  /** Points `alias` of `name` at an existing version. */
  setAlias(name: string, alias: string, version: string): void {
    this.registry.setAlias(name, alias, version)
  }

  /** Removes an alias (any but `latest`). */
  removeAlias(name: string, alias: string): void {
    this.registry.removeAlias(name, alias)
  }

  /**
   * Requires a token for inference on `name` (only its sha256 is kept), or opens it again with
   * `undefined`. The model must exist.
   */
  setInferenceTokenHash(name: string, tokenHash: string | undefined): void {
    this.registry.setInferenceTokenHash(name, tokenHash)
    this.events.emit('routing')
  }

  /** The sha256 of the model's inference token, or undefined when inference on it is open (cached). */
  inferenceTokenHash(name: string): string | undefined {
    return this.registry.inferenceTokenHash(name)
  }

  listModels(): ModelInfo[] {
    return this.registry.listModels()
  }

  /**
   * Which version answers `name` (alias `latest`), `name@1.2.0` or `name@stable`, and its ready replicas.
   * @example deployer.resolveTarget('echo', 'stable').endpoints // [{ replica: 0, port: 41234 }]
   */
  resolveTarget(name: string, selector = 'latest'): ResolvedTarget {
    const resolved = this.registry.resolve(name, selector)
    const target: ResolvedTarget = { ...resolved, endpoints: this.supervisor.instance(resolved.ref)?.readyEndpoints() ?? [] }
    const route = selector === 'latest' ? this.rollouts.routeFor(name) : undefined
    if (route?.split) target.split = { ...route.split, endpoints: this.supervisor.instance(route.split.ref)?.readyEndpoints() ?? [] }
    if (route?.mirror) target.mirror = { ...route.mirror, endpoints: this.supervisor.instance(route.mirror.ref)?.readyEndpoints() ?? [] }
    return target
  }

  // ── Logs and events ─────────────────────────────────────────────────────────

  /** The last `n` log lines of a version. */
  async tailLogs(ref: string, n = 100): Promise<LogEntry[]> {
    const version = this.registry.requireVersion(parseRef(ref))
    return this.logs.tail(`${version.name}@${version.version}`, n)
  }

  /** Calls `listener` for each new log line of a version; returns unsubscribe. */
  followLogs(ref: string, listener: (entry: LogEntry) => void): () => void {
    const version = this.registry.requireVersion(parseRef(ref))
    return this.logs.follow(`${version.name}@${version.version}`, listener)
  }

  /**
   * Calls `listener` after every change that can move traffic (any recorded event: versions,
   * replicas, aliases, rollouts; and a model's inference token set or cleared); returns unsubscribe.
   */
  onRoutingChange(listener: () => void): () => void {
    this.events.on('event', listener)
    this.events.on('routing', listener)
    return () => {
      this.events.off('event', listener)
      this.events.off('routing', listener)
    }
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
    if (this.supervisor.closing) return
    this.rollouts.close()
    await this.supervisor.close(options)
    await this.logs.close()
    this.state.close()
  }
}
