/**
 * `deploy` benchmark: the cold start of examples/echo through the Deployer, against the same entry
 * started by hand. By hand: `node server.js` in an unpacked copy, with PORT/HOST, GET /health polled
 * every 5 ms; the time from spawn to the first 200. Ferry: a fresh version each run (packed and
 * added beforehand: neither packing nor uploading is deploying), timed from the `deploy()` call
 * until it resolves (every replica healthy), then stopped and removed. Runs are interleaved after
 * one untimed warm-up of each. Goal (issue): Ferry's own overhead, median minus median, ≤ 150 ms.
 *
 * The breakdown comes from the Deployer's own signals: `state` events (`starting` once unpacked and
 * set up, `ready` once healthy) and the moment the echo server's "listening" line reaches the log
 * store, which bounds how long the health poller took to notice a server that was already up.
 *
 * Options (argument → environment variable → default):
 *   --runs <n>   measured runs of each   FERRY_BENCH_DEPLOY_RUNS   10
 * (--mb and --files are accepted and ignored, so `npm run bench -- --mb 100` can run every benchmark.)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { get } from 'node:http'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { Deployer, type EventRecord } from '../../deployer/index.js'
import { getFreePort } from '../../deployer/port-pool.js'
import { unpackPackage } from '../../deployer/unpack.js'
import { packFolder } from '../../packager/pack.js'
import { ferryPath } from '../../packager/repo-root.js'
import { BenchSetupError, computeMedian, logNote, OTHER_BENCH_OPTIONS, removeOnSignal, roundTo } from './_measure.js'

export interface DeployBenchOptions {
  runs: number
}

const GOAL_OVERHEAD_MS = 150
const BY_HAND_POLL_MS = 5
const BY_HAND_TIMEOUT_MS = 10_000
const STOP_TIMEOUT_MS = 5_000
const LISTENING_LINE = /listening on/

/** Where one Ferry deploy spent its time, in ms from the `deploy()` call. */
interface DeployTimeline {
  totalMs: number
  startingMs: number | null
  listeningMs: number | null
  readyMs: number | null
}

interface Figures {
  medianMs: number
  runs: number[]
}

export interface DeployBenchResult {
  benchmark: 'deploy'
  options: DeployBenchOptions
  byHand: Figures & { warmUpMs: number }
  ferry: Figures & {
    warmUpMs: number
    /** Medians of each phase, ms; the phases add up to roughly the median total. */
    breakdown: {
      unpackAndSetUpMs: number | null
      spawnToListeningMs: number | null
      listeningToReadyMs: number | null
      readyToResolvedMs: number | null
    }
    timelines: DeployTimeline[]
  }
  overheadMs: number
  goal: string
  met: boolean
  notes: string[]
  machine: { node: string; platform: string; cpus: number; loadAverage: number[] }
}

/** Reads the options from `args`, then FERRY_BENCH_DEPLOY_RUNS, then defaults. */
export function resolveDeployBenchOptions(args: string[], env: NodeJS.ProcessEnv = process.env): DeployBenchOptions {
  let values: Record<string, string | undefined>
  try {
    values = parseArgs({ args, options: { runs: { type: 'string' }, mb: { type: 'string' }, files: { type: 'string' }, ...OTHER_BENCH_OPTIONS } }).values
  } catch (error) {
    throw new BenchSetupError(`deploy: ${(error as Error).message} (options: --runs <n>)`)
  }
  const raw = values.runs ?? env.FERRY_BENCH_DEPLOY_RUNS
  if (raw === undefined || raw === '') return Object.freeze({ runs: 10 })
  const runs = Number(raw)
  if (!Number.isInteger(runs) || runs < 1) throw new BenchSetupError(`deploy: --runs must be a whole number ≥ 1, got "${raw}"`)
  return Object.freeze({ runs })
}

// ── By hand ───────────────────────────────────────────────────────────────────

