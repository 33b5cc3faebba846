/**
 * `npm run bench -- jobs`: a batch job of N documents (default 1,000) through a model endpoint
 * (default `POST /models/docflow/upload-and-predict`) against a client calling the same endpoint
 * with the same concurrency, in one run, on one `ferry serve`: images per second of both and
 * their ratio (job ÷ client), in ABBA order (client, job, job, client on halves). The job's figure is wall clock from the start of the zip's upload
 * to the job's end as the client sees it (polling GET /api/jobs/:id every 100 ms), so it includes
 * uploading and unpacking the zip and committing every result to jobs.db (synchronous=FULL);
 * `jobOnly` is the job's own span (its createdAt to endedAt).
 *
 * Documents: the example's own samples (examples/<model>/samples: PNG, JPEG, PDF), cycled to N.
 * When examples/docflow does not exist (the pipeline is built on another branch), it falls back
 * to `ocr` `POST /recognize` with a note saying so. Models deployed: --deploy, else docflow's
 * steps (ocr, doc-classifier) and docflow, or the model alone.
 *
 * Options: --model NAME  --endpoint /PATH  --count N (1000)  --concurrency N (4)  --deploy a,b,c
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { packFolder } from '../../packager/pack.js'
import { ferryPath } from '../../packager/repo-root.js'
import { contentTypeOf } from '../../gateway/jobs/_zip-inputs.js'
import { encodeZip } from '../_zip-writer.js'
import { BenchSetupError, logNote, OTHER_BENCH_OPTIONS, removeOnSignal, roundTo } from './_measure.js'

type Killable = { kill(signal: NodeJS.Signals): unknown }
interface Gateway { child: ChildProcess; url: string; token: string }
interface JobView { id: number; status: string; done: number; failed: number; total: number; createdAt: string; endedAt: string | null }

const DOCUMENT_TYPES = new Set(['.png', '.jpg', '.jpeg', '.pdf'])

function resolveOptions(args: string[]) {
  let values: Record<string, string | undefined>
  try {
    values = parseArgs({ args, options: { model: { type: 'string' }, endpoint: { type: 'string' }, count: { type: 'string' }, concurrency: { type: 'string' }, deploy: { type: 'string' }, mb: { type: 'string' }, files: { type: 'string' }, runs: { type: 'string' }, ...OTHER_BENCH_OPTIONS } }).values
  } catch (error) {
    throw new BenchSetupError(`jobs: ${(error as Error).message} (options: --model NAME --endpoint /PATH --count N --concurrency N --deploy a,b,c)`)
  }
  const whole = (name: string, raw: string | undefined, fallback: number) => {
    const value = raw === undefined ? fallback : Number(raw)
    if (!Number.isInteger(value) || value < 1) throw new BenchSetupError(`jobs: --${name} must be a whole number ≥ 1, got "${raw}"`)
    return value
  }
  const notes: string[] = []
  let model = values['model'] ?? 'docflow'
  let endpoint = values['endpoint'] ?? (model === 'docflow' ? '/upload-and-predict' : undefined)
  if (model === 'docflow' && !existsSync(ferryPath('examples', 'docflow', 'descriptor.json'))) {
    notes.push('examples/docflow is not on this branch: fell back to ocr POST /recognize (the same contract: an image body in, JSON out). Run again with docflow present for the issue\'s figure.')
    logNote('jobs', notes[0]!)
    model = 'ocr'
    endpoint = '/recognize'
  }
  if (!endpoint) throw new BenchSetupError(`jobs: --endpoint is required with --model ${model}`)
  if (!existsSync(ferryPath('examples', model, 'descriptor.json'))) throw new BenchSetupError(`jobs: there is no examples/${model}`)
  const deploy = values['deploy'] ? values['deploy'].split(',').filter(Boolean) : model === 'docflow' ? ['ocr', 'doc-classifier', 'docflow'] : [model]
  return { model, endpoint: endpoint.startsWith('/') ? endpoint : `/${endpoint}`, count: whole('count', values['count'], 1000), concurrency: whole('concurrency', values['concurrency'], 4), deploy, notes }
}

/** The example's sample documents, or ocr's when it has none. */
function sampleDocuments(model: string): Array<{ name: string; body: Buffer }> {
  for (const dir of [ferryPath('examples', model, 'samples'), ferryPath('examples', 'ocr', 'samples')]) {
    if (!existsSync(dir)) continue
    const files = readdirSync(dir).filter((f) => DOCUMENT_TYPES.has(extname(f).toLowerCase())).sort()
    if (files.length) return files.map((name) => ({ name, body: readFileSync(join(dir, name)) }))
  }
  throw new BenchSetupError(`jobs: examples/${model}/samples holds no PNG, JPEG or PDF`)
}

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

