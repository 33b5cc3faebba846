/**
 * `ocr` benchmark: images per second of examples/ocr (tesseract.js 7, WebAssembly, a pool of
 * worker threads) through the gateway, against the native `tesseract` CLI (Debian `tesseract-ocr`)
 * on the same images in the same run, with each side's word accuracy against the expected text.
 * Goal (issue 5): ≥ 0.6 × native throughput at equal accuracy.
 *
 * Images: a fresh set of text lines (1200×200, ¾ PNG, ¼ JPEG, every fifth speckled) rendered by
 * examples/ocr/scripts/generate-samples.mjs with Debian's Chromium into a temporary folder.
 *  - Ferry: a real `ferry serve` child with examples/ocr packed, uploaded and deployed through its
 *    API (so runs are tracked too: each request also records a run with its highlighted PNG). Its
 *    pool has one worker per core (`OCR_WORKERS=auto`, at most 4); the images are POSTed to
 *    /models/ocr/recognize with 2 × workers requests in flight, after one warm-up round.
 *  - Native: one `tesseract <list> stdout` process per core with OMP_THREAD_LIMIT=1, each reading
 *    a list file of its share of the images; its default English data (tessdata_fast), and, as a
 *    second figure, the same model file the example uses (4.0.0_best_int).
 * Each side processes every image `passes` times; throughput is images over wall-clock seconds.
 * Word accuracy: the share of expected words found in the output (lower case, punctuation split).
 *
 * Options (argument → environment variable → default):
 *   --images <n>  images generated          FERRY_BENCH_OCR_IMAGES   40
 *   --passes <n>  times each image is read  FERRY_BENCH_OCR_PASSES   3
 * (--mb, --files, --runs, --seconds and --connections are accepted and ignored.)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { gunzipSync } from 'node:zlib'
import { packFolder } from '../../packager/pack.js'
import { ferryPath } from '../../packager/repo-root.js'
import { BenchSetupError, hasCommand, logNote, removeOnSignal, roundTo, runTimed } from './_measure.js'

export interface OcrBenchOptions {
  images: number
  passes: number
}

export interface OcrFigures {
  imagesPerSecond: number
  seconds: number
  images: number
  /** Share of the expected words found, 0-1. */
  wordAccuracy: number
  missedWords: number
}

export interface OcrBenchResult {
  benchmark: 'ocr'
  images: number
  passes: number
  workers: number
  concurrency: number
  ferry: OcrFigures & { runsRecorded: number }
  native: OcrFigures
  nativeSameModel: OcrFigures
  ratios: { ferryVsNative: number; ferryVsNativeSameModel: number }
  goals: { ferryVsNative: string; accuracy: string }
  met: { ferryVsNative: boolean; accuracyVsNative: boolean; accuracyVsNativeSameModel: boolean }
  notes: string[]
  machine: { node: string; tesseract: string; cpus: number; loadAverage: number[] }
}

const GOAL_RATIO = 0.6
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const OCR_DIR = ferryPath('examples', 'ocr')

type Killable = { kill(signal: NodeJS.Signals): unknown }
type Expected = Record<string, string>

/** Reads the options from `args`, then the environment, then defaults. */
export function resolveOcrBenchOptions(args: string[], env: NodeJS.ProcessEnv = process.env): Readonly<OcrBenchOptions> {
  let values: Record<string, string | undefined>
  try {
    const ignored = { type: 'string' } as const
    values = parseArgs({ args, options: { images: ignored, passes: ignored, mb: ignored, files: ignored, runs: ignored, seconds: ignored, connections: ignored } }).values
  } catch (error) {
    throw new BenchSetupError(`ocr: ${(error as Error).message} (options: --images <n> --passes <n>)`)
  }
  const readWhole = (name: string, raw: string | undefined, fallback: number): number => {
    if (raw === undefined || raw === '') return fallback
    const value = Number(raw)
    if (!Number.isInteger(value) || value < 1) throw new BenchSetupError(`ocr: ${name} must be a whole number ≥ 1, got "${raw}"`)
    return value
  }
  return Object.freeze({
    images: readWhole('--images', values['images'] ?? env['FERRY_BENCH_OCR_IMAGES'], 40),
    passes: readWhole('--passes', values['passes'] ?? env['FERRY_BENCH_OCR_PASSES'], 3),
  })
}

