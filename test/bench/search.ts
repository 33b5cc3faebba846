/**
 * `npm run bench -- search`: full-text search over tracked runs. Builds a tracking.db of 100,000
 * runs (each ~40 words of recorded text drawn from a 5,000-word vocabulary, Zipf-like, plus params
 * and tags), then times `GET /api/runs?q=` as the gateway runs it (RunStore.list with q, limit 100,
 * ranked, with snippets) for 60 queries of one to three words, common and rare, against the
 * substring scan it replaced (`LIKE '%word%'` over params, tags and text) on the same rows, in the
 * same run. Goal: p95 under 50 ms.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { RunStore } from '../../gateway/run-store.js'
import { openTrackingDatabase } from '../../gateway/tracking-db.js'
import { BenchSetupError, computeMedian, logNote, OTHER_BENCH_OPTIONS, roundTo } from './_measure.js'

const GOAL_P95_MS = 50

/** A deterministic generator (mulberry32), so every run of the benchmark searches the same rows. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

function makeWord(i: number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz'
  let word = ''
  for (let n = i + 7; word.length < 4 || n > 0; n = Math.floor(n / 26)) word += letters[n % 26]
  return word
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
}

export async function runSearchBench(args: string[]) {
  let values: Record<string, string | undefined>
  try {
    values = parseArgs({ args, options: { runs: { type: 'string' }, mb: { type: 'string' }, files: { type: 'string' }, ...OTHER_BENCH_OPTIONS } }).values
  } catch (error) {
    throw new BenchSetupError(`search: ${(error as Error).message} (options: --runs <n>)`)
  }
  const count = Number(values.runs ?? 100_000)
  if (!Number.isInteger(count) || count < 1) throw new BenchSetupError(`search: --runs must be a whole number ≥ 1, got "${values.runs}"`)
  const dir = await mkdtemp(join(tmpdir(), 'ferry-bench-search-'))
  try {
    const db = openTrackingDatabase(dir)
    const store = new RunStore(db, join(dir, 'runs'))
    const vocabulary = Array.from({ length: 5000 }, (_, i) => makeWord(i))
    const next = random(42)
    // Zipf-like: low indexes are common words, high ones rare.
    const pick = () => vocabulary[Math.floor(vocabulary.length * next() ** 3)]!
    logNote('search', `recording ${count} runs`)
    const built = performance.now()
    const insert = db.transaction((n: number) => {
      for (let i = 0; i < n; i++) {
        const text = Array.from({ length: 40 }, pick).join(' ')
        store.create({ model: i % 2 ? 'ocr' : 'docflow', version: '1.0.0' }, { status: 'finished', text, params: { label: pick(), pages: 1 + (i % 5) }, tags: { batch: `b${i % 100}` } })
      }
    })
    for (let done = 0; done < count; done += 10_000) insert(Math.min(10_000, count - done))
    const buildSeconds = (performance.now() - built) / 1000
    const queries = Array.from({ length: 60 }, (_, i) => Array.from({ length: 1 + (i % 3) }, () => vocabulary[Math.floor(next() * (i % 2 ? 200 : 5000))]!).join(' '))
    const time = (fn: () => unknown) => { const start = performance.now(); fn(); return performance.now() - start }
    const like = db.prepare("SELECT * FROM runs WHERE (params LIKE ? OR tags LIKE ? OR text LIKE ?) ORDER BY id DESC LIMIT 100")
    for (const q of queries.slice(0, 5)) store.list({ q, limit: 100 }) // warm the page cache
    const fts = queries.map((q) => time(() => store.list({ q, limit: 100 })))
    const scan = queries.map((q) => { const pattern = `%${q.split(' ')[0]}%`; return time(() => like.all(pattern, pattern, pattern)) })
    const hits = queries.map((q) => store.list({ q, limit: 100 }).length)
    db.close()
    const p95 = percentile(fts, 0.95)
    return {
      runs: count,
      queries: queries.length,
      buildSeconds: roundTo(buildSeconds, 1),
      fts: { medianMs: roundTo(computeMedian(fts), 2), p95Ms: roundTo(p95, 2), maxMs: roundTo(Math.max(...fts), 2), medianHits: computeMedian(hits) },
      likeScan: { medianMs: roundTo(computeMedian(scan), 2), p95Ms: roundTo(percentile(scan, 0.95), 2), note: 'the substring scan q used before, one word, no ranking or snippet' },
      speedup: roundTo(computeMedian(scan) / computeMedian(fts), 1),
      goal: `p95 < ${GOAL_P95_MS} ms over ${count} runs`,
      met: p95 < GOAL_P95_MS,
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
