/**
 * /api/jobs: submit a job (JSON inputs, or a zip of files as application/zip with model, endpoint
 * and concurrency in the query, or as multipart/form-data with them as fields before the file),
 * list jobs with their progress, one job's progress, its results as JSON lines (streamed; with
 * `follow=1` until the job ends), cancel, remove.
 */
import { Readable } from 'node:stream'
import { Hono, type Context } from 'hono'
import type { AuthEnv } from '../auth/index.js'
import { createGatewayError } from '../errors.js'
import { readLimitedBody } from '../_json-body.js'
import { readMultipartFile } from '../_multipart-upload.js'
import { queryFlag, queryInteger, queryString } from '../_query.js'
import type { ResolvedJobOptions } from './job-options.js'
import type { JobControl } from './job-runner.js'
import type { JobService, JobSpec } from './job-service.js'
import type { JobStore } from './job-store.js'

const ZIP_TYPES = /^application\/(zip|x-zip-compressed)\b/i
const FIELDS = ['model', 'endpoint', 'inputs', 'concurrency']
const PAGE = 500
/** While following a running job with no new result, how often its status is read again. */
const FOLLOW_POLL_MS = 1000

/** The id in the path; one that is not an id at all (`abc`, `1.5`) is E_JOB_NOT_FOUND naming what was sent. */
function jobId(c: Context): number {
  const raw = c.req.param('id') ?? ''
  if (/^\d{1,15}$/.test(raw)) return Number(raw)
  throw createGatewayError('E_JOB_NOT_FOUND', `"${raw.slice(0, 40)}" is not a job id: ids are whole numbers from 1`, { details: { id: raw.slice(0, 40) } })
}

function readConcurrency(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined
  return /^\d+$/.test(value) ? Number(value) : Number.NaN
}

async function readJsonJob(c: Context, maxBytes: number): Promise<{ spec: JobSpec; inputs: unknown[] }> {
  let bytes: Buffer
  try {
    bytes = await readLimitedBody(c, maxBytes)
  } catch (error) {
    if ((error as { code?: string }).code !== 'E_PAYLOAD_TOO_LARGE') throw error
    throw createGatewayError('E_PAYLOAD_TOO_LARGE', `a JSON job's body may be up to ${maxBytes} bytes (FERRY_JOB_MAX_JSON_BYTES); send larger inputs as files in a zip`, { details: { limit: maxBytes, variable: 'FERRY_JOB_MAX_JSON_BYTES' } })
  }
  const text = bytes.toString('utf8')
  let body: unknown
  try { body = JSON.parse(text) } catch (error) { throw createGatewayError('E_BODY_INVALID_JSON', `the body is not valid JSON: ${(error as Error).message}`) }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw createGatewayError('E_BODY_INVALID', 'the body must be a JSON object {model, endpoint, inputs}', { path: '/' })
  const record = body as Record<string, unknown>
  for (const key of Object.keys(record)) if (!FIELDS.includes(key)) throw createGatewayError('E_BODY_INVALID', `unknown field "${key}"; allowed: ${FIELDS.join(', ')}`, { path: `/${key}` })
  if (!Array.isArray(record['inputs'])) throw createGatewayError('E_BODY_INVALID', '"inputs" must be an array of JSON values, one per call', { path: '/inputs' })
  if (record['concurrency'] !== undefined && typeof record['concurrency'] !== 'number') throw createGatewayError('E_BODY_INVALID', '"concurrency" must be a number', { path: '/concurrency' })
  return { spec: { model: record['model'] as string, endpoint: record['endpoint'] as string, concurrency: record['concurrency'] as number | undefined }, inputs: record['inputs'] }
}

