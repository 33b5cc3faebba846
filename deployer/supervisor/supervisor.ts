/**
 * The supervisor: the running instances, one per `name@version`, and what starts, replaces and
 * stops them. Work on one version is serialised by a lock per version. It records each version's
 * state and the processes it launches, so a restarted server can find and stop what was left.
 */
import { KeyedLock } from '../_keyed-lock.js'
import type { Descriptor } from '../../descriptors/descriptor.js'
import { createDeployerError } from '../errors.js'
import type { Launcher } from '../launcher.js'
import type { LogStore } from '../log-store.js'
import type { ResolvedDeployerOptions } from '../options.js'
import type { PackageStore } from '../package-store.js'
import { isPrepared, locateVersion, prepareVersion } from '../_prepare-version.js'
import type { RecordEvent } from '../registry/version-registry.js'
import type { InstanceState, PackageRecord, StateStore, VersionRecord } from '../state-store.js'
import { Instance } from './instance.js'
import { createVersionSandbox, describeLimits, type SandboxStatus, type VersionSandbox } from '../sandbox/index.js'
import { bringUpPipeline, isPipeline } from '../pipeline/pipeline-version.js'

export interface SupervisorConfig {
  options: ResolvedDeployerOptions
  state: StateStore
  logs: LogStore
  packages: PackageStore
  launcher: Launcher
  record: RecordEvent
  getPackage(digest: string): PackageRecord
  /** How models run (deployer/sandbox/): the launcher is already wrapped; each version gets its own sandbox. */
  sandbox: SandboxStatus
}

export interface BringUpOptions {
  /** Recovering a tagged version: a failed start is retried like a crash instead of failing. */
  supervise: boolean
  /** Called once every replica is healthy (tagging, moving aliases). */
  onHealthy?(): void
}

export class Supervisor {
  private readonly instances = new Map<string, Instance>()
  private readonly locks = new KeyedLock()
  private closingFlag = false
  private closedFlag = false

  constructor(private readonly config: SupervisorConfig) {}

  get closing(): boolean { return this.closingFlag }
  get closed(): boolean { return this.closedFlag }

  /** The live instance of `name@version`, if any. */
  instance(ref: string): Instance | undefined {
    return this.instances.get(ref)
  }

