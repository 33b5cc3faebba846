/**
 * One replica of a version: a process launched on a port the OS handed out, watched until its
 * health check answers 2xx, then checked every few seconds. It restarts itself when the process
 * exits or fails its health check too often, with exponential backoff up to a cap, and gives up
 * (state `failed`) after too many restarts in a short window. Stopping is SIGTERM, a grace period,
 * then SIGKILL of the whole process group.
 */
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { checkHealth, waitForHealthy } from '../health-check.js'
import type { LaunchedProcess, Launcher, LaunchSpec } from '../launcher.js'
import type { LogStore } from '../log-store.js'
import type { ResolvedDeployerOptions } from '../options.js'
import { getFreePort } from '../port-pool.js'

export type ReplicaState = 'starting' | 'ready' | 'unhealthy' | 'crashed' | 'restarting' | 'failed' | 'stopping' | 'stopped'

export interface ReplicaStatus {
  index: number
  state: ReplicaState
  reason: string | null
  since: string
  pid: number | null
  port: number | null
  restarts: number
  startedAt: string | null
}

export interface ReplicaConfig {
  source: string
  index: number
  launcher: Launcher
  logs: LogStore
  options: ResolvedDeployerOptions
  healthPath: string
  startupTimeoutMs: number
  /** The launch spec for a port and a per-launch token (the env carries both). */
  makeSpec(port: number, token: string): LaunchSpec
  onChange(status: ReplicaStatus): void
  onLaunch(process: { pid: number; port: number; token: string }): void
  onExit(): void
}

export class Replica {
  private state: ReplicaState = 'stopped'
  private reason: string | null = null
  private since = new Date().toISOString()
  private process: LaunchedProcess | undefined
  private port: number | null = null
  private startedAt: string | null = null
  private restarts = 0
  private recentRestarts: number[] = []
  private consecutiveFailures = 0
  private failedChecks = 0
  private monitor: NodeJS.Timeout | undefined
  private stopping: AbortController | undefined
  private checking = false
  private restartLoop = false

  constructor(private readonly config: ReplicaConfig) {}

  get status(): ReplicaStatus {
    return { index: this.config.index, state: this.state, reason: this.reason, since: this.since, pid: this.process?.pid ?? null, port: this.port, restarts: this.restarts, startedAt: this.startedAt }
  }

  private setState(state: ReplicaState, reason: string | null = null): void {
    if (state === this.state && reason === this.reason) return
    this.state = state
    this.reason = reason
    this.since = new Date().toISOString()
    this.config.onChange(this.status)
  }

  private note(line: string): void {
    this.config.logs.append(this.config.source, { stream: 'system', replica: this.config.index, line })
  }

  /** Launches and waits for health; true once ready. A failure leaves no process behind. */
  private async launch(signal: AbortSignal): Promise<{ ok: boolean; reason: string }> {
    const port = await getFreePort('127.0.0.1')
    const token = randomBytes(12).toString('hex')
    let child: LaunchedProcess
    try {
      child = await this.config.launcher.launch(this.config.makeSpec(port, token))
    } catch (error) {
      return { ok: false, reason: (error as Error).message }
    }
    this.process = child
    this.port = port
    this.startedAt = new Date().toISOString()
    this.config.onLaunch({ pid: child.pid, port, token })
    void this.config.logs.capture(this.config.source, child.stdout, { stream: 'stdout', replica: this.config.index })
    void this.config.logs.capture(this.config.source, child.stderr, { stream: 'stderr', replica: this.config.index })
    let exit: string | undefined
    void child.exited.then((info) => {
      exit = info.signal ? `killed by ${info.signal}` : `exited with code ${info.code}`
      this.handleExit(child, exit)
    })
    const health = await waitForHealthy(`http://127.0.0.1:${port}${this.config.healthPath}`, { timeoutMs: this.config.startupTimeoutMs, signal, exited: child.exited })
    if (health.ok) return { ok: true, reason: '' }
    const why = exit ? `the process ${exit} before its health check answered` : signal.aborted ? 'stopped' : `no 2xx from ${this.config.healthPath} within ${this.config.startupTimeoutMs / 1000} s (last: ${health.error ?? `HTTP ${health.status}`})`
    await this.kill()
    return { ok: false, reason: why }
  }

  /** Stops the current process. It is detached first, so its exit is not taken for a crash. */
  private async kill(): Promise<void> {
    const child = this.process
    if (!child) return
    this.process = undefined
    this.port = null
    await child.stop(this.config.options.stopGraceMs)
    this.config.onExit()
  }

