/**
 * The rollout controller: the state machine that brings a healthy candidate to traffic. Every
 * strategy starts with acceptance (the descriptor's examples); then replace switches `latest` at
 * once, canary moves weight in steps judged window by window, shadow mirrors copies and measures
 * agreement, manual waits for promote. Each step is written to the rollout's row and recorded as an
 * event before it takes effect, so a restarted server resumes (or rolls back) from the last one.
 * Routing is precomputed here (routeFor) whenever a rollout changes; the proxy only reads it.
 */
import semver from 'semver'
import type { Dispatcher } from 'undici'
import type { Descriptor } from '../../descriptors/descriptor.js'
import { createDeployerError } from '../errors.js'
import type { PackageFile } from '../package-file.js'
import type { ResolvedDeployerOptions } from '../options.js'
import type { RecordEvent, VersionRegistry } from '../registry/version-registry.js'
import type { RolloutPatch, RolloutRecord, RolloutStatus, StateStore } from '../state-store.js'
import type { Supervisor } from '../supervisor/supervisor.js'
import { runAcceptance } from './acceptance.js'
import { isPipeline } from '../pipeline/pipeline-version.js'
import { describeShadowWindow, judgeWindow, type WindowCheck } from './_checks.js'
import { drainAndStop, retirePrevious, type RetireContext } from './_retire.js'
import type { RolloutConfig } from './rollout-options.js'
import { NO_TRAFFIC, type RolloutRoute, type TrafficSource } from './traffic.js'

export interface RolloutControllerConfig {
  options: ResolvedDeployerOptions
  state: StateStore
  registry: VersionRegistry
  supervisor: Supervisor
  record: RecordEvent
  openPackageFile(digest: string, path: string): Promise<PackageFile>
  /** Starts a stopped version (no rollout) and resolves once it is ready. */
  startVersion(name: string, version: string): Promise<void>
}

/** Where a pipeline version's examples are sent, and the headers that mark them as acceptance (see attachPipelineAcceptance). */
export type PipelineAcceptanceTarget = (name: string, version: string) => { baseUrl: string; headers: Record<string, string>; dispatcher?: Dispatcher }

const MAX_CHECKS = 500
const ACTIVE: ReadonlySet<RolloutStatus> = new Set(['running', 'paused'])

export class RolloutController {
  private traffic: TrafficSource = NO_TRAFFIC
  private pipelineTarget: PipelineAcceptanceTarget | undefined
  private readonly routes = new Map<string, RolloutRoute>()
  private readonly reserved = new Set<string>()
  private readonly timers = new Map<number, NodeJS.Timeout>()
  private readonly windowStart = new Map<number, number>()
  private closed = false

  constructor(private readonly config: RolloutControllerConfig) {}

  private get retire(): RetireContext {
    return { ...this.config, traffic: () => this.traffic }
  }

  /** Connects the data plane whose traffic the checks and drains read. */
  attachTraffic(source: TrafficSource): void {
    this.traffic = source
  }

  /** Connects the gateway that runs pipelines, where a pipeline's examples are sent. */
  attachPipelineAcceptance(target: PipelineAcceptanceTarget): void {
    this.pipelineTarget = target
  }

  /** How `latest` of `name` is routed while a rollout is active (undefined: all to latest). */
  routeFor(name: string): RolloutRoute | undefined {
    return this.routes.get(name)
  }

  active(name: string): RolloutRecord | undefined {
    return this.config.state.listRollouts({ name, active: true, limit: 1 })[0]
  }

  list(filter: { name?: string; active?: boolean; limit?: number } = {}): RolloutRecord[] {
    return this.config.state.listRollouts(filter)
  }

  /** The rollout with this id, or the newest of the model with this name. */
  get(idOrName: string): RolloutRecord {
    const found = /^\d+$/.test(idOrName) ? this.config.state.getRollout(Number(idOrName)) : this.config.state.listRollouts({ name: idOrName, limit: 1 })[0]
    if (!found) throw createDeployerError('E_ROLLOUT_NOT_FOUND', `no rollout "${idOrName}"`, { details: { rollout: idOrName } })
    return found
  }

