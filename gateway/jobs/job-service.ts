/**
 * What the routes ask of jobs: submit one (its target checked, its inputs stored whole before it
 * starts), its progress, cancel, remove. A zip job's files live under `<data dir>/jobs/<id>/`
 * until the job is removed; a folder that no job owns (a crash mid-submit) is removed at open.
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Deployer } from '../../deployer/index.js'
import { createGatewayError } from '../errors.js'
import { type JobRecord, type JobStore, type NewInput } from './job-store.js'
import type { ResolvedJobOptions } from './job-options.js'
import { parseModelPath } from '../proxy/_path.js'
import { modelPath, type JobControl } from './job-runner.js'
import { unpackZipInputs } from './_zip-inputs.js'

export interface JobSpec { model: string; endpoint: string; concurrency?: number | undefined }

/** A job as the API shows it: its record and its progress. */
export interface JobView extends JobRecord {
  done: number
  succeeded: number
  failed: number
  inFlight: number[]
  /** Results per second: over the last 30 s while running, over its whole run once ended. */
  rate: number | null
  etaSeconds: number | null
  /** The first failures, each with its input (a JSON input's value, or a file's name in the zip). */
  failures: Array<{ index: number; input: unknown; status: number | null; error: unknown }>
}

const RATE_WINDOW_MS = 30_000
const ENDPOINT = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/

export interface JobServiceParts {
  store: JobStore
  runner: JobControl
  deployer: Deployer
  /** True when inference on `name` needs a token (its own, or a named inference token names it). */
  guarded: (name: string) => boolean
  options: ResolvedJobOptions
  jobsDir: string
}

/**
 * One JSON input as the text it is sent as. JSON.parse reads any depth, JSON.stringify recurses:
 * an input nested some thousands deep (`[[[[…]]]]`) is refused here, naming it, rather than a 500.
 */
function storeInput(value: unknown, index: number): string {
  try {
    return JSON.stringify(value ?? null)
  } catch (error) {
    if (!(error instanceof RangeError)) throw error
    throw createGatewayError('E_BODY_INVALID', `input ${index} is nested too deeply to be sent on; flatten it, or send it as a file in a zip`, { path: `/inputs/${index}` })
  }
}

export class JobService {
  constructor(private readonly parts: JobServiceParts) {
    mkdirSync(parts.jobsDir, { recursive: true, mode: 0o700 })
    this.removeStrays()
  }

  inputsDir(id: number): string {
    return join(this.parts.jobsDir, String(id))
  }