/** Mounted at /api. */
export function createJobRoutes(jobs: JobService, store: JobStore, runner: JobControl, limits: Pick<ResolvedJobOptions, 'maxJobBytes' | 'maxJsonBytes'>): Hono<AuthEnv> {
  const { maxJobBytes, maxJsonBytes } = limits
  const api = new Hono<AuthEnv>()

  api.post('/jobs', async (c) => {
    const type = c.req.header('content-type') ?? ''
    const createdBy = c.get('principal')?.name
    if (/^application\/json\b/i.test(type)) {
      const { spec, inputs } = await readJsonJob(c, maxJsonBytes)
      const job = jobs.submitJson(spec, inputs, createdBy)
      c.set('auditTarget', `job ${job.id}`)
      return c.json(jobs.view(job.id), 201)
    }
    const multipart = /^multipart\/form-data\b/i.test(type)
    if (!ZIP_TYPES.test(type) && !multipart) throw createGatewayError('E_UNSUPPORTED_MEDIA_TYPE', `send the job as application/json {model, endpoint, inputs}, or a zip of files as application/zip or multipart/form-data, not "${type || 'no content type'}"`, { details: { contentType: type } })
    const declared = Number(c.req.header('content-length') ?? NaN)
    if (declared > maxJobBytes) throw createGatewayError('E_PAYLOAD_TOO_LARGE', `the zip is ${declared} bytes; a job's limit is ${maxJobBytes}`, { details: { limit: maxJobBytes } })
    const raw = c.req.raw.body
    if (!raw) throw createGatewayError('E_JOB_ZIP_INVALID', 'the body is empty: send a zip of files, one input each')
    for (const name of ['model', 'endpoint', 'concurrency']) {
      if ((c.req.queries(name)?.length ?? 0) > 1) throw createGatewayError('E_QUERY_INVALID', `${name} is given more than once in the query; give it once`, { details: { parameter: name } })
    }
    const stream = Readable.fromWeb(raw as never)
    const fromQuery: JobSpec = { model: queryString(c, 'model') as string, endpoint: queryString(c, 'endpoint') as string, concurrency: readConcurrency(queryString(c, 'concurrency')) }
    let job
    if (multipart) {
      job = await readMultipartFile(stream, type, (file, _name, fields) => {
        // Fields after the file are not read (the file streams to disk as it comes): say so, rather than only "required".
        if (fields['model'] === undefined && fromQuery.model === undefined) throw createGatewayError('E_BODY_INVALID', '"model" is required: send the model, endpoint and concurrency fields before the file', { path: '/model' })
        return jobs.submitZip({
          model: fields['model'] ?? fromQuery.model, endpoint: fields['endpoint'] ?? fromQuery.endpoint, concurrency: readConcurrency(fields['concurrency']) ?? fromQuery.concurrency,
        }, file, createdBy)
      })
    } else {
      jobs.check(fromQuery)
      job = await jobs.submitZip(fromQuery, stream, createdBy)
    }
    c.set('auditTarget', `job ${job.id}`)
    return c.json(jobs.view(job.id), 201)
  })

  api.get('/jobs', (c) => {
    const limit = queryInteger(c, 'limit', { min: 1, max: 500, fallback: 50 })
    return c.json(store.list(limit).map((job) => jobs.view(job.id, 3)))
  })

  api.get('/jobs/:id', (c) => c.json(jobs.view(jobId(c), queryInteger(c, 'failures', { min: 0, max: 1000, fallback: 20 }))))

  api.get('/jobs/:id/results', (c) => {
    const id = jobId(c)
    const job = jobs.get(id)
    const follow = queryFlag(c, 'follow')
    let after = queryInteger(c, 'after', { min: 0, max: Number.MAX_SAFE_INTEGER, fallback: 0 })
    const { done } = store.counts(id)
    let wake: (() => void) | undefined
    let unwatch: (() => void) | undefined
    const encoder = new TextEncoder()
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        for (;;) {
          const page = store.results(id, after, PAGE)
          if (page.length > 0) {
            after = page[page.length - 1]!.seq
            controller.enqueue(encoder.encode(page.map((r) => `${JSON.stringify(r)}\n`).join('')))
            return
          }
          // A job that no longer runs here (it ended, or the server is stopping) has nothing more to follow.
          if (!follow || store.get(id)?.status !== 'running' || !runner.activity(id)) {
            unwatch?.()
            controller.close()
            return
          }
          unwatch ??= runner.watch(id, () => wake?.())
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, FOLLOW_POLL_MS)
            wake = () => { clearTimeout(timer); resolve() }
          })
        }
      },
      cancel() { unwatch?.(); wake?.() },
    })
    // The status when the answer began: a cancelled job's results are those kept up to the cancel.
    return c.body(body, 200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-store',
      'x-ferry-job-status': job.status,
      'x-ferry-job-done': `${done}/${job.total}`,
    })
  })

  api.post('/jobs/:id/cancel', (c) => {
    c.set('auditTarget', `job ${c.req.param('id')}`)
    return c.json(jobs.cancel(jobId(c)))
  })

  api.delete('/jobs/:id', async (c) => {
    c.set('auditTarget', `job ${c.req.param('id')}`)
    await jobs.remove(jobId(c))
    return c.body(null, 204)
  })

  return api
}
