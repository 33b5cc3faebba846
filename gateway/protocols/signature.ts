/**
 * What a model's endpoints take and give, read from its descriptor once, for the protocols that
 * present a model in another shape (Gradio, the Open Inference Protocol). A JSON object body
 * becomes one field per property, any other body one file or text field, each query parameter
 * one more field; the output is JSON (maybe a classification), text or a file. The per-field
 * hints of the descriptor (component, datatype, shape, order) are applied here and nowhere else.
 */
import type { Classification, Descriptor, Endpoint, FieldHint } from '../../descriptors/descriptor.js'

export type FieldKind = 'number' | 'integer' | 'string' | 'boolean' | 'array' | 'object' | 'any' | 'file'
type JsonSchema = Record<string, unknown>

export interface SignatureField {
  name: string
  /** Where the value goes in the model's request. */
  source: 'property' | 'json' | 'file' | 'text' | 'query'
  kind: FieldKind
  /** For arrays: what the items are. */
  itemKind?: FieldKind
  /** For arrays of a fixed length (minItems = maxItems). */
  length?: number
  required: boolean
  default?: unknown
  label: string
  description?: string
  schema: JsonSchema
  hint: FieldHint
  /** For a file: the media type the model takes, e.g. image/*. */
  contentType?: string
}

export interface OutputSignature {
  kind: 'json' | 'text' | 'file' | 'none'
  contentType: string
  schema: JsonSchema
  /** Properties of a JSON object output, in the schema's order. */
  fields: SignatureField[]
  classification?: Classification
}

export interface EndpointSignature {
  endpoint: Endpoint
  /** `predict` for POST /predict: Gradio's api_name. */
  apiName: string
  /** How the request body is made: properties of one JSON object, one JSON value, a file, a multipart form, text, or none. */
  body: 'properties' | 'json' | 'file' | 'multipart' | 'text' | 'none'
  inputs: SignatureField[]
  output: OutputSignature
}

export interface ModelSignature {
  endpoints: EndpointSignature[]
  /** The endpoint one-call protocols use (OIP's infer). */
  primary: EndpointSignature | undefined
}

const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json$/

function asSchema(value: unknown): JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as JsonSchema : {}
}

function kindOf(schema: JsonSchema): FieldKind {
  const raw = schema['type']
  const types = (Array.isArray(raw) ? raw : [raw]).filter((t) => t !== 'null')
  if (types.length !== 1) return 'any'
  const type = types[0]
  return type === 'number' || type === 'integer' || type === 'string' || type === 'boolean' || type === 'array' || type === 'object' ? type : 'any'
}

function describeField(name: string, schema: JsonSchema, source: SignatureField['source'], required: boolean, hint: FieldHint = {}): SignatureField {
  const kind = kindOf(schema)
  const field: SignatureField = { name, source, kind, required, label: hint.label ?? name, schema, hint }
  if (typeof schema['description'] === 'string') field.description = schema['description']
  if (schema['default'] !== undefined) field.default = schema['default']
  if (kind === 'array') {
    field.itemKind = kindOf(asSchema(schema['items']))
    if (typeof schema['minItems'] === 'number' && schema['minItems'] === schema['maxItems']) field.length = schema['minItems']
  }
  return field
}

/** The endpoint's Gradio name: apiName, else its path's last segment (`/v1/predict` → `predict`). */
export function apiNameOf(endpoint: Endpoint): string {
  if (endpoint.apiName) return endpoint.apiName
  const last = endpoint.path.split('/').filter((s) => s && !s.startsWith('{')).pop() ?? 'predict'
  const name = last.toLowerCase().replace(/[^a-z0-9_]/g, '_')
  return /^[a-z_]/.test(name) ? name : `_${name}`
}