  /**
   * Starts the replica. With `supervise: false` (a first deploy) a failed start is final; with
   * `supervise: true` (recovery after a restart) it is retried like a crash.
   */
  async start(options: { supervise: boolean }): Promise<boolean> {
    this.stopping = new AbortController()
    this.setState('starting')
    const result = await this.launch(this.stopping.signal)
    if (this.stopping.signal.aborted) return false
    if (result.ok) {
      this.becomeReady()
      return true
    }
    if (options.supervise) {
      void this.restart(result.reason)
      return false
    }
    this.setState('failed', result.reason)
    return false
  }

  private becomeReady(): void {
    this.consecutiveFailures = 0
    this.failedChecks = 0
    this.setState('ready')
    this.note(`replica ${this.config.index} ready on port ${this.port}`)
    this.startMonitor()
  }

  private handleExit(child: LaunchedProcess, exit: string): void {
    if (this.process !== child) return
    this.process = undefined
    this.port = null
    this.config.onExit()
    // A restart in progress owns the replica; states that are not serving expect no process.
    if (this.restartLoop || ['stopping', 'stopped', 'starting', 'failed'].includes(this.state)) return
    this.note(`replica ${this.config.index} ${exit}`)
    this.setState('crashed', exit)
    void this.restart(exit)
  }

  /**
   * Relaunches until the replica is ready, with exponential backoff; gives up (failed) after too
   * many restarts in the window or too many failed launches in a row. One loop at a time: a crash
   * and a failing health check arriving together restart once.
   */
  private async restart(reason: string): Promise<void> {
    if (this.restartLoop) return
    this.restartLoop = true
    const { crashLoopLimit, crashLoopWindowMs, restartInitialDelayMs, restartMaxDelayMs } = this.config.options
    try {
      for (let why = reason; ;) {
        const signal = this.stopping?.signal
        if (!signal || signal.aborted) return
        this.stopMonitor()
        const now = Date.now()
        this.recentRestarts = [...this.recentRestarts.filter((t) => now - t < crashLoopWindowMs), now]
        if (this.recentRestarts.length > crashLoopLimit || this.consecutiveFailures >= crashLoopLimit) {
          await this.kill()
          const count = Math.max(this.recentRestarts.length - 1, this.consecutiveFailures)
          this.setState('failed', `crash loop: ${count} restarts within ${crashLoopWindowMs / 1000} s or in a row; last: ${why}`)
          return
        }
        const delay = Math.min(restartMaxDelayMs, restartInitialDelayMs * 2 ** this.consecutiveFailures)
        this.consecutiveFailures++
        this.restarts++
        this.setState('restarting', `${why}; restarting in ${delay} ms`)
        await sleep(delay, undefined, { signal }).catch(() => undefined)
        if (signal.aborted) return
        await this.kill()
        this.setState('starting', `restart ${this.restarts}`)
        const result = await this.launch(signal)
        if (signal.aborted) return
        if (result.ok) {
          this.becomeReady()
          return
        }
        why = result.reason
      }
    } finally {
      this.restartLoop = false
    }
  }

  private startMonitor(): void {
    this.stopMonitor()
    this.monitor = setInterval(() => void this.checkOnce(), this.config.options.healthIntervalMs)
    this.monitor.unref()
  }

  private stopMonitor(): void {
    if (this.monitor) clearInterval(this.monitor)
    this.monitor = undefined
  }

  private async checkOnce(): Promise<void> {
    if (this.checking || !this.port || (this.state !== 'ready' && this.state !== 'unhealthy')) return
    this.checking = true
    try {
      const result = await checkHealth(`http://127.0.0.1:${this.port}${this.config.healthPath}`, Math.min(5000, this.config.options.healthIntervalMs))
      if (this.state !== 'ready' && this.state !== 'unhealthy') return
      if (result.ok) {
        this.failedChecks = 0
        if (this.state === 'unhealthy') this.setState('ready')
        return
      }
      this.failedChecks++
      const why = `health check failed ${this.failedChecks} time(s): ${result.error ?? `HTTP ${result.status}`}`
      if (this.failedChecks >= this.config.options.unhealthyThreshold) void this.restart(why)
      else this.setState('unhealthy', why)
    } finally {
      this.checking = false
    }
  }

  /** Stops supervising without stopping the process: the next server run finds and stops it. */
  detach(): void {
    this.stopping?.abort()
    this.stopMonitor()
    this.process = undefined
  }

  /** Stops the process (SIGTERM, grace, SIGKILL) and any pending restart. */
  async stop(): Promise<void> {
    this.stopping?.abort()
    this.stopMonitor()
    if (this.state === 'stopped') return
    this.setState('stopping')
    await this.kill()
    this.setState('stopped')
  }
}
