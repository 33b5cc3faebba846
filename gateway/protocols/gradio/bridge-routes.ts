/**
 * `/gradio/<name>[@version|@alias]/…`: every deployed model as a Gradio app that @gradio/client
 * (and gradio_client) connect to unchanged: `config`, `gradio_api/info`, `upload`, `queue/join` +
 * `queue/data` (sse_v3), `run/<api_name>` and `file=<path>`. A model that is itself a Gradio app
 * (`api.protocol: "gradio"`) is passed through untouched instead. Calls go through the model
 * proxy (model-caller.ts). Errors use Gradio's own form, `{detail, error, code}`: detail is what
 * the client shows for a refused join, error what it shows for a refused run.
 */
import { Hono, type Context } from 'hono'
import type { Deployer } from '../../../deployer/index.js'
import { isFerryError } from '../../../packager/ferry-error.js'
import { GATEWAY_ERRORS } from '../../errors.js'
import { readLimitedBody } from '../../_json-body.js'
import type { ModelCaller } from '../model-caller.js'
import { describeModelError, readModelAnswer, buildModelRequest } from '../model-request.js'
import { checkModelToken, resolveModel, type ModelTarget } from '../model-access.js'
import { API_PREFIX, buildGradioApp } from './_app-config.js'
import { FileStore, MAX_FILE_BYTES } from './_file-store.js'
import { renderBridgePage } from './_page.js'
import { GradioQueue } from './_queue.js'
import { GradioValueError, readInputs, writeOutputs } from './_values.js'

export interface GradioBridge {
  routes: Hono
  close(): void
}

type GradioErrorCode = keyof typeof GATEWAY_ERRORS
/** A call's JSON (data may hold large values); uploads have their own limit. */
const MAX_CALL_BYTES = 16 * 1024 * 1024

function gradioError(c: Context, code: GradioErrorCode, message: string, status?: number): Response {
  const spec = GATEWAY_ERRORS[code]
  const detail = code === 'E_MODEL_TOKEN_REQUIRED' ? { auth_message: message } : message
  return c.json({ detail, error: message, code, hint: spec.hint }, (status ?? spec.status) as 400)
}

function fromError(c: Context, error: unknown): Response {
  if (error instanceof GradioValueError) return gradioError(c, error.code, error.message)
  if (isFerryError(error)) return c.json({ detail: error.code === 'E_MODEL_TOKEN_REQUIRED' ? { auth_message: error.message } : error.message, error: error.message, code: error.code, hint: error.hint }, error.status as 400)
  throw error
}

/**
 * @example app.route('/', createGradioBridge({ deployer, caller }).routes)
 */