  /** A rollout with what its current window has seen so far (the figures the next check will judge). */
  describe(rollout: RolloutRecord): RolloutRecord & { live: { fromMs: number; candidate: ReturnType<TrafficSource['window']>; stable: ReturnType<TrafficSource['window']> | null; shadow?: ReturnType<TrafficSource['shadow']> } | null } {
    if (!ACTIVE.has(rollout.status)) return { ...rollout, live: null }
    const fromMs = this.windowStart.get(rollout.id) ?? Date.now()
    const now = Date.now()
    const candidateRef = `${rollout.name}@${rollout.candidate}`
    return {
      ...rollout,
      live: {
        fromMs,
        candidate: this.traffic.window(candidateRef, fromMs, now),
        stable: rollout.stable === null ? null : this.traffic.window(`${rollout.name}@${rollout.stable}`, fromMs, now),
        ...(rollout.strategy === 'shadow' ? { shadow: this.traffic.shadow(candidateRef, fromMs, now) } : {}),
      },
    }
  }

  /** Claims the model for a new rollout until `release` (409 E_ROLLOUT_IN_PROGRESS when taken). */
  reserve(name: string): () => void {
    const current = this.active(name)
    if (current || this.reserved.has(name)) {
      throw createDeployerError('E_ROLLOUT_IN_PROGRESS', `a rollout of ${name} is in progress${current ? ` (${current.strategy} of ${name}@${current.candidate}, rollout ${current.id})` : ''}; promote or abort it first`, { details: { name, rollout: current?.id ?? null } })
    }
    this.reserved.add(name)
    return () => this.reserved.delete(name)
  }

  /**
   * Brings the healthy candidate `name@version` to traffic by `config.strategy`; throws
   * E_ACCEPTANCE_FAILED (the candidate stopped, nothing routed to it) when an example fails.
   */
  async begin(name: string, version: string, config: RolloutConfig, alias: string | undefined): Promise<RolloutRecord> {
    const { state, registry } = this.config
    const latest = state.getAlias(name, 'latest')?.version ?? null
    const stable = latest !== null && latest !== version ? latest : null
    let rollout = state.createRollout({ name, candidate: version, stable, strategy: config.strategy, config })
    this.emit(rollout, 'started')
    const failures = config.acceptance ? await this.accept(name, version) : []
    rollout = this.update(rollout, { checks: [{ type: 'acceptance', at: new Date().toISOString(), passed: failures.length === 0, failures }] })
    if (failures.length > 0) {
      // The caller (holding the version's lock) stops the candidate: it never took a request.
      const reason = `acceptance failed: ${failures.map((f) => `${f.example} (${f.endpoint}) ${f.reason}`).join('; ')}`
      this.emit(this.update(rollout, { status: 'failed', reason }), 'failed')
      throw createDeployerError('E_ACCEPTANCE_FAILED', `${name}@${version} ${reason}`, { details: { ref: `${name}@${version}`, rollout: rollout.id, failures } })
    }
    registry.tagVersion(name, version, alias, stable === null)
    if (stable === null) return this.update(rollout, { status: 'promoted', weight: 100, reason: latest === null ? 'first version of the model' : 'already latest' })
    if (config.strategy === 'replace') return this.switchLatest(rollout, 'replaced')
    if (config.strategy === 'manual') registry.setAlias(name, 'canary', version)
    const weight = config.strategy === 'canary' ? config.step : config.strategy === 'shadow' ? config.mirror : 0
    rollout = this.update(rollout, { weight })
    this.publish(rollout)
    this.schedule(rollout)
    return rollout
  }

  private async accept(name: string, version: string) {
    const record = this.config.state.getVersion(name, version)!
    const descriptor = this.config.registry.getPackage(record.digest).descriptor as Descriptor
    const openFile = (path: string) => this.config.openPackageFile(record.digest, path)
    const timeoutMs = this.config.options.acceptanceTimeoutMs
    // A pipeline has no replica: its examples go through the gateway that runs its graph (a
    // deployer with no gateway attached runs no pipeline at all, so it has nothing to check).
    if (isPipeline(descriptor)) return this.pipelineTarget ? runAcceptance({ descriptor, ...this.pipelineTarget(name, version), timeoutMs, openFile }) : []
    const port = this.config.supervisor.instance(`${name}@${version}`)?.readyEndpoints()[0]?.port
    if (port === undefined) return [{ example: '-', endpoint: '-', reason: 'no ready replica to send the examples to' }]
    return runAcceptance({ descriptor, baseUrl: `http://127.0.0.1:${port}`, timeoutMs, openFile })
  }