  /** Checks the body's fields and target; throws the error a client should see, changing nothing. */
  check(spec: JobSpec): { model: string; endpoint: string; concurrency: number } {
    const { deployer, options } = this.parts
    if (typeof spec.model !== 'string' || spec.model === '') throw createGatewayError('E_BODY_INVALID', '"model" is required: name, name@version or name@alias', { path: '/model' })
    if (typeof spec.endpoint !== 'string' || spec.endpoint === '') throw createGatewayError('E_BODY_INVALID', '"endpoint" is required, e.g. "/predict"', { path: '/endpoint' })
    const endpoint = spec.endpoint.startsWith('/') ? spec.endpoint : `/${spec.endpoint}`
    if (!ENDPOINT.test(endpoint) || endpoint.split('/').some((s) => s === '.' || s === '..')) throw createGatewayError('E_BODY_INVALID', `"${spec.endpoint}" is not a path under the model`, { path: '/endpoint' })
    const concurrency = spec.concurrency ?? options.defaultConcurrency
    if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > options.maxConcurrency) {
      throw createGatewayError('E_BODY_INVALID', `"concurrency" must be a whole number from 1 to ${options.maxConcurrency}`, { path: '/concurrency', details: { limit: options.maxConcurrency } })
    }
    const at = spec.model.indexOf('@')
    const name = at === -1 ? spec.model : spec.model.slice(0, at)
    // The proxy's own rule on the URL each input will be sent to: what it would refuse on every
    // input (E_PROXY_PATH_INVALID: "echo@", an encoded "..", "/", "\\") is refused here, once.
    const proxied = parseModelPath(modelPath(spec.model, endpoint))
    if (proxied && !proxied.ok) {
      const atFault = parseModelPath(modelPath(spec.model, '/'))?.ok === false ? '/model' : '/endpoint'
      throw createGatewayError('E_BODY_INVALID', `${atFault === '/model' ? `"${spec.model}"` : `"${spec.endpoint}"`} would be refused by the proxy on every input: ${proxied.reason}`, { path: atFault })
    }
    // An unknown model or version is the deployer's 404 (E_MODEL_NOT_FOUND / E_VERSION_NOT_FOUND), listing what exists.
    const target = deployer.resolveTarget(name, at === -1 ? 'latest' : spec.model.slice(at + 1))
    const listed = (target.descriptor.api?.endpoints ?? []).filter((e) => e.method === 'POST').map((e) => e.path)
    const path = endpoint.split('?')[0]
    if ((target.descriptor.api?.endpoints?.length ?? 0) > 0 && !listed.includes(path!)) {
      throw createGatewayError('E_JOB_ENDPOINT_UNKNOWN', `${spec.model} has no endpoint POST ${path}; it lists ${listed.length ? listed.map((p) => `POST ${p}`).join(', ') : 'no POST endpoint'}`, { path: '/endpoint', details: { endpoint: path, endpoints: listed } })
    }
    if (this.parts.guarded(name)) throw createGatewayError('E_JOB_MODEL_TOKEN_UNSUPPORTED', `${name} requires an inference token, and jobs do not carry one`, { path: '/model', details: { name } })
    return { model: spec.model, endpoint, concurrency }
  }

  private checkCount(count: number): void {
    if (count === 0) throw createGatewayError('E_JOB_INPUTS_EMPTY', 'a job needs at least one input', { path: '/inputs', details: { inputs: 0 } })
    if (count > this.parts.options.maxInputs) throw createGatewayError('E_JOB_TOO_MANY_INPUTS', `${count} inputs; a job takes at most ${this.parts.options.maxInputs}`, { path: '/inputs', details: { inputs: count, limit: this.parts.options.maxInputs } })
  }

  /** A job of JSON inputs, each sent as a JSON body. */
  submitJson(spec: JobSpec, inputs: unknown[], createdBy?: string): JobRecord {
    const checked = this.check(spec)
    this.checkCount(inputs.length)
    const stored: NewInput[] = inputs.map((value, index) => { const body = storeInput(value, index); return { body, size: Buffer.byteLength(body) } })
    const job = this.parts.store.create({ ...checked, kind: 'json', ...(createdBy ? { createdBy } : {}) }, stored)
    this.parts.runner.start(job)
    return job
  }

  /** A job of the files in a zip, streamed to disk (at most maxJobBytes), unpacked, then started. */
  async submitZip(spec: JobSpec, body: Readable, createdBy?: string): Promise<JobRecord> {
    const checked = this.check(spec)
    const { options, jobsDir, store, runner } = this.parts
    const tag = randomBytes(8).toString('hex')
    const upload = join(jobsDir, `.upload-${tag}.zip`)
    const partial = join(jobsDir, `.partial-${tag}`)
    try {
      let size = 0
      const limit = new Transform({ transform(chunk: Buffer, _e, done) {
        size += chunk.length
        if (size > options.maxJobBytes) return done(createGatewayError('E_PAYLOAD_TOO_LARGE', `a job's zip may be up to ${options.maxJobBytes} bytes`, { details: { limit: options.maxJobBytes } }))
        done(null, chunk)
      } })
      await pipeline(body, limit, createWriteStream(upload, { flags: 'wx', mode: 0o600 }))
      const inputs = await unpackZipInputs(upload, partial, { maxInputs: options.maxInputs, maxInputBytes: options.maxInputBytes, maxTotalBytes: options.maxJobBytes })
      // The folder takes the job's id inside the job's transaction: both exist, or neither.
      const job = store.create({ ...checked, kind: 'files', ...(createdBy ? { createdBy } : {}) }, inputs, (id) => renameSync(partial, this.inputsDir(id)))
      runner.start(job)
      return job
    } finally {
      await rm(upload, { force: true })
      await rm(partial, { recursive: true, force: true })
    }
  }

  /** The job with its progress, or E_JOB_NOT_FOUND. */
  view(id: number, failureLimit = 20): JobView {
    const { store, runner } = this.parts
    const job = this.get(id)
    const { done, failed } = store.counts(id)
    const activity = runner.activity(id)
    let rate: number | null = null
    const now = Date.now()
    if (job.status === 'running') {
      const from = Math.max(now - RATE_WINDOW_MS, activity?.startedMs ?? now)
      const seconds = (now - from) / 1000
      if (seconds >= 0.5) rate = store.since(id, from).n / seconds
    } else {
      const { first, last } = store.span(id)
      const start = Date.parse(job.createdAt)
      if (last !== null && first !== null && last > start) rate = done / ((last - start) / 1000)
    }
    const remaining = job.total - done
    const etaSeconds = job.status !== 'running' ? null : remaining === 0 ? 0 : rate ? Math.round(remaining / rate) : null
    const failures = store.failures(id, failureLimit).map((f) => ({ index: f.index, input: f.input, status: f.status, error: f.error }))
    return { ...job, done, succeeded: done - failed, failed, inFlight: activity?.inFlight ?? [], rate: rate === null ? null : Math.round(rate * 100) / 100, etaSeconds, failures }
  }

  get(id: number): JobRecord {
    const job = Number.isSafeInteger(id) && id > 0 ? this.parts.store.get(id) : undefined
    if (!job) throw createGatewayError('E_JOB_NOT_FOUND', `no job ${Number.isNaN(id) ? '' : id}`.trim(), { details: { id } })
    return job
  }

  /** Cancels a running job; a cancelled one again is a no-op; a finished one is E_JOB_FINISHED. */
  cancel(id: number): JobView {
    const job = this.get(id)
    if (job.status === 'finished') throw createGatewayError('E_JOB_FINISHED', `job ${id} has finished; there is nothing to cancel`, { details: { id, status: job.status } })
    if (job.status === 'running') this.parts.runner.cancel(id)
    return this.view(id)
  }

  /** Removes an ended job with its results and files; a running one is E_JOB_RUNNING. */
  async remove(id: number): Promise<void> {
    const job = this.get(id)
    if (job.status === 'running') throw createGatewayError('E_JOB_RUNNING', `job ${id} is running: cancel it first`, { details: { id } })
    this.parts.store.remove(id)
    await rm(this.inputsDir(id), { recursive: true, force: true })
  }

  /** Uploads and unpacked folders of submits that never finished, and folders of removed jobs. */
  private removeStrays(): void {
    for (const name of readdirSync(this.parts.jobsDir)) {
      const id = /^\d+$/.test(name) ? Number(name) : undefined
      if (id !== undefined && this.parts.store.get(id)?.kind === 'files') continue
      rmSync(join(this.parts.jobsDir, name), { recursive: true, force: true })
    }
  }
}

