/**
 * The Open Inference Protocol v2 REST API (KServe, Triton) for every deployed model:
 * `GET /v2/health/live|ready`, `GET /v2`, `GET /v2/models/<m>[/versions/<v>]` (metadata),
 * `…/ready`, `POST …/infer`. A model's tensors are its primary endpoint's fields (signature.ts,
 * hints from the descriptor); a model that speaks OIP itself (`api.protocol: "oip-v2"`) is passed
 * through. Inference goes through the model proxy (model-caller.ts). Errors are `{error, code}`.
 */
import { Hono, type Context } from 'hono'
import type { Deployer } from '../../../deployer/index.js'
import { isFerryError } from '../../../packager/ferry-error.js'
import { GATEWAY_ERRORS } from '../../errors.js'
import { readLimitedBody } from '../../_json-body.js'
import type { ModelCaller } from '../model-caller.js'
import { checkModelToken, resolveModel, type ModelTarget } from '../model-access.js'
import { buildModelRequest, describeModelError, readModelAnswer } from '../model-request.js'
import { describeModel, type EndpointSignature } from '../signature.js'
import { inputMetadata, OipError, outputMetadata, readInputTensors, writeOutputTensors } from './_tensors.js'

const MAX_BODY_BYTES = 64 * 1024 * 1024

function oipError(c: Context, code: keyof typeof GATEWAY_ERRORS, message: string, status?: number): Response {
  return c.json({ error: message, code }, (status ?? GATEWAY_ERRORS[code].status) as 400)
}

function fromError(c: Context, error: unknown): Response {
  if (error instanceof OipError) return oipError(c, error.code, error.message)
  if (isFerryError(error)) return c.json({ error: error.message, code: error.code }, error.status as 400)
  throw error
}

/** The model and the endpoint its tensors are, or the error to answer. */
function primaryOf(model: ModelTarget): EndpointSignature | undefined {
  return describeModel(model.descriptor).primary
}

/**
 * @example app.route('/', createOipRoutes({ deployer, caller, serverVersion: '0.1.0' }))
 */
export function createOipRoutes(options: { deployer: Deployer; caller: ModelCaller; serverVersion: string }): Hono {
  const { deployer, caller } = options
  const routes = new Hono()

  routes.get('/v2/health/live', (c) => c.json({ live: true }))
  routes.get('/v2/health/ready', (c) => c.json({ ready: true }))
  routes.get('/v2', (c) => c.json({ name: 'ferry', version: options.serverVersion, extensions: ['model_repository_index'] }))
  routes.post('/v2/repository/index', (c) => c.json(deployer.list().map((i) => ({ name: i.name, version: i.version, state: i.state === 'ready' ? 'READY' : 'UNAVAILABLE', reason: i.state === 'ready' ? '' : i.state }))))

  routes.all('/v2/models/:name/*', (c) => handleModel(c, c.req.param('name'), c.req.path.slice(`/v2/models/${c.req.param('name')}`.length)))
  routes.all('/v2/models/:name', (c) => handleModel(c, c.req.param('name'), ''))

  async function handleModel(c: Context, name: string, rest: string): Promise<Response> {
    let selector = 'latest'
    let tail = rest
    const versioned = /^\/versions\/([^/]+)(\/.*)?$/.exec(rest)
    if (versioned) {
      selector = decodeURIComponent(versioned[1]!)
      tail = versioned[2] ?? ''
    }
    let model: ModelTarget
    try {
      model = resolveModel(deployer, `${name}@${selector}`)
      checkModelToken(deployer, model.name, c.req.header('authorization'))
    } catch (error) {
      return fromError(c, error)
    }
    if (model.descriptor.api.protocol === 'oip-v2') {
      // Its own OIP server: the same path without Ferry's version segment, at the chosen version.
      return caller.pass(model.name, model.selector, `/v2/models/${name}${tail}${new URL(c.req.url).search}`, c.req.raw)
    }
    const signature = primaryOf(model)
    if (!signature || model.descriptor.api.protocol === 'gradio') return oipError(c, 'E_PROTOCOL_UNSUPPORTED', `${model.name}@${model.version} declares no endpoint Ferry can present as OIP tensors`)
    try {
      if (c.req.method === 'GET' && tail === '') return c.json(metadata(model, signature))
      if (c.req.method === 'GET' && tail === '/ready') {
        const ready = deployer.resolveTarget(model.name, model.version).endpoints.length > 0
        return ready ? c.json({ name: model.name, ready: true }) : oipError(c, 'E_OIP_MODEL_NOT_READY', `${model.name}@${model.version} has no ready replica`)
      }
      if (c.req.method === 'POST' && tail === '/infer') return await infer(c, model, signature)
    } catch (error) {
      return fromError(c, error)
    }
    return oipError(c, 'E_ROUTE_NOT_FOUND', `no OIP route ${c.req.method} /v2/models/${name}${rest}`, 404)
  }

  function metadata(model: ModelTarget, signature: EndpointSignature) {
    const versions = deployer.list().filter((i) => i.name === model.name && i.state === 'ready').map((i) => i.version)
    return {
      name: model.name,
      versions: versions.length > 0 ? versions : [model.version],
      platform: model.descriptor.model?.framework ?? model.descriptor.runtime.type,
      inputs: inputMetadata(signature),
      outputs: outputMetadata(signature),
    }
  }

  async function infer(c: Context, model: ModelTarget, signature: EndpointSignature): Promise<Response> {
    const bytes = await readLimitedBody(c, MAX_BODY_BYTES)
    let body: unknown
    try {
      body = JSON.parse(bytes.toString('utf8'))
    } catch (error) {
      return oipError(c, 'E_OIP_REQUEST_INVALID', `the body is not valid JSON: ${(error as Error).message}`)
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return oipError(c, 'E_OIP_REQUEST_INVALID', 'the body must be a JSON object with "inputs"')
    const { id, parameters, inputs, outputs } = body as Record<string, unknown>
    if (id !== undefined && typeof id !== 'string') return oipError(c, 'E_OIP_REQUEST_INVALID', '"id" must be a string')
    const requested = Array.isArray(outputs) ? outputs.map((o) => (typeof o === 'object' && o !== null ? (o as { name?: unknown }).name : undefined)) : []
    const known = outputMetadata(signature).map((o) => o.name)
    const unknown = requested.find((n) => typeof n !== 'string' || !known.includes(n))
    // Outputs not in the metadata may still come from the answer; only names the metadata lacks are refused.
    if (unknown !== undefined && signature.output.kind === 'json' && signature.output.fields.length > 0) return oipError(c, 'E_OIP_OUTPUT_UNKNOWN', `no output ${JSON.stringify(unknown)}; the outputs are ${known.join(', ')}`)
    const values = readInputTensors(signature, inputs, typeof parameters === 'object' && parameters !== null ? parameters as Record<string, unknown> : {})
    const answer = await caller.call(model.name, model.selector, buildModelRequest(signature, values), c.req.raw.headers)
    if (answer.status >= 400) {
      const message = `${model.name} answered ${answer.status}: ${describeModelError(answer)}`
      return oipError(c, 'E_PROTOCOL_MODEL_ERROR', message, answer.status < 500 ? 400 : answer.status)
    }
    let tensors = writeOutputTensors(signature, readModelAnswer(answer))
    if (requested.length > 0) tensors = tensors.filter((t) => requested.includes(t.name))
    const version = answer.ref ? answer.ref.slice(answer.ref.lastIndexOf('@') + 1) : model.version
    return c.json({ model_name: model.name, model_version: version, ...(id !== undefined ? { id } : {}), outputs: tensors })
  }

  return routes
}
