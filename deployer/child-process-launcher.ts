/**
 * The launcher used today: each replica is a local child process, started with execa in its own
 * process group (`detached: true` makes it a session and group leader), with exactly the
 * environment of its LaunchSpec. Stopping signals the whole group, so a model that spawned helpers
 * leaves no orphans; when the leader exits on its own, what is left of its group is killed too.
 */
import { execa } from 'execa'
import { existsSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { createDeployerError } from './errors.js'
import type { ExitInfo, LaunchedProcess, Launcher, LaunchSpec } from './launcher.js'
import { signalProcessGroup, waitForProcessGroups } from './_leftover-processes.js'

/** After SIGKILL, how long to wait for the group to be gone before giving up on it. */
const KILL_SETTLE_MS = 5000

/**
 * Creates the child-process launcher.
 * @example
 * const launcher = createChildProcessLauncher()
 * const child = await launcher.launch({ command: process.execPath, args: ['server.js'], cwd, env: { PORT: '4000' } })
 * child.stdout.pipe(process.stdout)
 * await child.stop(5000)
 */
export function createChildProcessLauncher(): Launcher {
  return { name: 'child-process', launch: launchChildProcess }
}

async function launchChildProcess(spec: LaunchSpec): Promise<LaunchedProcess> {
  let subprocess: ReturnType<typeof execa>
  try {
    subprocess = execa(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      extendEnv: false, // the spec's env is the whole environment: nothing of the server's leaks
      detached: true,
      cleanup: false, // the server decides when instances stop, not execa's exit hook
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      windowsHide: true,
    })
  } catch (error) {
    throw launchFailed(spec, error)
  }
  // The execa promise also waits for stdout/stderr to close, which a grandchild holding them can
  // delay forever; only the leader's 'exit' event counts. With reject: false it never rejects.
  void Promise.resolve(subprocess).catch(() => undefined)
  if (subprocess.pid === undefined) {
    // spawn() failed (ENOENT, EACCES, a missing cwd): execa reports it as a failed result.
    const result = await subprocess
    throw launchFailed(spec, result.cause ?? result)
  }
  const pid: number = subprocess.pid

  let exitInfo: ExitInfo | undefined
  let groupGone = false
  let stopping: Promise<ExitInfo> | undefined
  let reaping: Promise<void> | undefined
  const exited = new Promise<ExitInfo>((resolve) => {
    subprocess.once('exit', (code, signal) => {
      exitInfo = { code, signal }
      // Orphans of a leader that exited on its own (a helper that ignored SIGTERM) die with it.
      if (!stopping && signalProcessGroup(pid, 'SIGKILL')) reaping = waitUntilGone(KILL_SETTLE_MS).then(() => undefined)
      else if (!stopping) groupGone = true
      resolve(exitInfo)
    })
  })

  /** Waits for the group to be empty; once it is, its number may be reused: never signal it again. */
  async function waitUntilGone(timeoutMs: number): Promise<boolean> {
    const gone = (await waitForProcessGroups([pid], timeoutMs)).length === 0
    if (gone) groupGone = true
    return gone
  }

  async function stopGroup(graceMs: number): Promise<ExitInfo> {
    await reaping
    if (!groupGone) {
      if (!exitInfo) signalProcessGroup(pid, 'SIGTERM')
      if (!(await waitUntilGone(Math.max(0, graceMs)))) {
        signalProcessGroup(pid, 'SIGKILL')
        await waitUntilGone(KILL_SETTLE_MS)
      }
    }
    if (exitInfo) return exitInfo
    // The group is dead, so 'exit' is due; a process stuck in the kernel may delay it.
    return Promise.race([exited, sleep(KILL_SETTLE_MS, { code: null, signal: 'SIGKILL' } as ExitInfo, { ref: false })])
  }

  return {
    pid,
    stdout: subprocess.stdout!,
    stderr: subprocess.stderr!,
    exited,
    stop(graceMs: number): Promise<ExitInfo> {
      stopping ??= stopGroup(graceMs)
      return stopping
    },
  }
}

function launchFailed(spec: LaunchSpec, error: unknown): Error {
  const os = error as NodeJS.ErrnoException
  const code = typeof os?.code === 'string' ? os.code : undefined
  // The OS says ENOENT for a missing working directory too; name the real culprit.
  const why = code === 'ENOENT' && !existsSync(spec.cwd) ? `the working directory ${spec.cwd} does not exist` : os?.message ?? String(error)
  return createDeployerError('E_LAUNCH_FAILED', `Cannot start ${spec.command}${code ? ` (${code})` : ''}: ${why}`, {
    path: spec.command,
    details: { command: spec.command, args: spec.args, cwd: spec.cwd, code },
    cause: error,
  })
}