  /** Runs `work` after every earlier work on the same key (a version's ref) has settled. */
  withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.locks.run(key, work)
  }

  /** Prepares and starts a version (replacing a live instance of it); fails like a deploy when it does not become healthy. */
  async bringUp(version: VersionRecord, options: BringUpOptions): Promise<void> {
    const { name } = version
    const ref = `${name}@${version.version}`
    await this.stopInstance(ref)
    let instance: Instance | undefined
    try {
      if (isPipeline(this.config.getPackage(version.digest).descriptor as Descriptor)) {
        await bringUpPipeline(version, { packages: this.config.packages, setVersionState: (...a) => this.setVersionState(...a) })
        return options.onHealthy?.()
      }
      const { descriptor, command, sandbox } = await this.prepare(version)
      if (this.closingFlag) return
      this.setVersionState(name, version.version, 'starting', null)
      instance = this.createInstance(version, descriptor, command, sandbox)
      this.instances.set(ref, instance)
      const ok = await instance.start({ supervise: options.supervise })
      if (this.closingFlag) return
      if (!ok && !options.supervise) {
        const reasons = instance.failureReasons()
        throw createDeployerError('E_DEPLOY_FAILED', `${ref} did not become healthy: ${reasons.join('; ')}`, { details: { ref, reasons, logTail: (await this.config.logs.tail(ref, 30)).map((e) => e.line) } })
      }
      if (ok) options.onHealthy?.()
    } catch (error) {
      if (instance) {
        this.instances.delete(ref)
        await instance.stop()
      }
      const reason = (error as Error).message
      // A deploy that fails is not retried at the next start; a recovery that fails is.
      if (!options.supervise) this.config.state.updateVersion(name, version.version, { desired: 'stopped' })
      this.setVersionState(name, version.version, 'failed', reason)
      this.config.record({ name, version: version.version, replica: null, type: 'deploy', state: 'failed', reason, details: { code: (error as { code?: string }).code } })
      throw error
    }
  }

  /** Unpacks and sets up a version (once), returning its descriptor and launch command. */
  private async prepare(version: VersionRecord) {
    const ref = `${version.name}@${version.version}`
    const descriptor = this.config.getPackage(version.digest).descriptor as Descriptor
    const dirs = locateVersion(this.config.options.dataDir, version.name, version.version)
    const stored = await this.config.packages.locate(version.digest)
    if (!stored) throw createDeployerError('E_PACKAGE_NOT_FOUND', `the package of ${ref} (${version.digest}) is missing from the store`, { details: { digest: version.digest } })
    if (!isPrepared(dirs, version.digest)) this.setVersionState(version.name, version.version, 'installing', null)
    const sandbox = this.versionSandbox(version, descriptor)
    const command = await prepareVersion({ zipPath: stored.path, digest: version.digest, descriptor, dirs, options: this.config.options, logs: this.config.logs, source: ref, sandbox })
    await sandbox.prepareHome()
    const limits = describeLimits(sandbox.info.limits)
    this.config.logs.append(ref, { stream: 'system', line: sandbox.info.mode === 'bwrap' ? `sandbox: bubblewrap${sandbox.info.uid !== null ? `, user ${sandbox.info.uid}` : ''}; limits: ${limits}` : `not sandboxed (--sandbox ${this.config.sandbox.requested}); limits: ${limits}` })
    return { descriptor, command, sandbox }
  }

  /** The sandbox of a version: its user, home, what it sees, its limits. */
  versionSandbox(version: Pick<VersionRecord, 'name' | 'version'>, descriptor: Descriptor): VersionSandbox {
    const dirs = locateVersion(this.config.options.dataDir, version.name, version.version)
    return createVersionSandbox(this.config.sandbox, { homeId: this.config.options.homeId, ref: `${version.name}@${version.version}`, descriptor, ...dirs })
  }

  /** An instance whose events count only while it is the version's current one. */
  private createInstance(version: VersionRecord, descriptor: Descriptor, command: Awaited<ReturnType<typeof prepareVersion>>, sandbox: VersionSandbox): Instance {
    const { name } = version
    const { state, record, launcher, logs, options } = this.config
    const ref = `${name}@${version.version}`
    const current = () => this.instances.get(ref) === instance
    const instance: Instance = new Instance({
      name, version: version.version, descriptor, command, replicas: version.replicas, launcher, logs, options, sandbox,
      onReplicaChange: (status) => record({ name, version: version.version, replica: status.index, type: 'replica', state: status.state, reason: status.reason, details: { pid: status.pid, port: status.port, restarts: status.restarts } }),
      onStateChange: (s, reason) => { if (current()) this.setVersionState(name, version.version, s, reason) },
      onLaunch: (replica, p) => { if (!this.closedFlag) state.recordProcess({ name, version: version.version, replica, pid: p.pid, port: p.port, token: p.token, startedAt: new Date().toISOString() }) },
      onExit: (replica) => { if (current() && !this.closedFlag) state.forgetProcess(name, version.version, replica) },
    })
    return instance
  }

  /**
   * Make-before-break: a fresh set of replicas is started and health-checked while the current
   * ones serve; only then are the old ones stopped. If the fresh set fails, the old keeps serving.
   */
  async replaceInstance(version: VersionRecord): Promise<void> {
    const key = `${version.name}@${version.version}`
    const old = this.instances.get(key)
    const { descriptor, command, sandbox } = await this.prepare(version)
    const fresh = this.createInstance(version, descriptor, command, sandbox)
    if (!(await fresh.start({ supervise: false }))) {
      const reasons = fresh.failureReasons()
      await fresh.stop()
      throw createDeployerError('E_DEPLOY_FAILED', `new replicas of ${key} did not become healthy; the running ones keep serving: ${reasons.join('; ')}`, { details: { ref: key, reasons } })
    }
    this.instances.set(key, fresh)
    await old?.stop()
    this.setVersionState(version.name, version.version, fresh.state.state, fresh.state.reason)
  }

  /** Stops and forgets the live instance of `ref` (no state recorded). */
  async stopInstance(ref: string): Promise<void> {
    const instance = this.instances.get(ref)
    if (!instance) return
    await instance.stop()
    if (this.instances.get(ref) === instance) this.instances.delete(ref)
  }

  setVersionState(name: string, version: string, state: InstanceState, reason: string | null): void {
    if (this.closedFlag) return
    const before = this.config.state.getVersion(name, version)
    if (!before || (before.state === state && before.stateReason === reason)) return
    this.config.state.updateVersion(name, version, { state, stateReason: reason })
    this.config.record({ name, version, replica: null, type: 'state', state, reason, details: null })
  }

  /**
   * Stops every instance (or, with `stopInstances: false`, leaves their processes for the next
   * run to find) once the work under way has settled.
   */
  async close(options: { stopInstances?: boolean } = {}): Promise<void> {
    if (this.closingFlag) return
    this.closingFlag = true
    const stopAll = () => Promise.all([...this.instances.values()].map((i) => i.stop()))
    // Stopping first aborts pending health waits, so in-flight deploys finish quickly; then stop
    // whatever they started meanwhile.
    if (options.stopInstances !== false) await stopAll()
    await Promise.allSettled(this.locks.pending())
    if (options.stopInstances !== false) await stopAll()
    else for (const instance of this.instances.values()) instance.detach()
    this.closedFlag = true
    this.instances.clear()
  }
}
