/**
 * The deployer's options, resolved once: explicit value → environment variable → default. Nothing
 * else in the deployer reads process.env; the environment handed to model processes is built from
 * `baseEnv` here, never from the server's own variables.
 */
import { createHash } from 'node:crypto'
import { resolve } from 'node:path'
import type { Launcher } from './launcher.js'
import { createDeployerError } from './errors.js'
import { SANDBOX_MODES, type SandboxMode } from './sandbox/detect.js'
import { resolveUnpackLimits, type ResolvedUnpackLimits, type UnpackLimits } from './unpack-limits.js'

/** Extra environment for a replica of `name@version`, asked for at each launch. */
export type InstanceEnv = (ref: { name: string; version: string }) => Readonly<Record<string, string>>

export interface DeployerOptions {
  /** The data directory (FERRY_HOME, default ./.ferry). */
  dataDir?: string
  cwd?: string
  /** Where environment variables are read from (default process.env). */
  env?: NodeJS.ProcessEnv
  unpackLimits?: UnpackLimits
  /** How often a ready replica's health is checked (default 2000 ms). */
  healthIntervalMs?: number
  /** Failed health checks in a row after which a replica is restarted (default 3). */
  unhealthyThreshold?: number
  /** Restart backoff: first delay, cap (defaults 250 ms, 30 s), doubling each time. */
  restartInitialDelayMs?: number
  restartMaxDelayMs?: number
  /** Restarts within `crashLoopWindowMs` after which the version is marked failed (defaults 5 in 60 s). */
  crashLoopLimit?: number
  crashLoopWindowMs?: number
  /** SIGTERM → SIGKILL grace period (FERRY_STOP_GRACE_MS, default 5000 ms). */
  stopGraceMs?: number
  /** Python used to create each version's virtual environment (FERRY_PYTHON, default python3). */
  python?: string
  launcher?: Launcher
  /** Variables added to each replica's environment at launch (the gateway's tracking URL and token). */
  instanceEnv?: InstanceEnv
  logs?: { maxFileBytes?: number; maxFiles?: number; tailLines?: number }
  /** How models are sandboxed (FERRY_SANDBOX, default auto): bwrap when installed, bwrap or refuse, none. */
  sandbox?: SandboxMode | string
  /** How long a retired version may take to finish its requests in flight (FERRY_DRAIN_TIMEOUT_MS, default 30000 ms). */
  drainTimeoutMs?: number
  /** How long its open streams (server-sent events, WebSockets) are given before it stops (FERRY_STREAM_GRACE_MS, default 5000 ms). */
  streamGraceMs?: number
  /** How long one acceptance example may take to be answered (default 10000 ms). */
  acceptanceTimeoutMs?: number
}

export interface ResolvedDeployerOptions {
  readonly dataDir: string
  /** Marks every process this data directory starts (FERRY_HOME_ID), so leftovers can be found. */
  readonly homeId: string
  readonly unpackLimits: ResolvedUnpackLimits
  readonly healthIntervalMs: number
  readonly unhealthyThreshold: number
  readonly restartInitialDelayMs: number
  readonly restartMaxDelayMs: number
  readonly crashLoopLimit: number
  readonly crashLoopWindowMs: number
  readonly stopGraceMs: number
  readonly python: string
  readonly launcher: Launcher | undefined
  readonly instanceEnv: InstanceEnv | undefined
  readonly logs: Readonly<{ maxFileBytes?: number; maxFiles?: number; tailLines?: number }>
  readonly drainTimeoutMs: number
  readonly streamGraceMs: number
  readonly acceptanceTimeoutMs: number
  /** The few server variables model processes see: PATH, HOME, locale, TZ, TMPDIR. */
  readonly baseEnv: Readonly<Record<string, string>>
  /** What set-up steps (npm ci, pip) see: baseEnv plus proxies and npm/pip settings, which may hold credentials. */
  readonly setupEnv: Readonly<Record<string, string>>
  /** The sandbox asked for; what is used is decided when the deployer opens (deployer.sandbox). */
  readonly sandbox: SandboxMode
}

