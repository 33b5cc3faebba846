/**
 * Process groups, by number: finding the ones a previous run of the server left behind (every
 * model process carries a marker variable such as FERRY_HOME_ID in its environment), signalling
 * a whole group, and waiting until it is gone. Linux reads /proc; elsewhere finding leftovers
 * finds nothing and liveness falls back to `kill(-pgid, 0)`.
 *
 * A killed process whose parent has died stays a zombie until init reaps it, which in a container
 * can take seconds or never happen; a zombie runs nothing and holds no port, so it counts as gone.
 */
import { readdir, readFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

/** After SIGKILL, how long to wait for the kernel to finish the processes off. */
const KILL_SETTLE_MS = 5000
const HAS_PROC = process.platform === 'linux'

interface ProcStat { pid: number; state: string; pgid: number }

/** Parses /proc/<pid>/stat; the command name is in parentheses and may itself hold spaces or ')'. */
function parseStat(pid: number, text: string): ProcStat | undefined {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  const pgid = Number(fields[2])
  return fields[0] && Number.isInteger(pgid) ? { pid, state: fields[0], pgid } : undefined
}

async function readStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseStat(pid, await readFile(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return undefined // gone meanwhile, or not ours to read
  }
}

function isZombie(stat: ProcStat): boolean {
  return stat.state === 'Z' || stat.state === 'X'
}

async function listPids(): Promise<number[]> {
  const names = await readdir('/proc').catch(() => [] as string[])
  return names.filter((n) => /^\d+$/.test(n)).map(Number)
}

let ownPgid: number | undefined
/** This server's own process group, never to be signalled. */
function readOwnPgid(): number {
  if (ownPgid === undefined) {
    try {
      ownPgid = HAS_PROC ? parseStat(process.pid, readFileSync('/proc/self/stat', 'utf8'))?.pgid ?? process.pid : process.pid
    } catch {
      ownPgid = process.pid
    }
  }
  return ownPgid
}

/**
 * Sends `signal` to every process of group `pgid`; false when the group is gone (or not ours).
 * Refuses group 0/1 and the server's own group, so a bad number can never kill the server.
 * @example
 * signalProcessGroup(child.pid, 'SIGTERM')
 */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1 || pgid === readOwnPgid()) return false
  try {
    // Windows has no process groups: signal the process itself.
    process.kill(process.platform === 'win32' ? pgid : -pgid, signal)
    return true
  } catch {
    return false // ESRCH: no such group; EPERM: the number now belongs to someone else
  }
}

/**
 * True while the process runs (a zombie counts as gone).
 * @example
 * if (await isProcessRunning(pid)) process.kill(pid, 'SIGKILL')
 */
export async function isProcessRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  if (!HAS_PROC) return true
  const stat = await readStat(pid)
  return stat !== undefined && !isZombie(stat)
}

/** The groups among `pgids` that still have a running (non-zombie) member. */
async function findLiveGroups(pgids: number[]): Promise<Set<number>> {
  const candidates = pgids.filter((pgid) => signalProcessGroup(pgid, 0))
  if (!HAS_PROC || candidates.length === 0) return new Set(candidates)
  const wanted = new Set(candidates)
  const live = new Set<number>()
  for (const stat of await Promise.all((await listPids()).map(readStat))) {
    if (stat && wanted.has(stat.pgid) && !isZombie(stat)) live.add(stat.pgid)
  }
  return live
}

/**
 * Waits until every group in `pgids` is gone, or `timeoutMs` passed; resolves with those left.
 * @example
 * const left = await waitForProcessGroups([pgid], 2000)
 */
export async function waitForProcessGroups(pgids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs
  let delay = 10
  for (;;) {
    const live = [...(await findLiveGroups(pgids))]
    const remaining = deadline - Date.now()
    if (live.length === 0 || remaining <= 0) return live
    await sleep(Math.min(delay, remaining))
    delay = Math.min(delay * 2, 100)
  }
}

/**
 * Finds processes whose environment holds `KEY=VALUE`: those a previous run of the server
 * started. Skips this process and its own group, and whatever vanishes or cannot be read.
 * @example
 * const left = await findLeftoverProcesses({ key: 'FERRY_HOME_ID', value: homeId })
 * await stopProcessGroups([...new Set(left.map((p) => p.pgid))], 5000)
 */
export async function findLeftoverProcesses(marker: { key: string; value: string }): Promise<Array<{ pid: number; pgid: number }>> {
  if (!HAS_PROC) return []
  const entry = `${marker.key}=${marker.value}`
  const found: Array<{ pid: number; pgid: number }> = []
  await Promise.all((await listPids()).map(async (pid) => {
    if (pid === process.pid) return
    let environ: Buffer
    try {
      environ = await readFile(`/proc/${pid}/environ`)
    } catch {
      return
    }
    // Whole entries only: `XFERRY_HOME_ID=…` or `FERRY_HOME_ID=…suffix` is not the marker.
    if (!environ.includes(entry) || !environ.toString('utf8').split('\0').includes(entry)) return
    const stat = await readStat(pid)
    if (!stat || isZombie(stat) || stat.pgid === readOwnPgid()) return
    found.push({ pid, pgid: stat.pgid })
  }))
  return found.sort((a, b) => a.pid - b.pid)
}

/**
 * Stops whole process groups: SIGTERM to each, up to `graceMs` for them to exit, then SIGKILL
 * what remains and wait for it to die.
 * @example
 * await stopProcessGroups([1234, 1300], 5000)
 */
export async function stopProcessGroups(pgids: number[], graceMs: number): Promise<void> {
  const signalled = [...new Set(pgids)].filter((pgid) => signalProcessGroup(pgid, 'SIGTERM'))
  const left = await waitForProcessGroups(signalled, graceMs)
  for (const pgid of left) signalProcessGroup(pgid, 'SIGKILL')
  await waitForProcessGroups(left, KILL_SETTLE_MS)
}
