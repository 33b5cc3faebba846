/**
 * A launcher that runs every process inside bubblewrap, on top of another launcher (the child
 * process one): the spec is turned into a bwrap command line (_bwrap-args.ts) and run by the inner
 * launcher, so process groups, stops with grace and leftover finding work as before (the marker
 * variable is in bwrap's own environment too). bwrap reports a command killed by a signal as exit
 * code 128 + n, which is turned back into the signal.
 */
import { accessSync, constants, statSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { constants as os } from 'node:os'
import { delimiter, join } from 'node:path'
import { createDeployerError } from '../errors.js'
import type { ExitInfo, LaunchedProcess, Launcher, LaunchSpec, SandboxSpec } from '../launcher.js'
import { buildBwrapArgs, type SandboxTools, type SystemEntry } from './_bwrap-args.js'

const SIGNAL_NAMES = new Map(Object.entries(os.signals).map(([name, number]) => [number, name]))

/** bwrap's exit code for a command killed by signal n is 128 + n. */
function toExitInfo(info: ExitInfo): ExitInfo {
  const signal = info.code !== null && info.code > 128 ? SIGNAL_NAMES.get(info.code - 128) : undefined
  return signal ? { code: null, signal } : info
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** What the OS would say when starting the spec: checked here, as bwrap starts even when its command cannot. */
function checkStartable(spec: LaunchSpec): void {
  const fail = (code: string, why: string) => {
    throw createDeployerError('E_LAUNCH_FAILED', `Cannot start ${spec.command} (${code}): ${why}`, { path: spec.command, details: { command: spec.command, args: spec.args, cwd: spec.cwd, code } })
  }
  try {
    if (!statSync(spec.cwd).isDirectory()) fail('ENOTDIR', `the working directory ${spec.cwd} is not a directory`)
  } catch (error) {
    if ((error as { code?: string }).code === 'E_LAUNCH_FAILED') throw error
    fail('ENOENT', `the working directory ${spec.cwd} does not exist`)
  }
  if (spec.command.includes('/')) {
    try {
      statSync(spec.command)
    } catch {
      fail('ENOENT', 'no such file')
    }
    if (!isExecutable(spec.command)) fail('EACCES', 'not an executable file')
    return
  }
  const path = spec.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin'
  if (!path.split(delimiter).some((dir) => dir !== '' && isExecutable(join(dir, spec.command)))) fail('ENOENT', `not found on PATH ${path}`)
}

const SIGTERM_BIT = 1n << BigInt(os.signals.SIGTERM - 1)

/** True once a process of the sandbox under `leader` catches SIGTERM (the grace wrapper's trap is set). */
async function catchesTerm(leader: number): Promise<boolean> {
  const queue = [leader]
  while (queue.length > 0) {
    const pid = queue.shift()!
    try {
      const caught = /^SigCgt:\s+([0-9a-f]+)$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]
      if (caught && (BigInt(`0x${caught}`) & SIGTERM_BIT) !== 0n) return true
      for (const task of await readdir(`/proc/${pid}/task`)) {
        const children = (await readFile(`/proc/${pid}/task/${task}/children`, 'utf8')).trim()
        if (children) queue.push(...children.split(/\s+/).map(Number))
      }
    } catch {
      // gone meanwhile
    }
  }
  return false
}

/** How long a stop waits for a sandbox still being set up before its grace period starts. */
const SETUP_WAIT_MS = 10_000

/**
 * Until the sandbox is set up, everything in it ignores SIGTERM (inherited from bwrap): a stop
 * that early would be lost. Waits until the wrapper catches it (or the sandbox is gone); the
 * grace period starts then, so a loaded machine's slow set-up does not eat it.
 */
async function waitUntilStoppable(leader: number, exited: Promise<unknown>): Promise<void> {
  const started = Date.now()
  let done = false
  void exited.then(() => { done = true })
  while (!done && Date.now() - started < SETUP_WAIT_MS && !(await catchesTerm(leader))) await sleep(10)
}

/** How long to wait, once the sandbox has exited, for its output to be read to the end. */
const OUTPUT_SETTLE_MS = 2000

/**
 * Resolves once a stream being read has ended. Once bwrap has exited nothing in the sandbox holds
 * its output any more, so waiting is safe, and a last line without a newline is in the log
 * before the exit is reported. A stream nobody reads never ends: it is not waited for.
 */
function drained(stream: NodeJS.ReadableStream): Promise<void> {
  const readable = stream as NodeJS.ReadableStream & { readableEnded?: boolean; readableFlowing?: boolean | null; destroyed?: boolean }
  if (readable.readableEnded || readable.destroyed || readable.readableFlowing !== true) return Promise.resolve()
  return new Promise((resolve) => {
    stream.once('end', () => resolve())
    stream.once('close', () => resolve())
  })
}

/**
 * Wraps `inner` so each process runs sandboxed.
 * @example
 * const launcher = createSandboxedLauncher(createChildProcessLauncher(), { tools, system, defaultUid: 65534 })
 */
export function createSandboxedLauncher(inner: Launcher, config: { tools: SandboxTools; system: SystemEntry[]; defaultUid?: number }): Launcher {
  return {
    name: `bwrap+${inner.name}`,
    async launch(spec: LaunchSpec): Promise<LaunchedProcess> {
      checkStartable(spec)
      const sandbox: SandboxSpec = spec.sandbox ?? { readOnly: [spec.cwd], writable: [], ...(config.defaultUid !== undefined ? { uid: config.defaultUid, gid: config.defaultUid } : {}) }
      const covered = [...sandbox.readOnly, ...sandbox.writable].some((p) => spec.cwd === p || spec.cwd.startsWith(`${p}/`))
      const effective = covered ? sandbox : { ...sandbox, readOnly: [...sandbox.readOnly, spec.cwd] }
      const [bwrap, ...bwrapArgs] = buildBwrapArgs({ spec, sandbox: effective, tools: config.tools, system: config.system, grace: true })
      // bwrap itself ignores SIGTERM, so a stop reaches the command and its helpers and they get
      // their grace period; the SIGKILL after it ends bwrap, and --die-with-parent everything inside.
      const child = await inner.launch({ command: config.tools.env, args: ['--ignore-signal=TERM', bwrap!, ...bwrapArgs], cwd: '/', env: spec.env })
      const settle = async (info: ExitInfo): Promise<ExitInfo> => {
        await Promise.race([Promise.all([drained(child.stdout), drained(child.stderr)]), sleep(OUTPUT_SETTLE_MS, undefined, { ref: false })])
        return toExitInfo(info)
      }
      const exited = child.exited.then(settle)
      let stopping: Promise<ExitInfo> | undefined
      return {
        pid: child.pid,
        stdout: child.stdout,
        stderr: child.stderr,
        exited,
        stop: async (graceMs: number) => {
          stopping ??= waitUntilStoppable(child.pid, child.exited).then(() => child.stop(graceMs)).then(settle)
          return stopping
        },
      }
    },
  }
}