function describeInputs(endpoint: Endpoint): Pick<EndpointSignature, 'body' | 'inputs'> {
  const input = endpoint.input
  const inputs: SignatureField[] = []
  let body: EndpointSignature['body'] = 'none'
  if (input) {
    const type = input.contentType ?? 'application/json'
    const schema = asSchema(input.schema)
    const properties = asSchema(schema['properties'])
    if (JSON_TYPE.test(type) && kindOf(schema) === 'object' && Object.keys(properties).length > 0) {
      body = 'properties'
      const required = new Set(Array.isArray(schema['required']) ? schema['required'] as string[] : [])
      const names = Object.keys(properties)
      const order = (name: string) => input.fields?.[name]?.order ?? Number.MAX_SAFE_INTEGER
      names.sort((a, b) => order(a) - order(b) || names.indexOf(a) - names.indexOf(b))
      for (const name of names) inputs.push(describeField(name, asSchema(properties[name]), 'property', required.has(name), input.fields?.[name]))
    } else if (JSON_TYPE.test(type)) {
      body = 'json'
      inputs.push(describeField(input.name ?? 'body', schema, 'json', true, input.fields?.[input.name ?? 'body']))
    } else if (type.startsWith('text/')) {
      body = 'text'
      inputs.push({ ...describeField(input.name ?? 'text', { type: 'string' }, 'text', true), contentType: type })
    } else {
      body = type === 'multipart/form-data' ? 'multipart' : 'file'
      const name = input.name ?? input.fileField ?? (type.startsWith('image/') ? 'image' : 'file')
      inputs.push({ ...describeField(name, {}, 'file', true, input.fields?.[name]), kind: 'file', contentType: type })
    }
  }
  for (const parameter of endpoint.query ?? []) {
    const field = describeField(parameter.name, asSchema(parameter.schema), 'query', false)
    if (parameter.description) field.description = parameter.description
    inputs.push(field)
  }
  return { body, inputs }
}

/** Finds the classification of an output: the descriptor's marker, else `{label: string, scores: {…}}`. */
function findClassification(schema: JsonSchema, declared: Classification | undefined): Classification | undefined {
  if (declared) return declared
  const properties = asSchema(schema['properties'])
  const label = asSchema(properties['label'])
  const scores = asSchema(properties['scores'])
  if (kindOf(label) === 'string' && kindOf(scores) === 'object') return { label: 'label', scores: 'scores' }
  return undefined
}

function describeOutput(endpoint: Endpoint): OutputSignature {
  const output = endpoint.output
  if (!output) return { kind: 'none', contentType: 'application/json', schema: {}, fields: [] }
  const contentType = output.contentType ?? 'application/json'
  const schema = asSchema(output.schema)
  if (!JSON_TYPE.test(contentType)) return { kind: contentType.startsWith('text/') ? 'text' : 'file', contentType, schema, fields: [] }
  const properties = asSchema(schema['properties'])
  const required = new Set(Array.isArray(schema['required']) ? schema['required'] as string[] : [])
  const fields = Object.keys(properties).map((name) => describeField(name, asSchema(properties[name]), 'property', required.has(name), output.fields?.[name]))
  const classification = findClassification(schema, output.classification)
  return { kind: 'json', contentType, schema, fields, ...(classification ? { classification } : {}) }
}

/** One endpoint's signature. */
export function describeEndpoint(endpoint: Endpoint): EndpointSignature {
  return { endpoint, apiName: apiNameOf(endpoint), ...describeInputs(endpoint), output: describeOutput(endpoint) }
}

const cache = new WeakMap<Descriptor, ModelSignature>()

/**
 * Every endpoint of a descriptor, and the primary one (api.defaultEndpoint, else the first POST).
 * @example describeModel(descriptor).primary?.inputs.map((f) => f.name) // ['pixels']
 */
export function describeModel(descriptor: Descriptor): ModelSignature {
  let signature = cache.get(descriptor)
  if (signature) return signature
  const endpoints = (descriptor.api.endpoints ?? []).map(describeEndpoint)
  const wanted = descriptor.api.defaultEndpoint
  const primary = endpoints.find((e) => `${e.endpoint.method} ${e.endpoint.path}` === wanted)
    ?? endpoints.find((e) => e.endpoint.method === 'POST') ?? endpoints[0]
  signature = { endpoints, primary }
  cache.set(descriptor, signature)
  return signature
}
