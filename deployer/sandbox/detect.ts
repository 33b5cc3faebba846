/**
 * Whether models can run in bubblewrap here, decided once when the deployer opens: the programs
 * are looked up, then a real sandbox is made (the same flags every replica gets) and must run
 * `true`. `auto` falls back to no sandbox with one warning; `bwrap` refuses to start without it.
 */
import { existsSync, lstatSync, readlinkSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { execa } from 'execa'
import { createDeployerError } from '../errors.js'
import { buildBwrapArgs, type SandboxTools, type SystemEntry } from './_bwrap-args.js'

export type SandboxMode = 'auto' | 'bwrap' | 'none'
export const SANDBOX_MODES: readonly SandboxMode[] = ['auto', 'bwrap', 'none']

/** What the deployer runs models with, as `/ready` and the console report it. */
export interface SandboxStatus {
  requested: SandboxMode
  mode: 'bwrap' | 'none'
  /** One line saying why models are not sandboxed although they could have been asked to be; null when all is well. */
  warning: string | null
  /** True when models run as their own unprivileged user (the server is root). */
  ownUser: boolean
  tools?: SandboxTools
  system: SystemEntry[]
}

const INSTALL_HINT = 'install it (Debian/Ubuntu: apt-get install bubblewrap)'
const PROBE_TIMEOUT_MS = 15_000
/** The unprivileged user of the probe (nobody). */
const PROBE_UID = 65534

function findProgram(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name)
  }
  return undefined
}

/** The host's /bin, /lib, … as links to recreate (merged /usr) or folders to bind. */
function readSystemLayout(): SystemEntry[] {
  const entries: SystemEntry[] = []
  for (const path of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    try {
      const stat = lstatSync(path)
      if (stat.isSymbolicLink()) entries.push({ kind: 'symlink', path, target: readlinkSync(path) })
      else if (stat.isDirectory()) entries.push({ kind: 'dir', path })
    } catch {
      // absent on this system
    }
  }
  return entries
}

/**
 * Decides the sandbox for `requested`.
 * @example
 * const status = await detectSandbox('auto', { PATH: '/usr/bin:/bin' }) // { mode: 'bwrap', warning: null, … }
 */
export async function detectSandbox(requested: SandboxMode, env: Readonly<Record<string, string | undefined>>): Promise<SandboxStatus> {
  const ownUser = process.getuid?.() === 0
  const none = (warning: string | null): SandboxStatus => ({ requested, mode: 'none', warning, ownUser: false, system: [] })
  if (requested === 'none') return none(null)
  const unavailable = (why: string): SandboxStatus => {
    if (requested === 'bwrap') throw createDeployerError('E_SANDBOX_UNAVAILABLE', `--sandbox bwrap: ${why}`, { details: { requested } })
    return none(`models run without a sandbox: ${why}; ${INSTALL_HINT}, or pass --sandbox none to choose this`)
  }
  if (process.platform !== 'linux') return unavailable('bubblewrap needs Linux')
  const path = env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin'
  const bwrap = findProgram('bwrap', path)
  if (!bwrap) return unavailable('bubblewrap (bwrap) is not installed')
  const tools: Partial<SandboxTools> = { bwrap, setpriv: findProgram('setpriv', path), prlimit: findProgram('prlimit', path), env: findProgram('env', path), sh: findProgram('sh', path) }
  const missing = Object.entries(tools).filter(([, p]) => !p).map(([name]) => name)
  if (missing.length > 0) return unavailable(`${missing.join(', ')} not found (util-linux, coreutils)`)
  const system = readSystemLayout()
  const argv = buildBwrapArgs({
    spec: { command: tools.sh!, args: ['-c', 'exit 0'], cwd: '/', env: {} },
    sandbox: { readOnly: [], writable: [], ...(ownUser ? { uid: PROBE_UID, gid: PROBE_UID } : {}), limits: { openFiles: 64, processes: 4096 } },
    tools: tools as SandboxTools, system, grace: true,
  })
  const probe = await execa(argv[0]!, argv.slice(1), { env: {}, extendEnv: false, reject: false, timeout: PROBE_TIMEOUT_MS, stdin: 'ignore' })
  if (probe.exitCode !== 0) return unavailable(`bwrap cannot make a sandbox here (${String(probe.stderr || probe.shortMessage).trim().split('\n')[0]})`)
  return { requested, mode: 'bwrap', warning: null, ownUser, tools: tools as SandboxTools, system }
}
