/**
 * An instance: one version of a model running as N replicas of the same command. It builds each
 * replica's environment from scratch (the server's few safe variables, the descriptor's env, the
 * port, HOST=127.0.0.1 and FERRY_* identity) and folds the replicas' states into the version's.
 */
import type { Descriptor } from '../../descriptors/descriptor.js'
import type { Launcher } from '../launcher.js'
import type { LogStore } from '../log-store.js'
import type { ResolvedDeployerOptions } from '../options.js'
import { Replica, type ReplicaStatus } from './replica.js'
import { protocolEnv } from './_protocol-env.js'
import type { RuntimeCommand } from '../runtime.js'
import type { InstanceState } from '../state-store.js'

export interface InstanceConfig {
  name: string
  version: string
  descriptor: Descriptor
  command: RuntimeCommand
  replicas: number
  launcher: Launcher
  logs: LogStore
  options: ResolvedDeployerOptions
  onReplicaChange(status: ReplicaStatus): void
  onStateChange(state: InstanceState, reason: string | null): void
  onLaunch(replica: number, process: { pid: number; port: number; token: string }): void
  onExit(replica: number): void
}

/** The version's state from its replicas': ready while any replica can take traffic. */
export function foldReplicaStates(replicas: ReplicaStatus[]): { state: InstanceState; reason: string | null } {
  const states = replicas.map((r) => r.state)
  const pick = (state: InstanceState) => ({ state, reason: replicas.find((r) => r.state === state)?.reason ?? null })
  if (states.length === 0 || states.every((s) => s === 'stopped')) return { state: 'stopped', reason: null }
  if (states.includes('stopping')) return pick('stopping')
  if (states.every((s) => s === 'failed')) return pick('failed')
  for (const state of ['ready', 'unhealthy', 'restarting', 'crashed', 'starting'] as const) if (states.includes(state)) return pick(state)
  return pick('failed')
}

export class Instance {
  readonly ref: string
  private readonly replicas: Replica[] = []
  private last: { state: InstanceState; reason: string | null } = { state: 'stopped', reason: null }

  constructor(private readonly config: InstanceConfig) {
    this.ref = `${config.name}@${config.version}`
    for (let i = 0; i < config.replicas; i++) this.replicas.push(this.createReplica(i))
  }

  private environment(index: number, port: number, token: string): Record<string, string> {
    const { name, version, descriptor, options } = this.config
    return {
      ...options.baseEnv,
      ...(descriptor.runtime.env ?? {}),
      ...options.instanceEnv?.({ name, version }),
      ...protocolEnv(descriptor, name, version, port),
      [descriptor.api.portEnv ?? 'PORT']: String(port),
      PORT: String(port),
      HOST: '127.0.0.1',
      FERRY_MODEL: name,
      FERRY_VERSION: version,
      FERRY_INSTANCE: this.ref,
      FERRY_REPLICA: String(index),
      FERRY_HOME_ID: options.homeId,
      FERRY_LAUNCH_TOKEN: token,
    }
  }

  private createReplica(index: number): Replica {
    const { descriptor, command } = this.config
    return new Replica({
      source: this.ref,
      index,
      launcher: this.config.launcher,
      logs: this.config.logs,
      options: this.config.options,
      healthPath: descriptor.api.health,
      startupTimeoutMs: (descriptor.resources?.startupTimeoutSeconds ?? 60) * 1000,
      makeSpec: (port, token) => ({ command: command.command, args: command.args, cwd: command.cwd, env: this.environment(index, port, token) }),
      onChange: (status) => {
        this.config.onReplicaChange(status)
        this.publishState()
      },
      onLaunch: (process) => this.config.onLaunch(index, process),
      onExit: () => this.config.onExit(index),
    })
  }

  private publishState(): void {
    const next = foldReplicaStates(this.replicas.map((r) => r.status))
    if (next.state === this.last.state && next.reason === this.last.reason) return
    this.last = next
    this.config.onStateChange(next.state, next.reason)
  }

  get state(): { state: InstanceState; reason: string | null } {
    return this.last
  }

  get replicaStatuses(): ReplicaStatus[] {
    return this.replicas.map((r) => r.status)
  }

  /** Ports of the replicas that can take traffic now. */
  readyEndpoints(): Array<{ replica: number; port: number }> {
    return this.replicas.map((r) => r.status).filter((s) => s.state === 'ready' && s.port !== null).map((s) => ({ replica: s.index, port: s.port! }))
  }

  /** Starts every replica at once; true when all became ready. */
  async start(options: { supervise: boolean }): Promise<boolean> {
    const results = await Promise.all(this.replicas.map((r) => r.start(options)))
    return results.every(Boolean)
  }

  /** Stops every replica (SIGTERM, grace, SIGKILL). */
  async stop(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.stop()))
    this.publishState()
  }

  /** Stops supervising and leaves the processes running (for a shutdown that keeps instances). */
  detach(): void {
    for (const replica of this.replicas) replica.detach()
  }

  /** Why replicas failed, one line each, for error messages. */
  failureReasons(): string[] {
    return this.replicas.map((r) => r.status).filter((s) => s.state !== 'ready').map((s) => `replica ${s.index}: ${s.reason ?? s.state}`)
  }
}