function assertToolsPresent(): void {
  const missing = [hasCommand('tesseract', ['--version']) ? null : 'tesseract-ocr tesseract-ocr-eng', existsSync(CHROMIUM) ? null : 'chromium'].filter((x) => x !== null)
  if (missing.length > 0) throw new BenchSetupError(`ocr: missing tools: \`sudo apt-get install -y ${missing.join(' ')}\` (Debian/Ubuntu; CHROMIUM_PATH may name another Chromium)`)
  if (!existsSync(ferryPath('dist', 'gateway', 'cli', 'index.js'))) throw new BenchSetupError('ocr: the Ferry CLI is not built: run `npm run build`')
  if (!existsSync(join(OCR_DIR, 'build', 'server.js'))) throw new BenchSetupError('ocr: examples/ocr is not built: run `npx tsc -b examples/ocr` (or `npm run build`)')
}

// ── Accuracy ──────────────────────────────────────────────────────────────────

const toWords = (text: string): string[] => text.toLowerCase().split(/[^a-z0-9]+/).filter((word) => word !== '')

/** Expected words missing from `recognised`, each expected word matched once. */
function countMissedWords(expected: string, recognised: string): number {
  const left = toWords(recognised)
  return toWords(expected).filter((word) => {
    const at = left.indexOf(word)
    if (at !== -1) left.splice(at, 1)
    return at === -1
  }).length
}

function scoreOutputs(expected: Expected, outputs: Map<string, string>): { wordAccuracy: number; missedWords: number } {
  let total = 0
  let missed = 0
  for (const [file, text] of Object.entries(expected)) {
    total += toWords(text).length
    missed += countMissedWords(text, outputs.get(file) ?? '')
  }
  return { wordAccuracy: roundTo((total - missed) / total, 4), missedWords: missed }
}

function buildFigures(seconds: number, images: number, score: { wordAccuracy: number; missedWords: number }): OcrFigures {
  return { imagesPerSecond: roundTo(images / seconds, 2), seconds: roundTo(seconds, 2), images, ...score }
}

// ── Native tesseract ──────────────────────────────────────────────────────────

/** One tesseract process per core, each on its share of the list; pages are separated by \f. */
async function runNative(imageDir: string, files: string[], passes: number, cores: number, tessdataDir: string | null): Promise<{ seconds: number; outputs: Map<string, string> }> {
  const queue = Array.from({ length: passes }, () => files).flat()
  const shares = Array.from({ length: cores }, (_, core) => queue.filter((_, i) => i % cores === core))
  const lists = shares.map((share, core) => {
    const list = join(imageDir, `list-${core}${tessdataDir ? '-same' : ''}.txt`)
    writeFileSync(list, share.map((file) => join(imageDir, file)).join('\n') + '\n')
    return list
  })
  const env = { ...process.env, OMP_THREAD_LIMIT: '1' }
  const started = performance.now()
  const runs = await Promise.all(lists.map((list) => runTimed('tesseract', [...(tessdataDir ? ['--tessdata-dir', tessdataDir] : []), list, 'stdout'], { cwd: imageDir, env })))
  const seconds = (performance.now() - started) / 1000
  const outputs = new Map<string, string>()
  runs.forEach((run, core) => {
    if (run.code !== 0) throw new Error(`tesseract exited with ${run.code}: ${run.stderr.slice(-1000)}`)
    const pages = run.stdout.split('\f')
    shares[core]!.forEach((file, i) => { if (!outputs.has(file)) outputs.set(file, pages[i] ?? '') })
  })
  return { seconds, outputs }
}

function tesseractVersion(): string {
  return /tesseract (\S+)/.exec(spawnSync('tesseract', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? 'unknown'
}

// ── Ferry ─────────────────────────────────────────────────────────────────────

interface Gateway { child: ChildProcess; url: string; token: string }

async function startGateway(dataDir: string, children: Set<Killable>): Promise<Gateway> {
  const token = randomBytes(24).toString('hex')
  const child = spawn(process.execPath, [ferryPath('bin', 'ferry.js'), 'serve', '--port', '0', '--data', dataDir, '--json'], { cwd: ferryPath(), env: { ...process.env, FERRY_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000) })
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('{')) return { child, url: (JSON.parse(line) as { url: string }).url, token }
  }
  throw new Error(`ferry serve exited before printing its URL:\n${stderr}`)
}