  // ── Actions ────────────────────────────────────────────────────────────────

  private requireActive(name: string): RolloutRecord {
    const rollout = this.active(name)
    if (!rollout) throw createDeployerError('E_ROLLOUT_NOT_ACTIVE', `nothing is rolling out for ${name}`, { details: { name } })
    return rollout
  }

  /** Moves `latest` to the candidate now (checks permitting, or `force`); the old stable drains. */
  promote(name: string, options: { force?: boolean } = {}): Promise<RolloutRecord> {
    return this.locked(name, async () => {
      const rollout = this.requireActive(name)
      const config = rollout.config as RolloutConfig
      if (rollout.strategy === 'shadow' && config.minAgreement !== null && !options.force) {
        const totals = this.shadowTotals(rollout)
        if (totals.compared < config.minRequests || totals.agreement! < config.minAgreement) {
          throw createDeployerError('E_ROLLOUT_CHECKS_FAILING', `agreement ${totals.agreement === null ? 'unknown' : `${totals.agreement.toFixed(1)} %`} over ${totals.compared} compared answers; promotion needs ≥ ${config.minAgreement} % over at least ${config.minRequests}`, { details: { ...totals, minAgreement: config.minAgreement } })
        }
      }
      return this.switchLatest(rollout, options.force ? 'promoted by request (forced)' : 'promoted by request')
    })
  }

  /** Takes the candidate out of traffic at once and stops it; the stable version is untouched. */
  abort(name: string, reason = 'aborted by request'): Promise<RolloutRecord> {
    return this.locked(name, async () => this.takeBack(this.requireActive(name), 'aborted', reason))
  }

  /** Stops the checks (weights stay as they are) until resume. */
  pause(name: string): Promise<RolloutRecord> {
    return this.locked(name, async () => {
      const rollout = this.requireActive(name)
      if (rollout.status === 'paused') return rollout
      this.unschedule(rollout.id)
      const paused = this.update(rollout, { status: 'paused' })
      this.emit(paused, 'paused')
      return paused
    })
  }

  resume(name: string): Promise<RolloutRecord> {
    return this.locked(name, async () => {
      const rollout = this.requireActive(name)
      if (rollout.status !== 'paused') throw createDeployerError('E_ROLLOUT_NOT_ACTIVE', `the rollout of ${name} is not paused`, { details: { name, status: rollout.status } })
      const resumed = this.update(rollout, { status: 'running' })
      this.emit(resumed, 'resumed')
      this.schedule(resumed)
      return resumed
    })
  }

  /**
   * `ferry rollback`: aborts an active rollout; otherwise starts the newest version older than
   * `latest` (when stopped) and switches `latest` to it.
   */
  rollback(name: string): Promise<RolloutRecord> {
    if (this.active(name)) return this.abort(name, 'rolled back by request')
    return this.locked(name, async () => {
      const { state } = this.config
      const current = state.getAlias(name, 'latest')?.version
      const target = state.listVersions(name).filter((v) => v.tagged && current !== undefined && semver.valid(v.version) && semver.lt(v.version, current)).at(-1)
      if (!current || !target) throw createDeployerError('E_ROLLBACK_NO_TARGET', `${name} has no deployed version older than ${current ?? 'latest'} to roll back to`, { details: { name, latest: current ?? null } })
      if (!this.config.supervisor.instance(`${name}@${target.version}`)?.readyEndpoints().length) await this.config.startVersion(name, target.version)
      const release = this.reserve(name)
      try {
        const rollout = state.createRollout({ name, candidate: target.version, stable: current, strategy: 'replace', config: { ...(this.list({ name, limit: 1 })[0]?.config as object ?? {}), strategy: 'replace', keepWarm: 1 } })
        return this.switchLatest(rollout, `rolled back from ${current}`)
      } finally {
        release()
      }
    })
  }

  // ── Transitions ────────────────────────────────────────────────────────────