async function deployExample(gateway: Gateway, name: string, work: string, children: Set<Killable>): Promise<void> {
  const zip = (await packFolder({ dir: ferryPath('examples', name), outDir: join(work, 'pack') })).path
  const pkg = await callApi<{ digest: string }>(gateway, 'POST', '/packages', readFileSync(zip), 'application/zip')
  const info = await callApi<{ replicas?: Array<{ pid: number | null }> }>(gateway, 'POST', '/deployments', JSON.stringify({ package: pkg.digest }), 'application/json')
  for (const { pid } of info.replicas ?? []) if (pid !== null) children.add({ kill: (signal) => { try { process.kill(-pid, signal) } catch { /* gone */ } } })
}

/** Every document once, `concurrency` requests in flight, as a client would. */
async function runClient(url: string, docs: Array<{ name: string; body: Buffer }>, concurrency: number): Promise<{ seconds: number; failed: number }> {
  let next = 0
  let failed = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < docs.length) {
      const doc = docs[next++]!
      const response = await fetch(url, { method: 'POST', body: doc.body, headers: { 'content-type': contentTypeOf(doc.name) } })
      await response.arrayBuffer()
      if (!response.ok) failed++
    }
  }))
  return { seconds: (performance.now() - started) / 1000, failed }
}

async function runJob(gateway: Gateway, model: string, endpoint: string, docs: Array<{ name: string; body: Buffer }>, concurrency: number): Promise<{ seconds: number; jobOnlySeconds: number; failed: number; zipBytes: number; results: number }> {
  const zip = encodeZip(docs.map((d) => ({ name: d.name, data: d.body })))
  const query = new URLSearchParams({ model, endpoint, concurrency: String(concurrency) })
  const started = performance.now()
  const job = await callApi<JobView>(gateway, 'POST', `/jobs?${query}`, zip, 'application/zip')
  let view = job
  while (view.status === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 100))
    view = await callApi<JobView>(gateway, 'GET', `/jobs/${job.id}`)
  }
  const seconds = (performance.now() - started) / 1000
  const lines = (await (await fetch(`${gateway.url}/api/jobs/${job.id}/results`, { headers: { authorization: `Bearer ${gateway.token}` } })).text()).split('\n').filter(Boolean).length
  return { seconds, jobOnlySeconds: (Date.parse(view.endedAt ?? '') - Date.parse(view.createdAt)) / 1000, failed: view.failed, zipBytes: zip.length, results: lines }
}

