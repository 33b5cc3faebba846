/**
 * Benchmark runner: `node dist/test/bench/index.js <name> [...args]` (or `npm run bench -- <name>`)
 * runs one benchmark and prints its result as one pretty-printed JSON object on stdout; progress
 * notes go to stderr. With no name (or only options) it runs them all, keyed by name. An unknown
 * name lists the available ones and exits 2. Add a benchmark by adding an entry to BENCHMARKS.
 */
import { BenchSetupError } from './_measure.js'
import { runDeployBench } from './deploy.js'
import { runOcrBench } from './ocr.js'
import { runPackBench } from './pack.js'
import { runProxyBench } from './proxy.js'
import { runRolloutBench } from './rollout.js'
import { runSearchBench } from './search.js'
import { runProtocolsBench } from './protocols.js'
import { runUnpackBench } from './unpack.js'
import { runJobsBench } from './jobs.js'

interface Benchmark {
  summary: string
  run(args: string[]): Promise<unknown>
}

const BENCHMARKS: Readonly<Record<string, Benchmark>> = Object.freeze({
  pack: { summary: 'ferry pack vs zip -r -6 on a ~500 MB model folder: time, peak RSS [--mb n --files n --runs n]', run: runPackBench },
  unpack: { summary: 'unpackPackage (sha256-verified) vs unzip -q on a ~500 MB package [--mb n --files n --runs n]', run: runUnpackBench },
  deploy: { summary: 'cold start of examples/echo: deploy() to ready minus the same entry started by hand [--runs n]', run: runDeployBench },
  ocr: { summary: 'examples/ocr through the gateway vs native tesseract, one process per core: images/s and word accuracy [--images n --passes n]', run: runOcrBench },
  search: { summary: 'GET /api/runs?q= (FTS5, ranked, snippets) over 100,000 runs vs the LIKE scan it replaced: median and p95 ms [--runs n]', run: runSearchBench },
  proxy: { summary: 'wrk GET /health of echo in one run: direct, bare nginx, bare undici, the Node plane, the nginx plane, reloads under load, 50 versions [--seconds n --versions n]', run: runProxyBench },
  rollout: { summary: 'steady load through a replace switch and a rollback vs nginx -s reload: failed requests, p99 during switches vs steady [--rps n --seconds n]', run: runRolloutBench },
  protocols: { summary: 'examples/digits called directly vs through OIP, Gradio run and @gradio/client: req/s, p50/p99, overhead [--requests n --concurrency n]', run: runProtocolsBench },
  jobs: { summary: 'a batch job of N documents through docflow (or ocr) vs a client calling the same endpoint at the same concurrency: images/s, ratio [--model --endpoint --count n --concurrency n]', run: runJobsBench },
})

function listBenchmarks(): string {
  return Object.entries(BENCHMARKS)
    .map(([name, bench]) => `  ${name.padEnd(10)} ${bench.summary}`)
    .join('\n')
}

function printResult(result: unknown): void {
  process.stdout.write(JSON.stringify(result, null, 2) + '\n')
}

async function runAllBenchmarks(args: string[]): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {}
  for (const [name, bench] of Object.entries(BENCHMARKS)) results[name] = await bench.run(args)
  return results
}

/** Runs the benchmark named by `argv[0]` (all of them when there is none); returns the exit code. */
async function runBench(argv: string[]): Promise<number> {
  const [name, ...args] = argv
  if (name === '--help' || name === '-h') {
    process.stderr.write(`usage: node dist/test/bench/index.js [name] [...args]\n${listBenchmarks()}\n`)
    return 0
  }
  if (name === undefined || name.startsWith('-')) {
    printResult(await runAllBenchmarks(argv))
    return 0
  }
  const bench = Object.hasOwn(BENCHMARKS, name) ? BENCHMARKS[name] : undefined
  if (bench === undefined) {
    process.stderr.write(`unknown benchmark "${name}"; available:\n${listBenchmarks()}\n`)
    return 2
  }
  printResult(await bench.run(args))
  return 0
}

runBench(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    if (error instanceof BenchSetupError) process.stderr.write(`bench: ${error.message}\n`)
    else process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exitCode = 1
  },
)