const PASSED_TO_INSTANCES = /^(PATH|HOME|LANG|LC_[A-Z]+|TZ|TMPDIR)$/
const PASSED_TO_SETUP = /^((HTTPS?|NO)_PROXY|(https?|no)_proxy|npm_config_[a-z_]+|NPM_CONFIG_[A-Z_]+|PIP_INDEX_URL|PIP_EXTRA_INDEX_URL|PIP_TRUSTED_HOST)$/

function sandboxMode(value: string): SandboxMode {
  if (!(SANDBOX_MODES as readonly string[]).includes(value)) throw createDeployerError('E_SANDBOX_MODE_INVALID', `the sandbox must be one of ${SANDBOX_MODES.join(', ')}, not "${value}"`, { details: { sandbox: value } })
  return value as SandboxMode
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`deployer option ${name} must be a positive number, got ${value}`)
  return value
}

/**
 * Resolves deployer options once.
 * @example
 * const options = resolveDeployerOptions({ dataDir: '/var/lib/ferry' })
 */
export function resolveDeployerOptions(options: DeployerOptions = {}): ResolvedDeployerOptions {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  const dataDir = resolve(cwd, options.dataDir ?? env['FERRY_HOME'] ?? '.ferry')
  const baseEnv: Record<string, string> = {}
  const setupEnv: Record<string, string> = {}
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue
    if (PASSED_TO_INSTANCES.test(key)) baseEnv[key] = value
    if (PASSED_TO_INSTANCES.test(key) || PASSED_TO_SETUP.test(key)) setupEnv[key] = value
  }
  baseEnv['PATH'] ??= '/usr/local/bin:/usr/bin:/bin'
  setupEnv['PATH'] ??= baseEnv['PATH']
  return Object.freeze({
    dataDir,
    homeId: createHash('sha256').update(dataDir).digest('hex').slice(0, 16),
    unpackLimits: resolveUnpackLimits(options.unpackLimits),
    healthIntervalMs: positive('healthIntervalMs', options.healthIntervalMs ?? 2000),
    unhealthyThreshold: positive('unhealthyThreshold', options.unhealthyThreshold ?? 3),
    restartInitialDelayMs: positive('restartInitialDelayMs', options.restartInitialDelayMs ?? 250),
    restartMaxDelayMs: positive('restartMaxDelayMs', options.restartMaxDelayMs ?? 30_000),
    crashLoopLimit: positive('crashLoopLimit', options.crashLoopLimit ?? 5),
    crashLoopWindowMs: positive('crashLoopWindowMs', options.crashLoopWindowMs ?? 60_000),
    stopGraceMs: positive('stopGraceMs', options.stopGraceMs ?? Number(env['FERRY_STOP_GRACE_MS'] ?? 5000)),
    python: options.python ?? env['FERRY_PYTHON'] ?? 'python3',
    launcher: options.launcher,
    instanceEnv: options.instanceEnv,
    logs: Object.freeze({ ...options.logs }),
    drainTimeoutMs: positive('drainTimeoutMs', options.drainTimeoutMs ?? Number(env['FERRY_DRAIN_TIMEOUT_MS'] ?? 30_000)),
    streamGraceMs: positive('streamGraceMs', options.streamGraceMs ?? Number(env['FERRY_STREAM_GRACE_MS'] ?? 5000)),
    acceptanceTimeoutMs: positive('acceptanceTimeoutMs', options.acceptanceTimeoutMs ?? 10_000),
    baseEnv: Object.freeze(baseEnv),
    setupEnv: Object.freeze(setupEnv),
    sandbox: sandboxMode(options.sandbox ?? env['FERRY_SANDBOX'] ?? 'auto'),
  })
}