export function createGradioBridge(options: { deployer: Deployer; caller: ModelCaller }): GradioBridge {
  const { deployer, caller } = options
  const files = new FileStore()
  const queue = new GradioQueue()
  const routes = new Hono()

  /** Runs one call of a dependency: the model's answer as output values, or the error to show. `base`: where file= is served. */
  async function call(base: string, model: ModelTarget, fnIndex: number, data: unknown, headers: Headers): Promise<{ success: true; data: unknown[] } | { success: false; error: string }> {
    const app = buildGradioApp(model.descriptor, model.version)
    const signature = app.endpoints[fnIndex]!
    const values = readInputs(signature, data, files)
    const answer = await caller.call(model.name, model.selector, buildModelRequest(signature, values), headers)
    if (answer.status >= 400) return { success: false, error: `${model.name} answered ${answer.status}: ${describeModelError(answer)}` }
    return { success: true, data: writeOutputs(signature, readModelAnswer(answer), files, base) }
  }

  const fileBase = (c: Context) => `${new URL(c.req.url).origin}/gradio/${c.req.param('target')}${API_PREFIX}`

  /** The body as JSON, at most MAX_CALL_BYTES (413 past it, while it streams). */
  async function readJson(c: Context): Promise<unknown> {
    const bytes = await readLimitedBody(c, MAX_CALL_BYTES)
    return JSON.parse(bytes.toString('utf8')) as unknown
  }

  // A Gradio app's address ends with a slash: its page's relative URLs need it.
  routes.get('/gradio/:target', (c) => c.redirect(`/gradio/${encodeURIComponent(c.req.param('target')).replace(/%40/g, '@')}/${new URL(c.req.url).search}`, 308))
  routes.all('/gradio/:target/*', async (c) => {
    const target = c.req.param('target')
    let model: ModelTarget
    try {
      model = resolveModel(deployer, target)
      checkModelToken(deployer, model.name, c.req.header('authorization'))
    } catch (error) {
      return fromError(c, error)
    }
    const rest = c.req.path.slice(`/gradio/${target}`.length) || '/'
    if (model.descriptor.api.protocol === 'gradio') {
      const search = new URL(c.req.url).search
      return caller.pass(model.name, model.selector, rest + search, c.req.raw)
    }
    if (model.descriptor.api.protocol === 'oip-v2' || !model.descriptor.api.endpoints?.length) {
      return gradioError(c, 'E_PROTOCOL_UNSUPPORTED', `${model.name}@${model.version} declares no endpoints Ferry can present as a Gradio app`)
    }
    const app = buildGradioApp(model.descriptor, model.version)
    const method = c.req.method
    try {
      if (method === 'GET' && (rest === '/' || rest === '')) return c.html(renderBridgePage(model, app, new URL(c.req.url).origin))
      if (method === 'GET' && rest === '/config') return c.json(app.config)
      if (method === 'GET' && (rest === `${API_PREFIX}/info` || rest === '/info')) return c.json(app.info)
      if (method === 'POST' && rest === `${API_PREFIX}/upload`) return await upload(c)
      if (method === 'POST' && rest === `${API_PREFIX}/queue/join`) return await join(c, model)
      if (method === 'GET' && rest === `${API_PREFIX}/queue/data`) return openStream(c)
      if (method === 'POST' && rest.startsWith(`${API_PREFIX}/run/`)) return await runDirect(c, model, rest.slice(`${API_PREFIX}/run/`.length))
      if (method === 'GET' && rest.startsWith(`${API_PREFIX}/file=`)) return serveFile(c, decodeURIComponent(rest.slice(`${API_PREFIX}/file=`.length)))
    } catch (error) {
      return fromError(c, error)
    }
    return gradioError(c, 'E_ROUTE_NOT_FOUND', `no Gradio route ${method} ${rest}`)
  })

  async function upload(c: Context): Promise<Response> {
    const type = c.req.header('content-type') ?? ''
    if (!/^multipart\/form-data/i.test(type)) return gradioError(c, 'E_GRADIO_UPLOAD_INVALID', 'send the files as multipart/form-data, field "files"')
    const bytes = await readLimitedBody(c, MAX_FILE_BYTES)
    let form: FormData
    try {
      form = await new Response(bytes, { headers: { 'content-type': type } }).formData()
    } catch {
      return gradioError(c, 'E_GRADIO_UPLOAD_INVALID', 'the multipart body could not be read')
    }
    const uploads = form.getAll('files').filter((f) => typeof f !== 'string') as Array<{ size: number; name: string; type: string; arrayBuffer(): Promise<ArrayBuffer> }>
    if (uploads.length === 0) return gradioError(c, 'E_GRADIO_UPLOAD_INVALID', 'no file in the form field "files"')
    const paths: string[] = []
    for (const file of uploads) {
      if (file.size > MAX_FILE_BYTES) return gradioError(c, 'E_PAYLOAD_TOO_LARGE', `"${file.name}" is larger than ${MAX_FILE_BYTES} bytes`)
      paths.push(files.put({ bytes: Buffer.from(await file.arrayBuffer()), contentType: file.type || 'application/octet-stream', name: file.name }))
    }
    return c.json(paths)
  }

  async function readCall(c: Context, model: ModelTarget): Promise<{ fnIndex: number; data: unknown; sessionHash: string } | Response> {
    let body: unknown
    try {
      body = await readJson(c)
    } catch (error) {
      if (isFerryError(error)) throw error
      return gradioError(c, 'E_BODY_INVALID_JSON', 'the body must be JSON: {data, fn_index, session_hash}')
    }
    const { data, fn_index: fnIndex, session_hash: sessionHash } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
    const app = buildGradioApp(model.descriptor, model.version)
    if (typeof fnIndex !== 'number' || !Number.isInteger(fnIndex) || !app.endpoints[fnIndex]) {
      const known = app.config.dependencies.map((d) => `${d.id} (/${d.api_name})`).join(', ')
      return gradioError(c, 'E_GRADIO_ENDPOINT_UNKNOWN', `no dependency with fn_index ${JSON.stringify(fnIndex)} in ${model.name}@${model.version}; it has ${known}`)
    }
    return { fnIndex, data, sessionHash: typeof sessionHash === 'string' && sessionHash ? sessionHash : 'anonymous' }
  }

  async function join(c: Context, model: ModelTarget): Promise<Response> {
    const request = await readCall(c, model)
    if (request instanceof Response) return request
    // Bad input is refused here, before an event exists, so nothing runs.
    const signature = buildGradioApp(model.descriptor, model.version).endpoints[request.fnIndex]!
    readInputs(signature, request.data, files)
    const headers = new Headers(c.req.raw.headers)
    const base = fileBase(c)
    const eventId = queue.join(request.sessionHash, () => call(base, model, request.fnIndex, request.data, headers))
    return c.json({ event_id: eventId })
  }

  function openStream(c: Context): Response {
    const sessionHash = c.req.query('session_hash') ?? ''
    const stream = queue.open(sessionHash, c.req.raw.signal)
    if (!stream) return gradioError(c, 'E_GRADIO_SESSION_UNKNOWN', `no session ${JSON.stringify(sessionHash)} has calls waiting; join the queue first`)
    return new Response(stream, { headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' } })
  }

  async function runDirect(c: Context, model: ModelTarget, apiName: string): Promise<Response> {
    const app = buildGradioApp(model.descriptor, model.version)
    const dependency = app.config.dependencies.find((d) => d.api_name === apiName.replace(/^\//, ''))
    if (!dependency) return gradioError(c, 'E_GRADIO_ENDPOINT_UNKNOWN', `no endpoint /${apiName} in ${model.name}@${model.version}; it has ${app.config.dependencies.map((d) => `/${d.api_name}`).join(', ')}`)
    let body: unknown
    try {
      body = await readJson(c)
    } catch (error) {
      if (isFerryError(error)) throw error
      return gradioError(c, 'E_BODY_INVALID_JSON', 'the body must be JSON: {data: [...]}')
    }
    const data = typeof body === 'object' && body !== null ? (body as { data?: unknown }).data : undefined
    const started = performance.now()
    const result = await call(fileBase(c), model, dependency.id, data, new Headers(c.req.raw.headers)).catch((error: unknown) => {
      if (error instanceof GradioValueError) throw error
      return { success: false as const, error: error instanceof Error ? error.message : String(error) }
    })
    const duration = (performance.now() - started) / 1000
    if (!result.success) return c.json({ detail: result.error, error: result.error, code: 'E_PROTOCOL_MODEL_ERROR' }, 500)
    return c.json({ data: result.data, is_generating: false, duration, average_duration: duration, render_config: null, changed_state_ids: [] })
  }

  function serveFile(c: Context, path: string): Response {
    const file = files.get(path)
    if (!file) return gradioError(c, 'E_GRADIO_FILE_INVALID', `no file ${JSON.stringify(path)} (files are kept for an hour)`, 404)
    return c.body(new Uint8Array(file.bytes), 200, { 'content-type': file.contentType, 'content-length': String(file.bytes.length), 'cache-control': 'private, max-age=3600' })
  }

  return {
    routes,
    close() {
      queue.close()
    },
  }
}

