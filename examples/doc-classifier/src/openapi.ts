/**
 * GET /openapi.json: the service's OpenAPI 3.1 document, built from the package's own
 * descriptor.json (its endpoints' input and output schemas and its examples), so the document,
 * the gateway's docs and the descriptor cannot drift apart. Adds the health route and the error
 * responses, which the descriptor does not describe.
 */

interface Payload { contentType?: string; schema?: unknown }
interface Endpoint { method: string; path: string; summary?: string; input?: Payload; output?: Payload }
interface Example { name: string; endpoint: string; body?: unknown }
export interface DescriptorApi {
  name: string
  version?: string
  description?: string
  api: { health: string; endpoints?: Endpoint[] }
  examples?: Example[]
}

/** What each error status means, for every JSON endpoint. */
export const ERROR_RESPONSES: Record<string, string> = {
  400: 'INVALID_JSON: the body is not valid JSON.',
  413: 'PAYLOAD_TOO_LARGE: the body is over 1 MiB; TEXT_TOO_LARGE: `text` is over 100 kB of UTF-8.',
  415: 'UNSUPPORTED_MEDIA_TYPE: the body is not sent as application/json.',
  422: 'INVALID_BODY: the body is not an object or has unknown fields; INVALID_TEXT: `text` is missing, not a string or blank.',
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
}

function describeOperation(endpoint: Endpoint, examples: Example[]) {
  const key = `${endpoint.method} ${endpoint.path}`
  const inputType = endpoint.input?.contentType ?? 'application/json'
  const named = examples.filter((e) => e.endpoint === key && e.body !== undefined)
  return {
    operationId: endpoint.path.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'root',
    summary: endpoint.summary,
    requestBody: {
      required: true,
      content: { [inputType]: { schema: endpoint.input?.schema ?? {}, ...(named.length ? { examples: Object.fromEntries(named.map((e) => [e.name, { summary: e.name, value: e.body }])) } : {}) } },
    },
    responses: {
      200: { description: 'OK', content: { [endpoint.output?.contentType ?? 'application/json']: { schema: endpoint.output?.schema ?? {} } } },
      ...Object.fromEntries(Object.entries(ERROR_RESPONSES).map(([status, description]) => [status, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }])),
    },
  }
}

/**
 * The OpenAPI document of a descriptor's API.
 * @example
 * buildOpenApi(JSON.parse(await readFile('descriptor.json', 'utf8'))).paths['/classify'].post
 */
export function buildOpenApi(descriptor: DescriptorApi): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {
    [descriptor.api.health]: { get: { operationId: 'health', summary: 'Liveness: 200 once the model is loaded.', responses: { 200: { description: 'Ready' } } } },
  }
  for (const endpoint of descriptor.api.endpoints ?? []) {
    paths[endpoint.path] = { ...paths[endpoint.path], [endpoint.method.toLowerCase()]: describeOperation(endpoint, descriptor.examples ?? []) }
  }
  return {
    openapi: '3.1.0',
    info: { title: descriptor.name, version: descriptor.version ?? '0.0.0', description: descriptor.description },
    paths,
    components: { schemas: { Error: ERROR_SCHEMA } },
  }
}