async function callApi<T>(gateway: Gateway, method: string, path: string, body?: Buffer | string, contentType?: string): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${gateway.token}`, ...(contentType ? { 'content-type': contentType } : {}) }
  const response = await fetch(`${gateway.url}/api${path}`, { method, headers, ...(body !== undefined ? { body } : {}) })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} /api${path}: ${response.status} ${text.slice(0, 1000)}`)
  return JSON.parse(text) as T
}

/** Packs examples/ocr, uploads and deploys it; resolves once ready. */
async function deployOcr(gateway: Gateway, work: string, children: Set<Killable>): Promise<void> {
  const zip = (await packFolder({ dir: OCR_DIR, outDir: join(work, 'pack') })).path
  const pkg = await callApi<{ digest: string }>(gateway, 'POST', '/packages', readFileSync(zip), 'application/zip')
  const info = await callApi<{ replicas: Array<{ pid: number | null }> }>(gateway, 'POST', '/deployments', JSON.stringify({ package: pkg.digest }), 'application/json')
  for (const { pid } of info.replicas) {
    // Each replica is its own process group; on Ctrl-C take it down with the gateway.
    if (pid !== null) children.add({ kill: (signal) => { try { process.kill(-pid, signal) } catch { /* gone */ } } })
  }
}

/** POSTs every file `passes` times with `concurrency` requests in flight; keeps the first text of each file. */
async function sendImages(url: string, imageDir: string, files: string[], passes: number, concurrency: number): Promise<{ seconds: number; outputs: Map<string, string> }> {
  const bodies = new Map(files.map((file) => [file, readFileSync(join(imageDir, file))]))
  const queue = Array.from({ length: passes }, () => files).flat()
  const outputs = new Map<string, string>()
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < queue.length) {
      const file = queue[next++]!
      const response = await fetch(url, { method: 'POST', body: bodies.get(file)!, headers: { 'content-type': file.endsWith('.png') ? 'image/png' : 'image/jpeg' } })
      const body = (await response.json()) as { text?: string }
      if (response.status !== 200) throw new Error(`POST ${url} (${file}): ${response.status} ${JSON.stringify(body).slice(0, 500)}`)
      if (!outputs.has(file)) outputs.set(file, body.text ?? '')
    }
  }))
  return { seconds: (performance.now() - started) / 1000, outputs }
}

/** How many finished runs of ocr the gateway holds. */
async function countRuns(gateway: Gateway): Promise<number> {
  const { runs } = await callApi<{ runs: Array<{ status: string }> }>(gateway, 'GET', '/runs?model=ocr&limit=1000')
  return runs.filter((run) => run.status === 'finished').length
}

/** Polls until `count` runs are finished or 10 s passed; returns how many there are. */
async function waitForRuns(gateway: Gateway, count: number): Promise<number> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const runs = await countRuns(gateway)
    if (runs >= count || Date.now() > deadline) return runs
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

// ── Run ───────────────────────────────────────────────────────────────────────