/** One GET; resolves the status, or null when nothing answered (refused, reset). */
function getStatus(url: string): Promise<number | null> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false }, (response) => {
      response.resume()
      response.once('end', () => resolve(response.statusCode ?? null))
      response.once('error', () => resolve(null))
    })
    request.once('error', () => resolve(null))
  })
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/** Spawns `node server.js` in `appDir` and polls its health every 5 ms; ms from spawn to the first 200. */
async function timeByHand(appDir: string, children: Set<ChildProcess>): Promise<number> {
  const port = await getFreePort('127.0.0.1')
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(port), HOST: '127.0.0.1' }
  const url = `http://127.0.0.1:${port}/health`
  const started = performance.now()
  const child = spawn(process.execPath, ['server.js'], { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let stderr = ''
  child.stdout!.resume()
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  try {
    while (performance.now() - started < BY_HAND_TIMEOUT_MS) {
      if (child.exitCode !== null) throw new Error(`echo server.js exited with ${child.exitCode} before answering:\n${stderr.slice(-2000)}`)
      if ((await getStatus(url)) === 200) return performance.now() - started
      await sleep(BY_HAND_POLL_MS)
    }
    throw new Error(`echo server.js did not answer GET /health within ${BY_HAND_TIMEOUT_MS} ms:\n${stderr.slice(-2000)}`)
  } finally {
    await stopChild(child)
    children.delete(child)
  }
}

// ── Ferry ─────────────────────────────────────────────────────────────────────

/** Deploys `digest` (a version not yet deployed), times it, then stops and removes it. */
async function timeFerryDeploy(deployer: Deployer, digest: string, ref: string): Promise<DeployTimeline> {
  const marks: { starting?: number; listening?: number; ready?: number } = {}
  const onEvent = (event: EventRecord) => {
    if (`${event.name}@${event.version}` !== ref || event.type !== 'state') return
    if (event.state === 'starting' || event.state === 'ready') marks[event.state] ??= performance.now()
  }
  const onLog = (entry: { stream: string; line: string }) => {
    if (entry.stream === 'stdout' && LISTENING_LINE.test(entry.line)) marks.listening ??= performance.now()
  }
  const unsubscribe = deployer.onEvent(onEvent)
  const unfollow = deployer.logs.follow(ref, onLog)
  let started = 0
  let resolved = 0
  try {
    started = performance.now()
    await deployer.deploy({ package: digest })
    resolved = performance.now()
  } finally {
    unsubscribe()
    unfollow()
    await deployer.stop(ref).catch(() => undefined)
    await deployer.remove(ref).catch(() => undefined)
  }
  const since = (mark: number | undefined) => (mark === undefined ? null : roundTo(mark - started, 1))
  return { totalMs: roundTo(resolved - started, 1), startingMs: since(marks.starting), listeningMs: since(marks.listening), readyMs: since(marks.ready) }
}

/** Packs examples/echo as `1.0.<i>` for i = 0..count and adds each to the deployer; returns their digests. */
async function addEchoVersions(deployer: Deployer, outDir: string, count: number): Promise<Array<{ digest: string; ref: string }>> {
  const versions: Array<{ digest: string; ref: string }> = []
  for (let i = 0; i <= count; i++) {
    const packed = await packFolder({ dir: ferryPath('examples', 'echo'), outDir, version: `1.0.${i}` })
    const pkg = await deployer.addPackage(packed.path)
    versions.push({ digest: pkg.digest, ref: `${pkg.name}@${pkg.version}` })
  }
  return versions
}

function medianOf(timelines: DeployTimeline[], phase: (t: DeployTimeline) => number | null): number | null {
  const values = timelines.map(phase).filter((v): v is number => v !== null)
  return values.length === timelines.length ? roundTo(computeMedian(values), 1) : null
}

function summarizeBreakdown(timelines: DeployTimeline[]): DeployBenchResult['ferry']['breakdown'] {
  const span = (from: (t: DeployTimeline) => number | null, to: (t: DeployTimeline) => number | null) => (t: DeployTimeline) => {
    const a = from(t)
    const b = to(t)
    return a === null || b === null ? null : b - a
  }
  return {
    unpackAndSetUpMs: medianOf(timelines, (t) => t.startingMs),
    spawnToListeningMs: medianOf(timelines, span((t) => t.startingMs, (t) => t.listeningMs)),
    listeningToReadyMs: medianOf(timelines, span((t) => t.listeningMs, (t) => t.readyMs)),
    readyToResolvedMs: medianOf(timelines, span((t) => t.readyMs, (t) => t.totalMs)),
  }
}

/**
 * Runs the deploy benchmark and returns its figures; notes go to stderr.
 * @example
 * const result = await runDeployBench(['--runs', '3'])
 */
export async function runDeployBench(args: string[]): Promise<DeployBenchResult> {
  const options = resolveDeployBenchOptions(args)
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-deploy-'))
  const children = new Set<ChildProcess>()
  const forgetSignals = removeOnSignal(work, children)
  let deployer: Deployer | undefined
  try {
    deployer = await Deployer.open({ dataDir: join(work, 'data') })
    const packages = join(work, 'packages')
    mkdirSync(packages)
    logNote('deploy', `packing and adding examples/echo as ${options.runs + 1} versions in ${work}`)
    const versions = await addEchoVersions(deployer, packages, options.runs)
    const byHandDir = join(work, 'by-hand')
    await unpackPackage(join(packages, 'echo-1.0.0.zip'), byHandDir)
    return await measureDeploy(deployer, versions, byHandDir, children, options)
  } finally {
    for (const child of children) child.kill('SIGKILL')
    await deployer?.close().catch(() => undefined)
    forgetSignals()
    rmSync(work, { recursive: true, force: true })
  }
}

async function measureDeploy(deployer: Deployer, versions: Array<{ digest: string; ref: string }>, byHandDir: string, children: Set<ChildProcess>, options: DeployBenchOptions): Promise<DeployBenchResult> {
  logNote('deploy', 'warm-up: by hand, then ferry')
  const byHandWarmUp = await timeByHand(byHandDir, children)
  const ferryWarmUp = await timeFerryDeploy(deployer, versions[0]!.digest, versions[0]!.ref)
  const byHandRuns: number[] = []
  const timelines: DeployTimeline[] = []
  for (let i = 1; i <= options.runs; i++) {
    byHandRuns.push(await timeByHand(byHandDir, children))
    timelines.push(await timeFerryDeploy(deployer, versions[i]!.digest, versions[i]!.ref))
    logNote('deploy', `run ${i}/${options.runs}: by hand ${byHandRuns.at(-1)!.toFixed(1)} ms, ferry ${timelines.at(-1)!.totalMs.toFixed(1)} ms`)
  }
  const byHandMedian = roundTo(computeMedian(byHandRuns), 1)
  const ferryMedian = roundTo(computeMedian(timelines.map((t) => t.totalMs)), 1)
  const overheadMs = roundTo(ferryMedian - byHandMedian, 1)
  return {
    benchmark: 'deploy',
    options,
    byHand: { medianMs: byHandMedian, runs: byHandRuns.map((ms) => roundTo(ms, 1)), warmUpMs: roundTo(byHandWarmUp, 1) },
    ferry: {
      medianMs: ferryMedian,
      runs: timelines.map((t) => t.totalMs),
      warmUpMs: ferryWarmUp.totalMs,
      breakdown: summarizeBreakdown(timelines),
      timelines,
    },
    overheadMs,
    goal: `<= ${GOAL_OVERHEAD_MS} ms`,
    met: overheadMs <= GOAL_OVERHEAD_MS,
    notes: [
      `by hand: node server.js in an unpacked copy, GET /health every ${BY_HAND_POLL_MS} ms, spawn → first 200`,
      'ferry: deploy() → resolved, in this process; each run a new version (unpack + start), packed and added beforehand, then stopped and removed',
      'breakdown: unpackAndSetUp = deploy() → state "starting"; spawnToListening = "starting" → the echo "listening" line in the log store; listeningToReady = that line → state "ready" (health poll latency); readyToResolved = "ready" → deploy() resolved',
    ],
    machine: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, loadAverage: loadavg().map((l) => roundTo(l, 2)) },
  }
}
