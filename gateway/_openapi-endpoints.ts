/**
 * An OpenAPI 3.1 document built from a descriptor's `api.endpoints`, for instances that serve no
 * document of their own. Each JSON schema is hoisted into components.schemas, with its own
 * `#/...` references re-rooted there, because inside an OpenAPI document `#` means the document.
 */
import type { Descriptor, Endpoint, Example, Payload } from '../descriptors/descriptor.js'
import { rewriteRefs } from './_openapi-refs.js'
import { isObject, toComponentName, toIdentifier, type JsonObject, type OpenApiDocument } from './_openapi-types.js'

const DEFAULT_CONTENT_TYPE = 'application/json'

export function buildEndpointsDocument(descriptor: Descriptor): OpenApiDocument {
  const paths: Record<string, JsonObject> = {}
  const schemas: Record<string, unknown> = {}
  for (const endpoint of descriptor.api.endpoints ?? []) {
    const base = toComponentName(`${endpoint.method.toLowerCase()}${endpoint.path}`.replace(/\//g, '_'))
    const examples = (descriptor.examples ?? []).filter((e) => e.endpoint === `${endpoint.method} ${endpoint.path}` && e.body !== undefined)
    const operation: JsonObject = {
      operationId: toIdentifier(`${descriptor.name}_${endpoint.method.toLowerCase()}_${endpoint.path}`),
      ...(endpoint.summary ? { summary: endpoint.summary } : {}),
      ...pathParameters(endpoint.path),
      ...requestBody(endpoint, examples, (schema) => hoist(schemas, `${base}_input`, schema)),
      responses: {
        '200': {
          description: endpoint.output ? 'The model\'s answer.' : 'Success.',
          ...(endpoint.output ? { content: content(endpoint.output, (schema) => hoist(schemas, `${base}_output`, schema)) } : {}),
        },
      },
    }
    ;(paths[endpoint.path] ??= {})[endpoint.method.toLowerCase()] = operation
  }
  return {
    openapi: '3.1.0',
    info: { title: descriptor.name, version: descriptor.version ?? '0.0.0', ...(descriptor.description ? { description: descriptor.description } : {}) },
    paths,
    ...(Object.keys(schemas).length > 0 ? { components: { schemas } } : {}),
  }
}

/** `{id}` segments of a path, declared as required string parameters. */
function pathParameters(path: string): JsonObject {
  const names = [...path.matchAll(/\{([^}/]+)\}/g)].map((m) => m[1]!)
  if (names.length === 0) return {}
  return { parameters: names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })) }
}

function requestBody(endpoint: Endpoint, examples: Example[], hoistSchema: (schema: unknown) => unknown): JsonObject {
  if (!endpoint.input && examples.length === 0) return {}
  const body = content(endpoint.input ?? {}, hoistSchema)
  const media = Object.values(body)[0] as JsonObject
  if (examples.length > 0) {
    const named: Record<string, unknown> = {}
    for (const example of examples) {
      let key = toComponentName(example.name)
      for (let i = 2; key in named; i++) key = toComponentName(`${example.name}_${i}`)
      named[key] = { summary: example.name, value: example.body }
    }
    media.examples = named
  }
  return { requestBody: { required: true, content: body } }
}

/** A Media Type map for one payload: its schema for JSON and text, a binary string otherwise. */
function content(payload: Payload, hoistSchema: (schema: unknown) => unknown): JsonObject {
  const type = payload.contentType ?? DEFAULT_CONTENT_TYPE
  let schema: unknown
  if (payload.schema !== undefined) schema = hoistSchema(payload.schema)
  else if (isJson(type)) schema = {}
  else if (type.startsWith('text/')) schema = { type: 'string' }
  else if (type === 'multipart/form-data' || type === 'application/x-www-form-urlencoded') schema = { type: 'object' }
  // 3.1 describes raw bytes with contentMediaType; format: binary is what Swagger UI reads for a file picker.
  else schema = { type: 'string', format: 'binary', contentMediaType: type }
  return { [type]: { schema } }
}

function isJson(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json')
}

/** Stores an object schema under components.schemas and returns a reference to it. */
function hoist(schemas: Record<string, unknown>, name: string, schema: unknown): unknown {
  if (!isObject(schema)) return schema
  for (let i = 2; name in schemas; i++) name = `${name.replace(/_\d+$/, '')}_${i}`
  const copy = structuredClone(schema)
  const pointer = `#/components/schemas/${name}`
  // `#` and `#/$defs/x` in the descriptor's schema meant the schema itself.
  rewriteRefs(copy, (ref) => (ref === '#' ? pointer : ref.startsWith('#/') ? pointer + ref.slice(1) : ref), '')
  schemas[name] = copy
  return { $ref: pointer }
}
