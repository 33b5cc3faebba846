/**
 * `protocols` benchmark: what it costs to call a model in another protocol. examples/digits on a
 * real gateway (started in process with startGateway, on a temporary data directory), the same
 * 8x8 sample sent four ways, `--concurrency` requests in flight: its own HTTP
 * (`POST /models/digits/predict`), OIP (`POST /v2/models/digits/infer`), Gradio without the queue
 * (`POST /gradio/digits/gradio_api/run/predict`) and @gradio/client's `predict` (queue join plus a
 * server-sent-event stream per call). The protocols call the model through the gateway's own
 * proxy (one more loopback hop), so their cost over the direct call is the figure. Reported:
 * requests/s, p50 and p99 latency, and each protocol's overhead at p50. After a warm-up, the ways
 * take turns in rounds so that the machine's load falls on each alike.
 *
 * Options (argument → environment variable → default):
 *   --requests <n>     measured calls of each way   FERRY_BENCH_PROTOCOL_REQUESTS   600
 *   --concurrency <n>  calls in flight              FERRY_BENCH_PROTOCOL_CONCURRENCY 4
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { Client } from '@gradio/client'
import { startGateway } from '../../gateway/server.js'
import { packFolder } from '../../packager/pack.js'
import { ferryPath } from '../../packager/repo-root.js'
import { computeMedian, logNote, OTHER_BENCH_OPTIONS, removeOnSignal, roundTo } from './_measure.js'

interface WayFigures { requestsPerSecond: number; p50Ms: number; p99Ms: number; overheadP50Ms?: number }

interface Sample { latencies: number[]; seconds: number; calls: number }

/** `calls` calls, `concurrency` at a time, added to `sample`. */
async function measure(sample: Sample, calls: number, concurrency: number, call: () => Promise<void>): Promise<void> {
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < calls) {
      const t0 = performance.now()
      await call()
      sample.latencies.push(performance.now() - t0)
    }
  }))
  sample.seconds += (performance.now() - started) / 1000
  sample.calls += calls
}

function summarise(sample: Sample): WayFigures {
  const sorted = [...sample.latencies].sort((a, b) => a - b)
  return { requestsPerSecond: roundTo(sample.calls / sample.seconds, 1), p50Ms: roundTo(computeMedian(sorted), 2), p99Ms: roundTo(sorted[Math.floor(sorted.length * 0.99)]!, 2) }
}

const ROUNDS = 4

async function ok(response: Promise<Response>): Promise<void> {
  const res = await response
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`)
  await res.arrayBuffer()
}

export async function runProtocolsBench(args: string[]): Promise<unknown> {
  const { values } = parseArgs({ args, options: { requests: { type: 'string' }, concurrency: { type: 'string' }, runs: { type: 'string' }, mb: { type: 'string' }, files: { type: 'string' }, ...OTHER_BENCH_OPTIONS }, strict: false })
  const requests = Number(values.requests ?? process.env['FERRY_BENCH_PROTOCOL_REQUESTS'] ?? 600)
  const concurrency = Number(values.concurrency ?? process.env['FERRY_BENCH_PROTOCOL_CONCURRENCY'] ?? 4)
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-protocols-'))
  const stopCleanup = removeOnSignal(dir)
  const gateway = await startGateway({ port: 0, dataDir: join(dir, 'data'), env: {} })
  try {
    logNote('protocols', 'packing and deploying examples/digits')
    const packed = await packFolder({ dir: ferryPath('examples', 'digits'), outDir: join(dir, 'out') })
    const pkg = await gateway.deployer.addPackage(packed.path)
    await gateway.deployer.deploy({ package: pkg.digest })
    const { pixels } = JSON.parse(readFileSync(ferryPath('examples', 'digits', 'samples', 'pixels-4.json'), 'utf8')) as { pixels: number[] }
    const post = (path: string, body: unknown) => fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const client = await Client.connect(`${gateway.url}/gradio/digits/`)
    const ways: Record<string, () => Promise<void>> = {
      direct: () => ok(post('/models/digits/predict', { pixels })),
      oip: () => ok(post('/v2/models/digits/infer', { inputs: [{ name: 'pixels', shape: [8, 8], datatype: 'FP32', data: pixels }] })),
      gradioRun: () => ok(post('/gradio/digits/gradio_api/run/predict', { data: [pixels] })),
      gradioClient: async () => { await client.predict('/predict', { pixels }) },
    }
    // A warm-up of each, then the ways take turns round by round, so load on the machine falls on all alike.
    for (const call of Object.values(ways)) for (let i = 0; i < 50; i++) await call()
    const samples = Object.fromEntries(Object.keys(ways).map((name) => [name, { latencies: [], seconds: 0, calls: 0 } as Sample]))
    for (let round = 1; round <= ROUNDS; round++) {
      logNote('protocols', `round ${round} of ${ROUNDS}: ${Math.ceil(requests / ROUNDS)} calls of each way, ${concurrency} in flight`)
      for (const [name, call] of Object.entries(ways)) await measure(samples[name]!, Math.ceil(requests / ROUNDS), concurrency, call)
    }
    client.close()
    const figures = Object.fromEntries(Object.entries(samples).map(([name, sample]) => [name, summarise(sample)])) as Record<string, WayFigures>
    for (const name of ['oip', 'gradioRun', 'gradioClient']) figures[name]!.overheadP50Ms = roundTo(figures[name]!.p50Ms - figures['direct']!.p50Ms, 2)
    return { model: 'examples/digits', requests, concurrency, cores: cpus().length, ways: figures }
  } finally {
    await gateway.close()
    stopCleanup()
    rmSync(dir, { recursive: true, force: true })
  }
}
