/**
 * The contract every Launcher passes (STYLE.md §3, as hono's routers share one case file): the
 * exact environment, streamed output, exit reporting, whole-group stops with a SIGKILL after the
 * grace period, idempotent stops, a FerryError for a program that cannot start, and an HTTP model
 * that becomes healthy. Run it from a `*.test.ts` file: `runLauncherContract('child-process', createChildProcessLauncher)`.
 */
import assert from 'node:assert/strict'
import { chmod, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { checkHealth, waitForHealthy } from '../deployer/health-check.js'
import type { LaunchedProcess, Launcher, LaunchSpec } from '../deployer/launcher.js'
import { getFreePort } from '../deployer/port-pool.js'
import { isProcessRunning } from '../deployer/_leftover-processes.js'
import { FerryError } from '../packager/ferry-error.js'
import { ferryPath } from '../packager/repo-root.js'
import { makeTempDir, writeTree } from './_helpers.js'

/** A spec running `test/fixtures/programs/<program>` with node and exactly `env`. */
export function fixtureSpec(program: string, args: string[] = [], env: Record<string, string> = {}): LaunchSpec {
  return { command: process.execPath, args: [ferryPath('test', 'fixtures', 'programs', program), ...args], cwd: ferryPath(), env }
}

/** Reads a stream line by line from now on; `next(match)` waits for a matching line. */
export function readLines(stream: NodeJS.ReadableStream): { lines: string[]; next(match?: (line: string) => boolean, timeoutMs?: number): Promise<string> } {
  const lines: string[] = []
  let partial = ''
  let waiters: Array<() => void> = []
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n')
    partial = parts.pop() ?? ''
    lines.push(...parts)
    const woken = waiters
    waiters = []
    for (const wake of woken) wake()
  })
  return {
    lines,
    async next(match = () => true, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = lines.find(match)
        if (found !== undefined) return found
        if (Date.now() > deadline) throw new Error(`no matching line within ${timeoutMs} ms; got ${JSON.stringify(lines)}`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50)
          waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
    },
  }
}

/**
 * The host's number for the process of `group` that reported `pid` as its own: a sandboxed
 * process lives in its own PID namespace and sees other numbers (the last of /proc/<pid>/status
 * NSpid). Unsandboxed, it is `pid` itself.
 */
export async function toHostPid(leader: number, pid: number): Promise<number> {
  if (process.platform !== 'linux') return pid
  // Walk the leader's descendants (a few reads, so it is quick enough to catch short-lived ones).
  const queue = [leader]
  while (queue.length > 0) {
    const current = queue.shift()!
    try {
      const nspid = /^NSpid:\s+(.+)$/m.exec(await readFile(`/proc/${current}/status`, 'utf8'))?.[1]?.trim().split(/\s+/).map(Number)
      if (nspid?.at(-1) === pid && (current === pid || nspid.length > 1)) return current
      for (const task of await readdir(`/proc/${current}/task`)) {
        const children = (await readFile(`/proc/${current}/task/${task}/children`, 'utf8')).trim()
        if (children) queue.push(...children.split(/\s+/).map(Number))
      }
    } catch {
      // gone meanwhile
    }
  }
  return pid
}

/** Reads the `{ pid, childPid }` line of spawns-child.js, as host pids. */
async function readSpawnedPids(child: LaunchedProcess): Promise<{ pid: number; childPid: number }> {
  const reported = JSON.parse(await readLines(child.stdout).next()) as { pid: number; childPid: number }
  return { pid: await toHostPid(child.pid, reported.pid), childPid: await toHostPid(child.pid, reported.childPid) }
}

/** Waits until `pid` no longer runs (a zombie counts as gone); false after `timeoutMs`. */
export async function waitForProcessGone(pid: number, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (await isProcessRunning(pid)) {
    if (Date.now() > deadline) return false
    await sleep(20)
  }
  return true
}

/** Kills `pids` in teardown, whatever the test did. */
function killInTeardown(t: TestContext, ...pids: number[]): void {
  t.after(() => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  })
}

