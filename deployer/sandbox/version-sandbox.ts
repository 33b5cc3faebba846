/**
 * The sandbox of one version: its own user (when the server is root: a uid/gid derived from the
 * data directory and `name@version`, so versions cannot touch each other's files or count against
 * each other's process limit), its private writable `home/`, what it sees read-only (`app/`,
 * `venv/`), its limits, and the bwrap command lines of its set-up steps.
 */
import { createHash } from 'node:crypto'
import { lchown, mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Descriptor } from '../../descriptors/descriptor.js'
import type { SandboxSpec } from '../launcher.js'
import { buildBwrapArgs } from './_bwrap-args.js'
import type { SandboxStatus } from './detect.js'
import { reportLimits, resolveLimits, type LimitsReport } from './limits.js'

/** Sandbox users are 0x40000000 + 24 bits of a hash: far above any real account. */
export const SANDBOX_UID_BASE = 0x4000_0000

/** What the instance info says about a version's sandbox. */
export interface SandboxInfo {
  mode: 'bwrap' | 'none'
  uid: number | null
  limits: LimitsReport
}

export interface VersionSandbox {
  readonly info: SandboxInfo
  /** The launch spec's sandbox for a replica (undefined without a sandbox). */
  readonly spec: SandboxSpec | undefined
  /** Variables replaced in the replica's environment (HOME, TMPDIR). */
  readonly env: Readonly<Record<string, string>>
  /** A set-up step's environment: `base` with HOME, TMPDIR and npm's cache in the sandbox. */
  setupEnv(base: Readonly<Record<string, string>>): Record<string, string>
  /** Creates home/ and venv/ and gives the version's files to its user, before set-up. */
  prepareFiles(): Promise<void>
  /** Gives home/ to the version's user before a launch (it may have been made by another mode). */
  prepareHome(): Promise<void>
  /** The command line of a set-up step (npm ci, venv, pip), sandboxed with app/ and venv/ writable. */
  wrapSetupStep(step: { command: string; args: string[]; cwd: string; env: Readonly<Record<string, string>> }): { command: string; args: string[] }
}

/**
 * The uid of `name@version` in the data directory `homeId`.
 * @example sandboxUid('3f2a…', 'echo@1.0.0') // 1075123456
 */
export function sandboxUid(homeId: string, ref: string): number {
  return SANDBOX_UID_BASE + parseInt(createHash('sha256').update(`${homeId}\0${ref}`).digest('hex').slice(0, 6), 16)
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await lchown(path, uid, gid)
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name)
    if (entry.isDirectory()) await chownTree(child, uid, gid)
    else await lchown(child, uid, gid)
  }
}

/**
 * The sandbox of a version under `status`.
 * @example
 * const sandbox = createVersionSandbox(deployer.sandbox, { homeId, ref: 'echo@1.0.0', descriptor, instanceDir, appDir })
 */
export function createVersionSandbox(status: SandboxStatus, version: { homeId: string; ref: string; descriptor: Descriptor; instanceDir: string; appDir: string }): VersionSandbox {
  const limits = resolveLimits(version.descriptor)
  const sandboxed = status.mode === 'bwrap'
  const uid = sandboxed && status.ownUser ? sandboxUid(version.homeId, version.ref) : undefined
  const info: SandboxInfo = { mode: status.mode, uid: uid ?? null, limits: reportLimits(limits, { sandboxed, ownUser: status.ownUser }) }
  const homeDir = join(version.instanceDir, 'home')
  const venvDir = join(version.instanceDir, 'venv')
  const user = uid !== undefined ? { uid, gid: uid } : {}
  const processLimits = { openFiles: limits.openFiles, ...(uid !== undefined ? { processes: limits.processes } : {}), ...(limits.memoryBytes ? { memoryBytes: limits.memoryBytes } : {}) }
  const isPython = version.descriptor.runtime.type === 'python'
  const runSpec: SandboxSpec | undefined = sandboxed ? { readOnly: [version.appDir, ...(isPython ? [venvDir] : [])], writable: [homeDir], ...user, limits: processLimits } : undefined
  const give = async (path: string, recursive: boolean) => {
    if (uid === undefined) return
    if (recursive) await chownTree(path, uid, uid)
    else await lchown(path, uid, uid)
  }
  return {
    info,
    spec: runSpec,
    env: sandboxed ? { HOME: homeDir, TMPDIR: '/tmp' } : {},
    setupEnv(base) {
      if (!sandboxed) return { ...base }
      // The server's npm cache (npm_config_cache when run under npm) is not in the sandbox.
      const kept = Object.fromEntries(Object.entries(base).filter(([key]) => !/^npm_config_cache$/i.test(key)))
      return { ...kept, HOME: homeDir, TMPDIR: '/tmp', npm_config_cache: join(homeDir, '.npm') }
    },
    async prepareFiles() {
      if (!sandboxed) return
      await mkdir(homeDir, { recursive: true })
      if (isPython) await mkdir(venvDir, { recursive: true })
      await give(version.appDir, true)
      await give(homeDir, true)
      if (isPython) await give(venvDir, true)
    },
    async prepareHome() {
      if (!sandboxed) return
      await mkdir(homeDir, { recursive: true })
      await give(homeDir, true)
    },
    wrapSetupStep(step) {
      if (!sandboxed) return { command: step.command, args: step.args }
      const sandbox: SandboxSpec = { readOnly: [], writable: [version.appDir, homeDir, ...(isPython ? [venvDir] : [])], ...user, limits: processLimits }
      const [command, ...args] = buildBwrapArgs({ spec: { ...step, env: { ...step.env } }, sandbox, tools: status.tools!, system: status.system, grace: false })
      return { command: command!, args }
    },
  }
}
