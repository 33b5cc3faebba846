/**
 * `ferry job submit|status|results|cancel|rm`: batch jobs (gateway/jobs/). `submit` sends a JSON
 * array or JSON-lines file of inputs, or a zip of files, and with --wait draws a progress bar
 * until the job ends; `status --watch` does the same for a running job; `results` prints the
 * results as JSON lines (with --follow, as they come, until the job ends).
 */
import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { Readable } from 'node:stream'
import { UsageError } from '../../../packager/ferry-error.js'
import type { JobView } from '../../jobs/index.js'
import { CLIENT_OPTIONS, createApiClient, type ApiClient } from '../_client.js'
import { createProgressBar } from '../_progress-bar.js'
import { defineCommand, type CommandContext } from '../command.js'

const ACTIONS = ['submit', 'status', 'results', 'cancel', 'rm'] as const
const POLL_MS = 500

/** Inputs from a file: a JSON array, or JSON lines (one value a line; blank lines skipped). */
export function parseInputsFile(text: string, file: string): unknown[] {
  const trimmed = text.trim()
  if (trimmed.startsWith('[')) {
    try { return JSON.parse(trimmed) as unknown[] } catch (error) { throw new UsageError(`${file} is not a JSON array: ${(error as Error).message}`) }
  }
  return trimmed.split('\n').map((line, i) => [line.trim(), i] as const).filter(([line]) => line !== '').map(([line, i]) => {
    try { return JSON.parse(line) as unknown } catch (error) { throw new UsageError(`${file} line ${i + 1} is not JSON: ${(error as Error).message}`) }
  })
}