export async function runJobsBench(args: string[] = []) {
  const options = resolveOptions(args)
  if (!existsSync(ferryPath('dist', 'gateway', 'cli', 'index.js'))) throw new BenchSetupError('jobs: the Ferry CLI is not built: run `npm run build`')
  const samples = sampleDocuments(options.model)
  // Distinct names (the zip needs them), same bytes cycled.
  const docs = Array.from({ length: options.count }, (_, i) => { const s = samples[i % samples.length]!; return { name: `${String(i).padStart(5, '0')}-${s.name}`, body: s.body } })
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-jobs-'))
  const children = new Set<Killable>()
  const forgetSignals = removeOnSignal(work, children)
  let gateway: Gateway | undefined
  try {
    logNote('jobs', `starting ferry serve (child) and deploying ${options.deploy.join(', ')}`)
    gateway = await startGateway(join(work, 'data'), children)
    for (const name of options.deploy) await deployExample(gateway, name, work, children)
    const url = `${gateway.url}/models/${options.model}${options.endpoint}`
    logNote('jobs', `warm-up: ${Math.min(samples.length, options.concurrency) * 2} calls`)
    await runClient(url, Array.from({ length: options.concurrency * 2 }, (_, i) => samples[i % samples.length]!), options.concurrency)
    // ABBA: client, job, job, client, each on half the documents, so a machine whose load drifts
    // during the run weighs on both sides alike.
    const half = Math.ceil(options.count / 2)
    const parts = [docs.slice(0, half), docs.slice(half)]
    const client = { seconds: 0, failed: 0 }
    const job = { seconds: 0, jobOnlySeconds: 0, failed: 0, results: 0, zipBytes: 0 }
    const addClient = (run: { seconds: number; failed: number }) => { client.seconds += run.seconds; client.failed += run.failed }
    const addJob = (run: typeof job) => { for (const key of Object.keys(job) as Array<keyof typeof job>) job[key] += run[key] }
    logNote('jobs', `client then job on ${parts[0]!.length} documents, then job then client on ${parts[1]!.length}, ${options.concurrency} in flight`)
    addClient(await runClient(url, parts[0]!, options.concurrency))
    addJob(await runJob(gateway, options.model, options.endpoint, parts[0]!, options.concurrency))
    if (parts[1]!.length > 0) {
      addJob(await runJob(gateway, options.model, options.endpoint, parts[1]!, options.concurrency))
      addClient(await runClient(url, parts[1]!, options.concurrency))
    }
    const clientRate = options.count / client.seconds
    const jobRate = options.count / job.seconds
    logNote('jobs', `client ${roundTo(clientRate, 2)} images/s, job ${roundTo(jobRate, 2)} images/s`)
    return {
      benchmark: 'jobs',
      model: options.model,
      endpoint: `POST ${options.endpoint}`,
      documents: options.count,
      distinctDocuments: samples.length,
      concurrency: options.concurrency,
      client: { imagesPerSecond: roundTo(clientRate, 2), seconds: roundTo(client.seconds, 2), failed: client.failed },
      job: { imagesPerSecond: roundTo(jobRate, 2), seconds: roundTo(job.seconds, 2), jobOnlyImagesPerSecond: roundTo(options.count / job.jobOnlySeconds, 2), jobOnlySeconds: roundTo(job.jobOnlySeconds, 2), failed: job.failed, resultsKept: job.results, zipBytes: job.zipBytes, jobs: parts[1]!.length > 0 ? 2 : 1 },
      ratio: { jobVsClient: roundTo(jobRate / clientRate, 3) },
      notes: [
        ...options.notes,
        `${options.count} documents cycled from ${samples.length} sample file(s) (${samples.map((s) => s.name).join(', ')}), after a warm-up, in ABBA order on the same server and model replicas: the client on the first half, a job of the first half, a job of the second half, the client on the second half; each side's figure is its N documents over its summed seconds.`,
        'client: undici fetch from the bench process, one POST per document, the same concurrency as the job; job: one zip upload, the gateway feeding its own /models/ proxy over loopback and committing each result to jobs.db (synchronous=FULL).',
        `job.seconds runs from the start of the upload to the job's end seen by polling every 100 ms; jobOnly is its createdAt → endedAt. The gateway, model replicas and this client share ${availableParallelism()} core(s).`,
      ],
      machine: { node: process.version, cpus: availableParallelism(), loadAverage: loadavg().map((n) => roundTo(n, 2)) },
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
