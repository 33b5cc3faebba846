/**
 * `unpack` benchmark: the deployer's `unpackPackage()` against Info-ZIP `unzip -q` on the same
 * ~500 MB package (the pack benchmark's model folder, packed once by `packFolder`). Ferry runs in
 * this process; unzip is spawned, so its time includes a process start (a millisecond or two).
 * One untimed warm-up of each (the zip is then in the page cache), then the median of N
 * interleaved runs; each output folder is removed, and the disk synced, before the next run, so no
 * run pays for the previous one's writeback. Goal: Ferry no slower than 1.2 × unzip, although
 * Ferry checks every file's size and sha256 against the manifest where unzip only checks CRC-32.
 *
 * Options (argument → environment variable → default):
 *   --mb <n>     weight shards in MiB     FERRY_BENCH_MB      500
 *   --files <n>  small source files       FERRY_BENCH_FILES   3000
 *   --runs <n>   measured runs per tool   FERRY_BENCH_RUNS    3
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { unpackPackage } from '../../deployer/unpack.js'
import { packFolder } from '../../packager/pack.js'
import { buildModelFolder } from './_fixtures.js'
import { BenchSetupError, computeMedian, hasCommand, logNote, roundTo, runTimed, removeOnSignal, resolveFolderBenchOptions } from './_measure.js'

export interface UnpackBenchOptions {
  weightsMB: number
  sourceFiles: number
  runs: number
}

const GOAL_RATIO = 1.2

interface Figures {
  medianSeconds: number
  runs: number[]
}

export interface UnpackBenchResult {
  benchmark: 'unpack'
  options: UnpackBenchOptions
  zipBytes: number
  /** Files in the package, as its manifest lists them (the manifest itself not counted). */
  files: number
  /** Bytes those files expand to. */
  bytes: number
  ferry: Figures
  unzip: Figures
  ratio: number
  goal: string
  met: boolean
  notes: string[]
  machine: { node: string; platform: string; cpus: number; loadAverage: number[] }
}

/** Reads the options (see resolveFolderBenchOptions). */
export function resolveUnpackBenchOptions(args: string[], env: NodeJS.ProcessEnv = process.env): UnpackBenchOptions {
  return resolveFolderBenchOptions('unpack', args, env)
}

/** Flushes dirty pages (the removed output's, mostly), so the next timed run does not pay for them. */
async function settleDisk(work: string): Promise<void> {
  await runTimed('sync', [], { cwd: work })
}

async function timeFerryUnpack(zipPath: string, outDir: string, work: string): Promise<{ seconds: number; files: number; bytes: number }> {
  await rm(outDir, { recursive: true, force: true })
  await settleDisk(work)
  const started = performance.now()
  const result = await unpackPackage(zipPath, outDir)
  const seconds = (performance.now() - started) / 1000
  await rm(outDir, { recursive: true, force: true })
  return { seconds, files: result.files, bytes: result.bytes }
}

async function timeUnzip(zipPath: string, outDir: string, work: string): Promise<number> {
  await rm(outDir, { recursive: true, force: true })
  await settleDisk(work)
  const run = await runTimed('unzip', ['-q', zipPath, '-d', outDir], { cwd: work })
  await rm(outDir, { recursive: true, force: true })
  if (run.code !== 0) throw new Error(`unzip exited with ${run.code}:\n${(run.stderr || run.stdout).trim().slice(-2000)}`)
  return run.seconds
}

/**
 * Runs the unpack benchmark and returns its figures; notes go to stderr.
 * @example
 * const result = await runUnpackBench(['--mb', '100'])
 */
export async function runUnpackBench(args: string[]): Promise<UnpackBenchResult> {
  const options = resolveUnpackBenchOptions(args)
  if (!hasCommand('unzip')) throw new BenchSetupError('Info-ZIP `unzip` is not installed: `sudo apt-get install unzip` (Debian/Ubuntu)')
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-unpack-'))
  const forgetSignals = removeOnSignal(work)
  try {
    logNote('unpack', `building a ${options.weightsMB} MiB + ${options.sourceFiles} files folder in ${work}`)
    const folder = await buildModelFolder(join(work, 'model'), options)
    mkdirSync(join(work, 'packages'))
    const packed = await packFolder({ dir: folder.dir, outDir: join(work, 'packages') })
    logNote('unpack', `packed ${packed.files} files into ${(packed.size / 1024 ** 2).toFixed(1)} MiB`)
    rmSync(folder.dir, { recursive: true, force: true }) // only the zip is needed from here on
    return await measureUnpack(packed.path, options, work)
  } finally {
    forgetSignals()
    rmSync(work, { recursive: true, force: true })
  }
}

async function measureUnpack(zipPath: string, options: UnpackBenchOptions, work: string): Promise<UnpackBenchResult> {
  const ferryOut = join(work, 'ferry-out')
  const unzipOut = join(work, 'unzip-out')
  logNote('unpack', 'warm-up: ferry unpack, then unzip')
  const warmUp = await timeFerryUnpack(zipPath, ferryOut, work)
  await timeUnzip(zipPath, unzipOut, work)
  const ferryRuns: number[] = []
  const unzipRuns: number[] = []
  for (let i = 1; i <= options.runs; i++) {
    ferryRuns.push((await timeFerryUnpack(zipPath, ferryOut, work)).seconds)
    unzipRuns.push(await timeUnzip(zipPath, unzipOut, work))
    logNote('unpack', `run ${i}/${options.runs}: ferry ${ferryRuns.at(-1)!.toFixed(2)} s, unzip ${unzipRuns.at(-1)!.toFixed(2)} s`)
  }
  const ferryMedian = computeMedian(ferryRuns)
  const unzipMedian = computeMedian(unzipRuns)
  const ratio = roundTo(ferryMedian / unzipMedian, 3)
  return {
    benchmark: 'unpack',
    options,
    zipBytes: statSync(zipPath).size,
    files: warmUp.files,
    bytes: warmUp.bytes,
    ferry: { medianSeconds: roundTo(ferryMedian, 3), runs: ferryRuns.map((s) => roundTo(s, 3)) },
    unzip: { medianSeconds: roundTo(unzipMedian, 3), runs: unzipRuns.map((s) => roundTo(s, 3)) },
    ratio,
    goal: `<= ${GOAL_RATIO}`,
    met: ratio <= GOAL_RATIO,
    notes: [
      'ferry verifies every file\'s size and sha256 against the package manifest (and the central directory against its limits) before renaming the result into place; unzip only checks each entry\'s CRC-32',
      'ferry: unpackPackage() in the bench process (in-process); unzip: `unzip -q <zip> -d <dir>` as a child process, its time including the spawn',
      'both warm (one untimed warm-up each), runs interleaved; output removed and `sync` run before each timed run',
    ],
    machine: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, loadAverage: loadavg().map((l) => roundTo(l, 2)) },
  }
}