/**
 * Registers the launcher contract tests for one launcher. `leaderOutlivesHelpers`: the launched
 * process (a sandbox) exits only once everything in it has, so a helper that ignores SIGTERM
 * makes its stop end with SIGKILL.
 * @example
 * runLauncherContract('child-process', createChildProcessLauncher)
 */
export function runLauncherContract(name: string, makeLauncher: () => Launcher, traits: { leaderOutlivesHelpers?: boolean } = {}): void {
  async function launch(t: TestContext, spec: LaunchSpec): Promise<LaunchedProcess> {
    const child = await makeLauncher().launch(spec)
    t.after(() => child.stop(200))
    killInTeardown(t, child.pid)
    return child
  }

  describe(`launcher contract: ${name}`, () => {
    test('the process sees exactly the environment given, nothing of the server', async (t) => {
      const before = process.env['FERRY_TOKEN']
      process.env['FERRY_TOKEN'] = 'server-secret'
      t.after(() => {
        if (before === undefined) delete process.env['FERRY_TOKEN']
        else process.env['FERRY_TOKEN'] = before
      })
      const env = { PORT: '4321', HOST: '127.0.0.1', FERRY_INSTANCE: 'tiny@1.0.0', GREETING: 'hello world', EMPTY: '' }
      const child = await launch(t, fixtureSpec('print-env.js', [], env))
      const seen = JSON.parse(await readLines(child.stdout).next()) as Record<string, string>
      assert.equal(seen['FERRY_TOKEN'], undefined, 'a secret of the server does not leak')
      assert.equal(seen['PATH'], undefined, 'no PATH unless given')
      assert.deepEqual(seen, env)
    })

    test('stdout and stderr are streamed while the process runs', async (t) => {
      const child = await launch(t, fixtureSpec('talk.js', ['ahoy']))
      const [out, err] = await Promise.all([readLines(child.stdout).next(), readLines(child.stderr).next()])
      assert.equal(out, 'out:ahoy')
      assert.equal(err, 'err:ahoy')
      const running = await Promise.race([child.exited.then(() => false), sleep(50, true)])
      assert.equal(running, true, 'output arrived before the process exited')
    })

    test('the exit code is reported', async (t) => {
      const child = await launch(t, fixtureSpec('exit-with.js', ['3', '50']))
      assert.deepEqual(await child.exited, { code: 3, signal: null })
    })

    test('death by a signal is reported', async (t) => {
      const child = await launch(t, fixtureSpec('exit-with.js', ['SIGTERM']))
      assert.deepEqual(await child.exited, { code: null, signal: 'SIGTERM' })
    })

    test('stop() kills the process and the grandchild it spawned', async (t) => {
      const child = await launch(t, fixtureSpec('spawns-child.js'))
      const { pid, childPid } = await readSpawnedPids(child)
      killInTeardown(t, pid, childPid)
      assert.ok(await isProcessRunning(childPid), 'the grandchild runs')
      const exit = await child.stop(2000)
      assert.equal(exit.signal, 'SIGTERM')
      assert.equal(await isProcessRunning(pid), false, 'the process is gone')
      assert.equal(await isProcessRunning(childPid), false, 'the grandchild is gone')
      assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' })
    })

    test('stop() SIGKILLs a grandchild that ignores SIGTERM after the grace period', async (t) => {
      const child = await launch(t, fixtureSpec('spawns-child.js', ['--ignore-term']))
      const { childPid } = await readSpawnedPids(child)
      killInTeardown(t, childPid)
      const started = Date.now()
      const exit = await child.stop(300)
      // A sandbox's leader (bwrap) lasts as long as anything in it, so it ends with the SIGKILL.
      assert.equal(exit.signal, traits.leaderOutlivesHelpers ? 'SIGKILL' : 'SIGTERM', 'the leader obeyed SIGTERM')
      assert.ok(Date.now() - started >= 250, 'the grandchild got its grace period')
      assert.equal(await isProcessRunning(childPid), false, 'the grandchild is gone')
    })

    test('a grandchild left when the process exits by itself is killed too', async (t) => {
      const child = await launch(t, fixtureSpec('spawns-child.js', ['--ignore-term', '--exit-after=100']))
      const { childPid } = await readSpawnedPids(child)
      killInTeardown(t, childPid)
      assert.deepEqual(await child.exited, { code: 0, signal: null })
      assert.ok(await waitForProcessGone(childPid, 3000), 'the orphaned grandchild is gone')
    })

    test('stop() SIGKILLs a process that ignores SIGTERM after the grace period', async (t) => {
      const child = await launch(t, fixtureSpec('ignores-sigterm.js'))
      const lines = readLines(child.stdout)
      await lines.next((line) => line === 'ready')
      const started = Date.now()
      const exit = await child.stop(300)
      const elapsed = Date.now() - started
      assert.deepEqual(exit, { code: null, signal: 'SIGKILL' })
      assert.ok(elapsed >= 250 && elapsed < 5000, `stopped after ${elapsed} ms`)
      await lines.next((line) => line === 'SIGTERM ignored')
    })

    test('stop() is idempotent, and fine after the process exited', async (t) => {
      const running = await launch(t, fixtureSpec('print-env.js'))
      // A generous grace: a SIGTERM that reaches a sandbox still setting up on a loaded machine is
      // only acted on once its program runs, and stop() returns as soon as the process is gone.
      const [a, b] = await Promise.all([running.stop(10_000), running.stop(10_000)])
      assert.deepEqual(a, { code: null, signal: 'SIGTERM' })
      assert.deepEqual(b, a)
      assert.deepEqual(await running.stop(1000), a)
      assert.deepEqual(await running.exited, a)

      const exited = await launch(t, fixtureSpec('exit-with.js', ['7']))
      assert.deepEqual(await exited.exited, { code: 7, signal: null })
      assert.deepEqual(await exited.stop(1000), { code: 7, signal: null })
      assert.deepEqual(await exited.stop(1000), { code: 7, signal: null })
    })

    test('a program that cannot be started rejects with E_LAUNCH_FAILED', async (t) => {
      const dir = await makeTempDir(t)
      await writeTree(dir, { 'not-executable.sh': '#!/bin/sh\necho hi\n' })
      await chmod(join(dir, 'not-executable.sh'), 0o644)
      const launcher = makeLauncher()
      const cases: Array<[string, LaunchSpec]> = [
        ['missing program', { command: join(dir, 'no-such-program'), args: [], cwd: dir, env: {} }],
        ['not executable', { command: join(dir, 'not-executable.sh'), args: [], cwd: dir, env: {} }],
        ['missing working directory', { ...fixtureSpec('print-env.js'), cwd: join(dir, 'no-such-dir') }],
      ]
      for (const [what, spec] of cases) {
        await assert.rejects(launcher.launch(spec), (error: unknown) => {
          assert.ok(error instanceof FerryError, `${what}: a FerryError`)
          assert.equal(error.code, 'E_LAUNCH_FAILED', what)
          return true
        })
      }
    })

    test('an HTTP model on a port from getFreePort becomes healthy', async (t) => {
      const port = await getFreePort()
      const child = await launch(t, fixtureSpec('http-server.js', [], { PORT: String(port), HOST: '127.0.0.1', HEALTH_DELAY_MS: '300' }))
      const health = await waitForHealthy(`http://127.0.0.1:${port}/health`, { timeoutMs: 10_000, exited: child.exited })
      assert.equal(health.ok, true, health.error ?? `HTTP ${health.status}`)
      assert.equal(health.status, 200)
      assert.ok(health.attempts > 1, 'it answered 503 (or nothing) first')
      assert.equal((await checkHealth(`http://127.0.0.1:${port}/missing`, 2000)).status, 404)
      assert.deepEqual(await child.stop(2000), { code: 0, signal: null }, 'SIGTERM let it shut down cleanly')
    })

    test('waiting for health ends early when the process exits', async (t) => {
      const port = await getFreePort()
      const child = await launch(t, fixtureSpec('exit-with.js', ['1', '100'], { PORT: String(port) }))
      const started = Date.now()
      const health = await waitForHealthy(`http://127.0.0.1:${port}/health`, { timeoutMs: 30_000, exited: child.exited })
      assert.equal(health.ok, false)
      assert.equal(health.reason, 'exited')
      assert.ok(Date.now() - started < 5000)
    })
  })
}
