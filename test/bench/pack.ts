/**
 * `pack` benchmark: `ferry pack <dir> --out <out> --json` against Info-ZIP `zip -r -6 -q` on the same
 * ~500 MB model folder, both warm (one warm-up run each, so both read from the page cache), the
 * median of N interleaved runs each, plus ferry's peak RSS and a check that its zip is valid.
 * Goals: ferry no slower than 1.2 × zip, and under 200 MB of RSS. Since ferry stores already-compressed
 * formats such as .safetensors instead of deflating them, `zipStoringWeights` (zip -n .safetensors)
 * is timed too, as the like-for-like baseline; the goal is judged against plain `zip -r -6`.
 *
 * Options (argument → environment variable → default):
 *   --mb <n>     weight shards in MiB     FERRY_BENCH_MB      500
 *   --files <n>  small source files       FERRY_BENCH_FILES   3000
 *   --runs <n>   measured runs per tool   FERRY_BENCH_RUNS    3
 */
import { createHash } from 'node:crypto'
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ferryPath } from '../../packager/repo-root.js'
import { buildModelFolder, type ModelFolder } from './_fixtures.js'
import { BenchSetupError, computeMedian, hasCommand, logNote, roundTo, runTimed, runTimedNode, type TimedRun, removeOnSignal, resolveFolderBenchOptions } from './_measure.js'

export interface PackBenchOptions {
  weightsMB: number
  sourceFiles: number
  runs: number
}

const GOAL_RATIO = 1.2
const GOAL_PEAK_RSS_MB = 200
/** Info-ZIP's "don't compress these suffixes", matching what ferry's zip writer stores. */
const STORE_WEIGHTS_ARGS = ['-n', '.safetensors']

interface ZipFigures {
  medianSeconds: number
  runs: number[]
  zipBytes: number
}

export interface PackBenchResult {
  benchmark: 'pack'
  options: PackBenchOptions
  folderBytes: number
  files: number
  ferry: {
    medianSeconds: number
    runs: number[]
    peakRssMB: number | null
    zipBytes: number
    files: unknown
    check: { unzipTest: string; sha256Matches: boolean; sizeMatches: boolean; fileEntries: number }
  }
  zip: ZipFigures
  zipStoringWeights: ZipFigures
  ratio: number
  ratioVsStoringWeights: number
  goals: { ratio: string; peakRssMB: string }
  met: { ratio: boolean; peakRss: boolean }
  machine: { node: string; platform: string }
}

/** Reads the options (see resolveFolderBenchOptions). */
export function resolvePackBenchOptions(args: string[], env: NodeJS.ProcessEnv = process.env): PackBenchOptions {
  return resolveFolderBenchOptions('pack', args, env)
}

function assertToolsPresent(): void {
  if (!hasCommand('zip')) throw new BenchSetupError('Info-ZIP `zip` is not installed: `sudo apt-get install zip` (Debian/Ubuntu)')
  if (!hasCommand('unzip')) throw new BenchSetupError('`unzip` is not installed: `sudo apt-get install unzip` (Debian/Ubuntu)')
  if (!existsSync(ferryPath('dist', 'gateway', 'cli', 'index.js'))) {
    throw new BenchSetupError('the Ferry CLI is not built (dist/gateway/cli/index.js is missing): run `npm run build`')
  }
}

function describeFailure(what: string, run: TimedRun): string {
  return `${what} exited with ${run.code}:\n${(run.stderr || run.stdout).trim().slice(-2000)}`
}

interface FerryRun {
  seconds: number
  peakRssKiB: number | undefined
  report: { path: string; sha256: string; size: number; files: unknown }
}

async function timeFerryPack(folder: string, outDir: string, work: string): Promise<FerryRun> {
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir)
  const args = ['pack', folder, '--out', outDir, '--json']
  // cwd is the temp dir, so nothing the CLI might write beside itself lands in the repo.
  const run = await runTimedNode(ferryPath('bin', 'ferry.js'), args, { cwd: work }, join(work, 'ferry.rss'))
  if (run.code !== 0) throw new Error(describeFailure('ferry pack', run))
  let report: FerryRun['report']
  try {
    report = JSON.parse(run.stdout)
  } catch {
    throw new Error(`ferry pack --json did not print one JSON object; stdout was:\n${run.stdout.slice(0, 2000)}`)
  }
  return { seconds: run.seconds, peakRssKiB: run.peakRssKiB, report }
}

