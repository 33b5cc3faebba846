/**
 * The protocol routes of each ready model in the merged /openapi.json (and so /docs): its Gradio
 * app under /gradio/<name>@<version>/ (config, info, upload, queue, one run/<api_name> per
 * endpoint) and its Open Inference Protocol routes under /v2/models/<name>/versions/<version>
 * (metadata, ready, infer), plus the short forms for `latest`, tagged like the model's own paths.
 */
import { COPY_OF, type ModelApi, type OpenApiDocument } from '../openapi.js'
import { describeModel } from './signature.js'

const json = (description: string, schema: Record<string, unknown> = { type: 'object' }) => ({ description, content: { 'application/json': { schema } } })
const OIP_ERROR = json('An OIP error: `{"error": "…", "code"}`', { $ref: '#/components/schemas/OipError' })
const GRADIO_ERROR = json('A Gradio error: `{"detail", "error", "code"}`', { type: 'object', properties: { detail: {}, error: { type: 'string' }, code: { type: 'string' } } })

const OIP_SCHEMAS = {
  OipTensor: { type: 'object', required: ['name', 'shape', 'datatype', 'data'], properties: { name: { type: 'string' }, shape: { type: 'array', items: { type: 'integer', minimum: 0 } }, datatype: { enum: ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] }, parameters: { type: 'object' }, data: { type: 'array', description: 'Flat or nested, row-major.' } } },
  OipInferenceRequest: { type: 'object', required: ['inputs'], properties: { id: { type: 'string' }, parameters: { type: 'object' }, inputs: { type: 'array', items: { $ref: '#/components/schemas/OipTensor' } }, outputs: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, parameters: { type: 'object' } } } } } },
  OipInferenceResponse: { type: 'object', required: ['model_name', 'outputs'], properties: { model_name: { type: 'string' }, model_version: { type: 'string' }, id: { type: 'string' }, parameters: { type: 'object' }, outputs: { type: 'array', items: { $ref: '#/components/schemas/OipTensor' } } } },
  OipError: { type: 'object', required: ['error'], properties: { error: { type: 'string' }, code: { type: 'string' } } },
}

function gradioPaths(model: ModelApi, base: string, tag: string): Record<string, unknown> {
  const op = (summary: string, extra: Record<string, unknown> = {}) => ({ summary, tags: [tag], responses: { 200: json('OK'), 401: GRADIO_ERROR, 404: GRADIO_ERROR, 422: GRADIO_ERROR }, ...extra })
  const paths: Record<string, unknown> = {
    [`${base}/config`]: { get: op('Gradio app config (connect with @gradio/client: Client.connect(<this prefix>))') },
    [`${base}/gradio_api/info`]: { get: op('Gradio API info (what view_api() shows)') },
    [`${base}/gradio_api/upload`]: { post: op('Upload files (multipart field "files"); answers their paths', { requestBody: { content: { 'multipart/form-data': { schema: { type: 'object', properties: { files: { type: 'array', items: { type: 'string', format: 'binary' } } } } } } } }) },
    [`${base}/gradio_api/queue/join`]: { post: op('Queue a call: {data, fn_index, session_hash} → {event_id}', { requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['data', 'fn_index'], properties: { data: { type: 'array' }, fn_index: { type: 'integer' }, session_hash: { type: 'string' } } } } } } }) },
    [`${base}/gradio_api/queue/data`]: { get: op('The session\'s server-sent events (estimation, process_starts, process_completed, close_stream)', { parameters: [{ name: 'session_hash', in: 'query', required: true, schema: { type: 'string' } }] }) },
  }
  for (const signature of model.descriptor.api.protocol === 'gradio' ? [] : describeModel(model.descriptor).endpoints) {
    paths[`${base}/gradio_api/run/${signature.apiName}`] = { post: op(`Call /${signature.apiName} (${signature.endpoint.method} ${signature.endpoint.path}) without the queue: {data: [${signature.inputs.map((f) => f.name).join(', ')}]}`, { requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['data'], properties: { data: { type: 'array', maxItems: signature.inputs.length } } } } } } }) }
  }
  return paths
}

function oipPaths(base: string, tag: string): Record<string, unknown> {
  const responses = (ok: Record<string, unknown>) => ({ 200: ok, 400: OIP_ERROR, 401: OIP_ERROR, 404: OIP_ERROR })
  return {
    [base]: { get: { summary: 'OIP v2 model metadata: inputs and outputs with datatype and shape (-1: any size)', tags: [tag], responses: responses(json('metadata')) } },
    [`${base}/ready`]: { get: { summary: 'OIP v2 model readiness', tags: [tag], responses: { ...responses(json('ready')), 503: OIP_ERROR } } },
    [`${base}/infer`]: { post: { summary: 'OIP v2 inference', tags: [tag], requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/OipInferenceRequest' } } } }, responses: responses(json('the output tensors', { $ref: '#/components/schemas/OipInferenceResponse' })) } },
  }
}

/** Adds each model's protocol routes to the merged document (in place) and returns it. */
/** Marks each path under `prefix` as a copy of the same path under `canonical` (for /docs; see gateway/_docs-view.ts). */
function copiesOf(paths: Record<string, unknown>, prefix: string, canonical: string | undefined): Record<string, unknown> {
  if (canonical === undefined) return paths
  return Object.fromEntries(Object.entries(paths).map(([path, item]) => [path, { ...(item as object), [COPY_OF]: canonical + path.slice(prefix.length) }]))
}

export function addProtocolPaths(doc: OpenApiDocument, models: ModelApi[]): OpenApiDocument {
  const add = (paths: Record<string, unknown>) => {
    for (const [path, item] of Object.entries(paths)) if (!(path in doc.paths)) doc.paths[path] = item as Record<string, unknown>
  }
  add({
    '/v2/health/live': { get: { summary: 'OIP v2 server liveness', tags: ['ferry'], responses: { 200: json('live') } } },
    '/v2/health/ready': { get: { summary: 'OIP v2 server readiness', tags: ['ferry'], responses: { 200: json('ready') } } },
    '/v2': { get: { summary: 'OIP v2 server metadata', tags: ['ferry'], responses: { 200: json('name, version, extensions') } } },
  })
  let oip = false
  for (const model of models) {
    const tag = `${model.name}@${model.version}`
    const { protocol } = model.descriptor.api
    const hasEndpoints = (model.descriptor.api.endpoints?.length ?? 0) > 0
    const latest = model.aliases.includes('latest')
    if (protocol === 'gradio' || (protocol !== 'oip-v2' && hasEndpoints)) {
      add(copiesOf(gradioPaths(model, `/gradio/${tag}`, tag), `/gradio/${tag}`, latest ? `/gradio/${model.name}` : undefined))
      if (latest) add(gradioPaths(model, `/gradio/${model.name}`, tag))
    }
    if (protocol === 'oip-v2' || (protocol !== 'gradio' && hasEndpoints)) {
      oip = true
      const versioned = `/v2/models/${model.name}/versions/${model.version}`
      add(copiesOf(oipPaths(versioned, tag), versioned, latest ? `/v2/models/${model.name}` : undefined))
      if (latest) add(oipPaths(`/v2/models/${model.name}`, tag))
    }
  }
  if (oip) doc.components = { ...doc.components, schemas: { ...(doc.components?.['schemas'] as Record<string, unknown> | undefined), ...OIP_SCHEMAS } }
  return doc
}