/** A missing or unreadable file is the user's mistake, said in one line. */
async function readable<T>(file: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read()
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`)
  }
}

const rate = (j: JobView) => (j.rate === null ? '–' : `${j.rate}/s`)

/** One job in a few lines: progress, rate, ETA, and its first failures with their inputs. */
export function renderJob(j: JobView): string {
  const eta = j.etaSeconds === null ? '' : `, ETA ${j.etaSeconds}s`
  const head = `job ${j.id}  ${j.model} POST ${j.endpoint}  ${j.status}  ${j.done}/${j.total} done (${j.succeeded} ok, ${j.failed} failed), ${rate(j)}${eta}${j.inFlight.length ? `, ${j.inFlight.length} in flight` : ''}`
  const failures = j.failures.map((f) => `  input ${f.index} ${JSON.stringify(f.input)}: ${f.status ?? 'no answer'} ${(f.error as { code?: string; message?: string } | null)?.code ?? ''} ${(f.error as { message?: string } | null)?.message ?? ''}`.trimEnd())
  return [head, ...failures, ...(j.failed > j.failures.length ? [`  … ${j.failed - j.failures.length} more failures`] : [])].join('\n')
}

async function watch(client: ApiClient, id: number, context: CommandContext): Promise<JobView> {
  const bar = createProgressBar(context.stderr, `job ${id}`, context.interactive && !context.json, 'counts')
  try {
    for (;;) {
      const job = await client.call<JobView>('GET', `/jobs/${id}`)
      bar.update(job.done, job.total)
      if (job.status !== 'running' || context.signal.aborted) return job
      await new Promise((r) => setTimeout(r, POLL_MS))
    }
  } finally {
    bar.done()
  }
}

async function submit(client: ApiClient, values: Record<string, unknown>, positionals: string[], context: CommandContext): Promise<JobView> {
  const [model, endpoint] = positionals as [string | undefined, string | undefined]
  if (!model || !endpoint) throw new UsageError('ferry job submit needs the model and the endpoint, e.g. `ferry job submit ocr /recognize --zip scans.zip`')
  const inputs = values['inputs'] as string | undefined
  const zip = values['zip'] as string | undefined
  if ((inputs === undefined) === (zip === undefined)) throw new UsageError('give the inputs as --inputs FILE (a JSON array or JSON lines) or --zip FILE (one input per file), one of the two')
  const concurrency = values['concurrency'] === undefined ? undefined : Number(values['concurrency'])
  if (concurrency !== undefined && !Number.isSafeInteger(concurrency)) throw new UsageError(`--concurrency takes a whole number, not "${values['concurrency']}"`)
  let job: JobView
  if (inputs !== undefined) {
    const file = resolve(context.cwd, inputs)
    job = await client.call<JobView>('POST', '/jobs', { json: { model, endpoint, inputs: parseInputsFile(await readable(inputs, () => readFile(file, 'utf8')), inputs), ...(concurrency !== undefined ? { concurrency } : {}) } })
  } else {
    const query = new URLSearchParams({ model, endpoint, ...(concurrency !== undefined ? { concurrency: String(concurrency) } : {}) })
    // Streamed from disk with a progress bar, never read whole into memory (a zip may be up to 1 GiB).
    const path = resolve(context.cwd, zip!)
    const size = (await readable(zip!, () => stat(path))).size
    const bar = createProgressBar(context.stderr, 'uploading', context.interactive && !context.json)
    let sent = 0
    const file = createReadStream(path, { highWaterMark: 1024 * 1024 })
    file.on('data', (chunk) => bar.update((sent += chunk.length), size))
    try {
      job = await client.call<JobView>('POST', `/jobs?${query}`, { body: Readable.toWeb(file) as ReadableStream, headers: { 'content-type': 'application/zip', 'content-length': String(size) }, duplex: 'half' })
    } finally {
      bar.done()
    }
  }
  if (!values['wait']) return job
  if (!context.json) context.stderr.write(`job ${job.id}: ${job.total} inputs to ${model} POST ${job.endpoint}\n`)
  return watch(client, job.id, context)
}

async function results(client: ApiClient, id: number, follow: boolean, context: CommandContext): Promise<number> {
  const response = await client.raw('GET', `/jobs/${id}/results${follow ? '?follow=1' : ''}`, context.signal)
  const decoder = new TextDecoder()
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) context.stdout.write(decoder.decode(chunk, { stream: true }))
  const job = await client.call<JobView>('GET', `/jobs/${id}`)
  if (job.status === 'cancelled') {
    context.stderr.write(`ferry: job ${id} was cancelled: these are the ${job.done} of ${job.total} results kept up to the cancel\n`)
    return 1
  }
  if (job.status === 'running') context.stderr.write(`ferry: job ${id} is still running: ${job.done} of ${job.total} results so far (--follow waits for the rest)\n`)
  return 0
}

export default defineCommand<JobView | JobView[] | undefined>({
  usage: 'ferry job submit <model> <endpoint> (--inputs FILE | --zip FILE) [--concurrency N] [--wait] | status [<id>] [--watch] | results <id> [--follow] | cancel <id> | rm <id>',
  description: 'Run a batch of inputs through a model and keep every result, resumed after a restart of the server. `submit` answers with the job (with --wait, a progress bar until it ends); `status` lists jobs or shows one with its failures; `results` prints its results as JSON lines; `cancel` stops it, keeping the results so far; `rm` removes an ended job and its files.',
  options: {
    inputs: { type: 'string', value: 'FILE', description: 'submit: a JSON array of inputs, or JSON lines (one input each), each sent as a JSON body' },
    zip: { type: 'string', value: 'FILE', description: 'submit: a zip of files, each sent as the body with its content type (by extension)' },
    concurrency: { type: 'string', value: 'N', description: 'submit: calls in flight at once (default 4)' },
    wait: { type: 'boolean', description: 'submit: show progress until the job ends' },
    watch: { type: 'boolean', short: 'w', description: 'status: show progress until the job ends' },
    follow: { type: 'boolean', short: 'f', description: 'results: keep printing results as they come until the job ends' },
    ...CLIENT_OPTIONS,
  },
  positionals: { min: 1, max: 3 },
  async run({ values, positionals }, context) {
    const [action, ...rest] = positionals as [string, ...string[]]
    if (!(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`unknown action "${action}"; use one of ${ACTIONS.join(', ')}`)
    const client = createApiClient(values, context)
    if (action === 'submit') return { result: await submit(client, values, rest, context) }
    if (action === 'status' && rest.length === 0) return { result: await client.call<JobView[]>('GET', '/jobs') }
    if (rest.length !== 1 || !/^\d+$/.test(rest[0]!)) throw new UsageError(`ferry job ${action} needs one job id (a number), e.g. \`ferry job ${action} 3\``)
    const id = Number(rest[0])
    if (action === 'status') return { result: values['watch'] ? await watch(client, id, context) : await client.call<JobView>('GET', `/jobs/${id}`) }
    if (action === 'results') return { result: undefined, exitCode: await results(client, id, values['follow'] === true, context) }
    if (action === 'cancel') return { result: await client.call<JobView>('POST', `/jobs/${id}/cancel`) }
    await client.call('DELETE', `/jobs/${id}`)
    return { result: undefined }
  },
  render: (r) => (r === undefined ? '' : Array.isArray(r) ? (r.length ? r.map(renderJob).join('\n') : 'no job yet') : renderJob(r)),
})