async function timeZip(folder: string, zipFile: string, extraArgs: string[] = []): Promise<number> {
  rmSync(zipFile, { force: true }) // zip -r into an existing archive would update it instead
  const run = await runTimed('zip', ['-r', '-6', '-q', ...extraArgs, zipFile, '.'], { cwd: folder })
  if (run.code !== 0) throw new Error(describeFailure('zip', run))
  return run.seconds
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function checkFerryZip(report: FerryRun['report'], work: string): Promise<PackBenchResult['ferry']['check']> {
  const test = await runTimed('unzip', ['-tq', report.path], { cwd: work })
  const list = await runTimed('unzip', ['-Z1', report.path], { cwd: work })
  return {
    unzipTest: test.code === 0 ? test.stdout.trim() : `FAILED (${test.code}): ${(test.stdout + test.stderr).trim().slice(-1000)}`,
    sha256Matches: (await hashFile(report.path)) === report.sha256,
    sizeMatches: statSync(report.path).size === report.size,
    fileEntries: list.stdout.split('\n').filter((name) => name !== '' && !name.endsWith('/')).length,
  }
}

function summarizeZip(median: number, runs: number[], zipFile: string): ZipFigures {
  return { medianSeconds: roundTo(median, 3), runs: runs.map((s) => roundTo(s, 3)), zipBytes: statSync(zipFile).size }
}

/**
 * Runs the pack benchmark and returns its figures; notes go to stderr.
 * @example
 * const result = await runPackBench(['--mb', '100'])
 */
export async function runPackBench(args: string[]): Promise<PackBenchResult> {
  const options = resolvePackBenchOptions(args)
  assertToolsPresent()
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-pack-'))
  const forgetSignals = removeOnSignal(work)
  try {
    logNote('pack', `building a ${options.weightsMB} MiB + ${options.sourceFiles} files folder in ${work}`)
    const folder = await buildModelFolder(join(work, 'model'), options)
    return await measurePack(folder, options, work)
  } finally {
    forgetSignals()
    rmSync(work, { recursive: true, force: true })
  }
}

async function measurePack(folder: ModelFolder, options: PackBenchOptions, work: string): Promise<PackBenchResult> {
  const ferryOut = join(work, 'ferry-out')
  const zipFile = join(work, 'zip-out', 'out.zip')
  const storingFile = join(work, 'zip-out', 'stored.zip')
  mkdirSync(join(work, 'zip-out'))
  logNote('pack', 'warm-up: ferry pack, then zip')
  let last = await timeFerryPack(folder.dir, ferryOut, work)
  await timeZip(folder.dir, zipFile)
  const ferryRuns: number[] = []
  const zipRuns: number[] = []
  const storingRuns: number[] = []
  const peaks: number[] = []
  for (let i = 1; i <= options.runs; i++) {
    last = await timeFerryPack(folder.dir, ferryOut, work)
    ferryRuns.push(last.seconds)
    if (last.peakRssKiB !== undefined) peaks.push(last.peakRssKiB)
    zipRuns.push(await timeZip(folder.dir, zipFile))
    storingRuns.push(await timeZip(folder.dir, storingFile, STORE_WEIGHTS_ARGS))
    logNote('pack', `run ${i}/${options.runs}: ferry ${last.seconds.toFixed(2)} s, zip ${zipRuns.at(-1)!.toFixed(2)} s, zip -n ${storingRuns.at(-1)!.toFixed(2)} s`)
  }
  logNote('pack', 'checking the ferry zip (unzip -tq, sha256)')
  const check = await checkFerryZip(last.report, work)
  const ferryMedian = computeMedian(ferryRuns)
  const zipMedian = computeMedian(zipRuns)
  const storingMedian = computeMedian(storingRuns)
  const peakRssMB = peaks.length === ferryRuns.length ? roundTo(Math.max(...peaks) / 1024, 1) : null
  const ratio = roundTo(ferryMedian / zipMedian, 3)
  return {
    benchmark: 'pack',
    options,
    folderBytes: folder.bytes,
    files: folder.files,
    ferry: {
      medianSeconds: roundTo(ferryMedian, 3),
      runs: ferryRuns.map((s) => roundTo(s, 3)),
      peakRssMB,
      zipBytes: statSync(last.report.path).size,
      files: last.report.files,
      check,
    },
    zip: summarizeZip(zipMedian, zipRuns, zipFile),
    zipStoringWeights: summarizeZip(storingMedian, storingRuns, storingFile),
    ratio,
    ratioVsStoringWeights: roundTo(ferryMedian / storingMedian, 3),
    goals: { ratio: `<= ${GOAL_RATIO}`, peakRssMB: `< ${GOAL_PEAK_RSS_MB}` },
    met: { ratio: ratio <= GOAL_RATIO, peakRss: peakRssMB !== null && peakRssMB < GOAL_PEAK_RSS_MB },
    machine: { node: process.version, platform: `${process.platform}-${process.arch}` },
  }
}