  private switchLatest(rollout: RolloutRecord, reason: string): RolloutRecord {
    const { name, candidate, stable } = rollout
    this.unschedule(rollout.id)
    this.config.state.transaction(() => {
      this.config.state.setAlias(name, 'latest', candidate)
      if (rollout.strategy === 'manual' && this.config.state.getAlias(name, 'canary')?.version === candidate) this.config.state.deleteAlias(name, 'canary')
    })
    this.config.record({ name, version: candidate, replica: null, type: 'alias', state: null, reason, details: { alias: 'latest' } })
    const done = this.update(rollout, { status: 'promoted', weight: 100, reason })
    this.routes.delete(name)
    this.emit(done, 'promoted')
    const keepWarm = (rollout.config as Partial<RolloutConfig>).keepWarm ?? 1
    void retirePrevious(this.retire, name, keepWarm, stable)
    return done
  }

  private async takeBack(rollout: RolloutRecord, status: 'aborted' | 'rolled-back' | 'failed', reason: string): Promise<RolloutRecord> {
    const { name, candidate } = rollout
    this.unschedule(rollout.id)
    const done = this.update(rollout, { status, weight: 0, reason })
    this.routes.delete(name)
    if (rollout.strategy === 'manual' && this.config.state.getAlias(name, 'canary')?.version === candidate) this.config.state.deleteAlias(name, 'canary')
    this.emit(done, status)
    await drainAndStop(this.retire, name, candidate, `${status}: ${reason}`)
    return done
  }

  // ── Windows ────────────────────────────────────────────────────────────────

  private schedule(rollout: RolloutRecord): void {
    if (this.closed || rollout.status !== 'running' || rollout.strategy === 'manual' || rollout.strategy === 'replace') return
    this.unschedule(rollout.id)
    this.windowStart.set(rollout.id, Date.now())
    const timer = setTimeout(() => void this.locked(rollout.name, () => this.tick(rollout.id)).catch((error) => console.error(`rollout ${rollout.id}: a window check failed`, error)), (rollout.config as RolloutConfig).intervalMs)
    timer.unref()
    this.timers.set(rollout.id, timer)
  }

  private unschedule(id: number): void {
    clearTimeout(this.timers.get(id))
    this.timers.delete(id)
  }

  private async tick(id: number): Promise<void> {
    this.timers.delete(id)
    const rollout = this.config.state.getRollout(id)
    if (this.closed || !rollout || rollout.status !== 'running') return
    const config = rollout.config as RolloutConfig
    const toMs = Date.now()
    const fromMs = this.windowStart.get(id) ?? toMs - config.intervalMs
    const base = { window: rollout.checks.filter((c) => (c as WindowCheck).type === 'check').length + 1, at: new Date(toMs).toISOString(), fromMs, toMs, weight: rollout.weight }
    const candidateRef = `${rollout.name}@${rollout.candidate}`
    const stableRef = `${rollout.name}@${rollout.stable}`
    const stable = this.traffic.window(stableRef, fromMs, toMs)
    if (rollout.strategy === 'shadow') {
      const check = describeShadowWindow(base, this.traffic.shadow(candidateRef, fromMs, toMs), stable)
      const next = this.update(rollout, { checks: [...rollout.checks, check] })
      this.emit(next, 'window', check)
      return this.schedule(next)
    }
    const metrics = Object.fromEntries(Object.keys(config.metrics).map((m) => [m, this.traffic.metricMean?.(rollout.name, rollout.candidate, m, fromMs, toMs)]))
    const check = judgeWindow(config, base, this.traffic.window(candidateRef, fromMs, toMs), stable, metrics)
    const failures = rollout.failures + (check.verdict === 'fail' ? 1 : 0)
    let next = this.update(rollout, { checks: [...rollout.checks, check], failures })
    this.emit(next, 'window', check)
    if (failures >= config.threshold) {
      await this.takeBack(next, 'rolled-back', `${failures} failed check(s), threshold ${config.threshold}: ${check.reasons.join('; ')}`)
      return
    }
    if (check.verdict === 'pass') {
      if (rollout.weight >= config.maxWeight) {
        this.switchLatest(next, `every check passed at ${rollout.weight} %`)
        return
      }
      next = this.update(next, { weight: Math.min(config.maxWeight, rollout.weight + config.step) })
      this.publish(next)
      this.emit(next, 'step')
    }
    this.schedule(next)
  }