/** Runs the benchmark; `args` as in resolveOcrBenchOptions. */
export async function runOcrBench(args: string[] = []): Promise<OcrBenchResult> {
  const options = resolveOcrBenchOptions(args)
  assertToolsPresent()
  const cores = availableParallelism()
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-ocr-'))
  const children = new Set<Killable>()
  const forgetSignals = removeOnSignal(work, children)
  let gateway: Gateway | undefined
  try {
    const imageDir = join(work, 'images')
    logNote('ocr', `rendering ${options.images} text-line images with Chromium`)
    const generated = await runTimed(process.execPath, [join(OCR_DIR, 'scripts', 'generate-samples.mjs'), '--out', imageDir, '--count', String(options.images)], { cwd: ferryPath() })
    if (generated.code !== 0) throw new Error(`generate-samples.mjs exited with ${generated.code}:\n${generated.stderr.slice(-2000)}`)
    const expected = JSON.parse(readFileSync(join(imageDir, 'expected.json'), 'utf8')) as Expected
    const files = Object.keys(expected)
    const total = files.length * options.passes

    logNote('ocr', 'starting ferry serve (child) and deploying examples/ocr through its API')
    gateway = await startGateway(join(work, 'data'), children)
    await deployOcr(gateway, work, children)
    const health = (await (await fetch(`${gateway.url}/models/ocr/health`)).json()) as { workers: number }
    const workers = health.workers
    const concurrency = 2 * workers
    const url = `${gateway.url}/models/ocr/recognize`
    logNote('ocr', `ferry: ${workers} worker(s), ${concurrency} requests in flight; warm-up round`)
    await sendImages(url, imageDir, files.slice(0, concurrency), 1, concurrency)
    const runsBefore = await waitForRuns(gateway, concurrency)
    const ferryRun = await sendImages(url, imageDir, files, options.passes, concurrency)
    const ferry = buildFigures(ferryRun.seconds, total, scoreOutputs(expected, ferryRun.outputs))
    logNote('ocr', `ferry: ${ferry.imagesPerSecond} images/s, word accuracy ${ferry.wordAccuracy}`)
    const runsRecorded = (await waitForRuns(gateway, runsBefore + total)) - runsBefore

    logNote('ocr', `native: ${cores} tesseract process(es), OMP_THREAD_LIMIT=1, Debian's English data`)
    const nativeRun = await runNative(imageDir, files, options.passes, cores, null)
    const native = buildFigures(nativeRun.seconds, total, scoreOutputs(expected, nativeRun.outputs))
    logNote('ocr', `native: ${native.imagesPerSecond} images/s, word accuracy ${native.wordAccuracy}`)
    const tessdata = join(work, 'tessdata')
    mkdirSync(tessdata)
    const model = join(ferryPath('node_modules', '@tesseract.js-data', 'eng', '4.0.0_best_int', 'eng.traineddata.gz'))
    writeFileSync(join(tessdata, 'eng.traineddata'), gunzipSync(readFileSync(model)))
    const sameRun = await runNative(imageDir, files, options.passes, cores, tessdata)
    const nativeSameModel = buildFigures(sameRun.seconds, total, scoreOutputs(expected, sameRun.outputs))
    logNote('ocr', `native, the example's model: ${nativeSameModel.imagesPerSecond} images/s, word accuracy ${nativeSameModel.wordAccuracy}`)

    const ratios = { ferryVsNative: roundTo(ferry.imagesPerSecond / native.imagesPerSecond, 3), ferryVsNativeSameModel: roundTo(ferry.imagesPerSecond / nativeSameModel.imagesPerSecond, 3) }
    return {
      benchmark: 'ocr',
      images: files.length,
      passes: options.passes,
      workers,
      concurrency,
      ferry: { ...ferry, runsRecorded },
      native,
      nativeSameModel,
      ratios,
      goals: { ferryVsNative: `>= ${GOAL_RATIO}`, accuracy: 'ferry word accuracy >= native word accuracy' },
      met: {
        ferryVsNative: ratios.ferryVsNative >= GOAL_RATIO,
        accuracyVsNative: ferry.wordAccuracy >= native.wordAccuracy,
        accuracyVsNativeSameModel: ferry.wordAccuracy >= nativeSameModel.wordAccuracy,
      },
      notes: [
        `${files.length} generated 1200×200 text lines (¾ PNG, ¼ JPEG, every fifth speckled), each read ${options.passes} times by each side; the Ferry pass is timed after a warm-up round.`,
        `ferry: POST /models/ocr/recognize through a \`ferry serve\` child, ${workers} tesseract.js worker(s) (4.0.0_best_int, LSTM), ${concurrency} requests in flight; every request is also recorded as a tracked run with a highlighted PNG (${runsRecorded} of ${total} recorded within 10 s of the last answer).`,
        `native: ${cores} \`tesseract <list> stdout\` process(es), OMP_THREAD_LIMIT=1, started and timed together; "native" uses Debian's eng.traineddata (tessdata_fast), "nativeSameModel" the example's 4.0.0_best_int model.`,
        `gateway, instance, client and tesseract processes share ${cores} core(s).`,
      ],
      machine: { node: process.version, tesseract: tesseractVersion(), cpus: cores, loadAverage: loadavg().map((n) => roundTo(n, 2)) },
    }
  } finally {
    if (gateway && gateway.child.exitCode === null) {
      const exited = new Promise((resolve) => gateway!.child.once('exit', resolve))
      gateway.child.kill('SIGTERM')
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))])
    }
    for (const child of children) child.kill('SIGKILL')
    forgetSignals()
    rmSync(work, { recursive: true, force: true })
  }
}
