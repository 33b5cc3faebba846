/**
 * Finding and stopping the processes a previous run of the server left behind, by the marker
 * variable in their environment. The "previous run" is simulated with detached node processes
 * started here; each test kills whatever it started in teardown.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { test, type TestContext } from 'node:test'
import { findLeftoverProcesses, isProcessRunning, signalProcessGroup, stopProcessGroups } from '../deployer/_leftover-processes.js'
import { ferryPath } from '../packager/repo-root.js'
import { readLines } from './launcher.contract.js'

const LINUX = process.platform === 'linux' ? false : 'reads /proc'
const KEY = 'FERRY_TEST_LEFTOVER'

/** Starts a fixture program in its own process group, as the server would have; killed in teardown. */
async function startDetached(t: TestContext, program: string, args: string[], env: Record<string, string>): Promise<{ pgid: number; firstLine: string }> {
  const child = spawn(process.execPath, [ferryPath('test', 'fixtures', 'programs', program), ...args], { detached: true, stdio: ['ignore', 'pipe', 'ignore'], env })
  const pgid = child.pid!
  t.after(() => signalProcessGroup(pgid, 'SIGKILL'))
  const firstLine = await readLines(child.stdout).next()
  return { pgid, firstLine }
}

test('finds every process carrying the marker, with its group, and nothing else', { skip: LINUX }, async (t) => {
  const value = randomBytes(8).toString('hex')
  const marked = await startDetached(t, 'spawns-child.js', [], { [KEY]: value })
  const { pid, childPid } = JSON.parse(marked.firstLine) as { pid: number; childPid: number }
  const other = await startDetached(t, 'print-env.js', [], { [KEY]: `${value}-other` })
  const prefixed = await startDetached(t, 'print-env.js', [], { [`X${KEY}`]: value })

  const found = await findLeftoverProcesses({ key: KEY, value })
  assert.deepEqual(found, [{ pid, pgid: pid }, { pid: childPid, pgid: pid }].sort((a, b) => a.pid - b.pid))
  const pids = found.map((p) => p.pid)
  assert.ok(!pids.includes(other.pgid) && !pids.includes(prefixed.pgid), 'whole KEY=VALUE entries only')
  assert.deepEqual(await findLeftoverProcesses({ key: KEY, value: randomBytes(8).toString('hex') }), [])
})

test('stopProcessGroups stops the whole group, leaving nothing to find', { skip: LINUX }, async (t) => {
  const value = randomBytes(8).toString('hex')
  const marked = await startDetached(t, 'spawns-child.js', [], { [KEY]: value })
  const { pid, childPid } = JSON.parse(marked.firstLine) as { pid: number; childPid: number }
  const bystander = await startDetached(t, 'print-env.js', [], {})

  const found = await findLeftoverProcesses({ key: KEY, value })
  await stopProcessGroups([...new Set(found.map((p) => p.pgid))], 2000)
  assert.equal(await isProcessRunning(pid), false)
  assert.equal(await isProcessRunning(childPid), false)
  assert.deepEqual(await findLeftoverProcesses({ key: KEY, value }), [])
  assert.equal(await isProcessRunning(bystander.pgid), true, 'other groups are left alone')
})

test('stopProcessGroups SIGKILLs a group that ignores SIGTERM after the grace period', { skip: LINUX }, async (t) => {
  const value = randomBytes(8).toString('hex')
  const stubborn = await startDetached(t, 'ignores-sigterm.js', [], { [KEY]: value })
  assert.equal(stubborn.firstLine, 'ready')
  const started = Date.now()
  await stopProcessGroups([stubborn.pgid, stubborn.pgid], 300)
  const elapsed = Date.now() - started
  assert.ok(elapsed >= 250 && elapsed < 5000, `stopped after ${elapsed} ms`)
  assert.equal(await isProcessRunning(stubborn.pgid), false)
})

test('the server\'s own group, group 0 and group 1 are never signalled', { skip: LINUX }, async () => {
  const stat = readFileSync('/proc/self/stat', 'utf8')
  const ownPgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2])
  // Signal 0 only checks, so a broken guard cannot hurt anything here.
  for (const pgid of [ownPgid, 0, 1, -1, Number.NaN]) assert.equal(signalProcessGroup(pgid, 0), false, `group ${pgid}`)
  await stopProcessGroups([], 100)
})