  private shadowTotals(rollout: RolloutRecord): { compared: number; agreed: number; agreement: number | null } {
    let compared = 0
    let agreed = 0
    for (const check of rollout.checks as WindowCheck[]) if (check.shadow) { compared += check.shadow.compared; agreed += check.shadow.agreed }
    const live = this.traffic.shadow(`${rollout.name}@${rollout.candidate}`, this.windowStart.get(rollout.id) ?? Date.now(), Date.now())
    compared += live.compared
    agreed += live.agreed
    return { compared, agreed, agreement: compared === 0 ? null : (100 * agreed) / compared }
  }

  // ── Records, routes, restart ───────────────────────────────────────────────

  private update(rollout: RolloutRecord, patch: RolloutPatch): RolloutRecord {
    if (patch.checks && patch.checks.length > MAX_CHECKS) patch = { ...patch, checks: patch.checks.slice(-MAX_CHECKS) }
    return this.config.state.updateRollout(rollout.id, patch)
  }

  private emit(rollout: RolloutRecord, step: string, check?: WindowCheck): void {
    this.config.record({ name: rollout.name, version: rollout.candidate, replica: null, type: 'rollout', state: null, reason: rollout.reason, details: { id: rollout.id, step, status: rollout.status, strategy: rollout.strategy, stable: rollout.stable, candidate: rollout.candidate, weight: rollout.weight, failures: rollout.failures, ...(check ? { check } : {}) } })
  }

  /** Recomputes how `latest` is routed for the rollout's model. */
  private publish(rollout: RolloutRecord): void {
    const config = rollout.config as RolloutConfig
    if (!ACTIVE.has(rollout.status) || rollout.stable === null) return void this.routes.delete(rollout.name)
    const candidate = { version: rollout.candidate, ref: `${rollout.name}@${rollout.candidate}` }
    if (rollout.strategy === 'canary') this.routes.set(rollout.name, { rollout: rollout.id, split: { ...candidate, weight: rollout.weight, sticky: config.sticky } })
    else if (rollout.strategy === 'shadow') this.routes.set(rollout.name, { rollout: rollout.id, mirror: { ...candidate, percent: rollout.weight, compare: config.compare } })
    else this.routes.delete(rollout.name)
  }

  private locked<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.config.supervisor.withLock(`rollout:${name}`, work)
  }

  /** True while `name@version` is the candidate of an active rollout (recovery must not move `latest` to it). */
  isCandidate(name: string, version: string): boolean {
    return this.active(name)?.candidate === version
  }

  /**
   * After a restart: each active rollout resumes from its last recorded step once its candidate
   * is ready again, or rolls back if the candidate does not come back healthy (or had not passed
   * acceptance). Until then, the proxy sends everything to the stable version.
   */
  resumeAfterRestart(): void {
    for (const rollout of this.config.state.listRollouts({ active: true })) {
      const accepted = (rollout.checks as Array<{ type?: string; passed?: boolean }>).some((c) => c.type === 'acceptance' && c.passed)
      if (!accepted || rollout.strategy === 'replace') {
        void this.locked(rollout.name, () => this.takeBack(rollout, 'failed', 'interrupted by a server restart before acceptance finished')).catch(() => undefined)
        continue
      }
      this.publish(rollout)
      void this.awaitCandidate(rollout).catch((error) => console.error(`rollout ${rollout.id}: resuming failed`, error))
    }
  }

  private async awaitCandidate(rollout: RolloutRecord): Promise<void> {
    const { state } = this.config
    const descriptor = this.config.registry.getPackage(state.getVersion(rollout.name, rollout.candidate)?.digest ?? '').descriptor as Descriptor
    const deadline = Date.now() + (descriptor.resources?.startupTimeoutSeconds ?? 60) * 1000 + 30_000
    for (;;) {
      if (this.closed) return
      const version = state.getVersion(rollout.name, rollout.candidate)
      const ready = (this.config.supervisor.instance(`${rollout.name}@${rollout.candidate}`)?.readyEndpoints().length ?? 0) > 0
      if (ready) break
      if (!version || version.desired !== 'running' || version.state === 'failed' || Date.now() > deadline) {
        await this.locked(rollout.name, () => this.takeBack(rollout, 'rolled-back', 'the candidate did not come back healthy after a server restart'))
        return
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    await this.locked(rollout.name, async () => {
      const current = state.getRollout(rollout.id)!
      this.emit(current, 'resumed after restart')
      this.schedule(current)
    })
  }

  close(): void {
    this.closed = true
    for (const id of [...this.timers.keys()]) this.unschedule(id)
  }
}
