/**
 * Measuring helpers shared by the benchmarks: run a command and time it (wall clock, from spawn to
 * exit), run a Node script with its peak RSS recorded by `_rusage.js`, take medians, check tools.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { RUSAGE_FILE_ENV } from './_rusage.js'

/** Options of the other benchmarks, accepted and ignored, so `npm run bench -- <options>` can run them all. */
export const OTHER_BENCH_OPTIONS = { seconds: { type: 'string' }, connections: { type: 'string' }, threads: { type: 'string' }, 'cpu-prof': { type: 'string' }, images: { type: 'string' }, passes: { type: 'string' } } as const

/** A failure of the bench's set-up (a tool missing, nothing built): printed without a stack. */
export class BenchSetupError extends Error {
  override readonly name = 'BenchSetupError'
}

export interface RunOptions {
  cwd: string
  env?: NodeJS.ProcessEnv
}

export interface TimedRun {
  seconds: number
  code: number | null
  stdout: string
  stderr: string
}

export interface TimedNodeRun extends TimedRun {
  /** Peak RSS of the Node process in KiB, or undefined when it died before writing it. */
  peakRssKiB: number | undefined
}

/** Output kept per stream, so a chatty child cannot grow the bench's memory. */
const MAX_CAPTURE = 1 << 20
const RUSAGE_MODULE = pathToFileURL(join(fileURLToPath(new URL('.', import.meta.url)), '_rusage.js')).href

function appendCapped(text: string, chunk: Buffer): string {
  return text.length >= MAX_CAPTURE ? text : text + chunk.toString('utf8', 0, MAX_CAPTURE - text.length)
}

/** Runs `command args` to completion and times it; never rejects on a non-zero exit. */
export function runTimed(command: string, args: string[], options: RunOptions): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout = appendCapped(stdout, chunk)))
    child.stderr.on('data', (chunk: Buffer) => (stderr = appendCapped(stderr, chunk)))
    child.on('error', reject)
    child.on('close', (code) => resolve({ seconds: (performance.now() - started) / 1000, code, stdout, stderr }))
  })
}

/**
 * Runs `node script args` with `_rusage.js` preloaded and returns its time and peak RSS.
 * @example
 * const run = await runTimedNode('bin/ferry.js', ['pack', dir, '--json'], { cwd }, '/tmp/x.rss')
 */
export async function runTimedNode(script: string, args: string[], options: RunOptions, rusageFile: string): Promise<TimedNodeRun> {
  rmSync(rusageFile, { force: true })
  const env = { ...(options.env ?? process.env), [RUSAGE_FILE_ENV]: rusageFile }
  const run = await runTimed(process.execPath, ['--import', RUSAGE_MODULE, script, ...args], { cwd: options.cwd, env })
  return { ...run, peakRssKiB: readPeakRss(rusageFile) }
}

function readPeakRss(file: string): number | undefined {
  try {
    const kib = Number.parseInt(readFileSync(file, 'utf8'), 10)
    return Number.isFinite(kib) ? kib : undefined
  } catch {
    return undefined
  }
}

/** The median of a non-empty list. */
export function computeMedian(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** Rounds to `digits` decimals, for readable JSON. */
export function roundTo(value: number, digits: number): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

/** Whether `command` can be started (it is on PATH). */
export function hasCommand(command: string, probeArgs: string[] = ['-v']): boolean {
  return spawnSync(command, probeArgs, { stdio: 'ignore' }).error === undefined
}

/** Writes a progress note on stderr; stdout is kept for the result. */
export function logNote(scope: string, message: string): void {
  process.stderr.write(`[bench ${scope}] ${message}\n`)
}

/** Options of the benchmarks that build a model folder (pack, unpack). */
export interface FolderBenchOptions {
  weightsMB: number
  sourceFiles: number
  runs: number
}

/** Reads --mb/--files/--runs, then FERRY_BENCH_MB/FILES/RUNS, then defaults (500 MB, 3,000 files, 3 runs). */
export function resolveFolderBenchOptions(bench: string, args: string[], env: NodeJS.ProcessEnv = process.env): Readonly<FolderBenchOptions> {
  let values: Record<string, string | undefined>
  try {
    values = parseArgs({ args, options: { mb: { type: 'string' }, files: { type: 'string' }, runs: { type: 'string' }, ...OTHER_BENCH_OPTIONS } }).values
  } catch (error) {
    throw new BenchSetupError(`${bench}: ${(error as Error).message} (options: --mb <n> --files <n> --runs <n>)`)
  }
  const readNumber = (name: string, raw: string | undefined, fallback: number, min: number): number => {
    if (raw === undefined || raw === '') return fallback
    const value = Number(raw)
    if (!Number.isFinite(value) || value < min) throw new BenchSetupError(`${bench}: ${name} must be a number ≥ ${min}, got "${raw}"`)
    return value
  }
  return Object.freeze({
    weightsMB: readNumber('--mb', values['mb'] ?? env['FERRY_BENCH_MB'], 500, 1),
    sourceFiles: Math.round(readNumber('--files', values['files'] ?? env['FERRY_BENCH_FILES'], 3000, 0)),
    runs: Math.round(readNumber('--runs', values['runs'] ?? env['FERRY_BENCH_RUNS'], 3, 1)),
  })
}

/** On Ctrl-C or SIGTERM: kill `children`, remove `dir`, exit. Returns a function that stops listening. */
export function removeOnSignal(dir: string, children: Set<{ kill(signal: NodeJS.Signals): unknown }> = new Set()): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    for (const child of children) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    process.exit(signal === 'SIGINT' ? 130 : 143)
  }
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal)
  return () => process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
}
