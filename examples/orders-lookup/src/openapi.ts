/**
 * GET /openapi.json: the service's OpenAPI 3.1 document, built from the package's descriptor.json
 * (its endpoint's schemas and examples), plus the health route and the error responses.
 */
import { LOOKUP_ERRORS } from './errors.js'

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

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string', enum: Object.keys(LOOKUP_ERRORS) }, message: { type: 'string' }, details: { type: 'object' } },
    },
  },
}

/** Each error status with the codes answered with it. */
function errorResponses(): Record<string, unknown> {
  const byStatus = new Map<number, string[]>()
  for (const [code, { status }] of Object.entries(LOOKUP_ERRORS)) byStatus.set(status, [...(byStatus.get(status) ?? []), code])
  return Object.fromEntries([...byStatus].map(([status, codes]) => [status, { description: codes.join(', '), content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]))
}

/**
 * The OpenAPI document of a descriptor's API.
 * @example
 * buildOpenApi(JSON.parse(await readFile('descriptor.json', 'utf8'))).paths['/lookup'].post
 */
export function buildOpenApi(descriptor: DescriptorApi): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {
    [descriptor.api.health]: { get: { operationId: 'health', summary: 'Liveness: 200 once the orders are loaded.', responses: { 200: { description: 'Ready' } } } },
  }
  for (const endpoint of descriptor.api.endpoints ?? []) {
    const key = `${endpoint.method} ${endpoint.path}`
    const named = (descriptor.examples ?? []).filter((e) => e.endpoint === key && e.body !== undefined)
    paths[endpoint.path] = {
      [endpoint.method.toLowerCase()]: {
        operationId: endpoint.path.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, ''),
        summary: endpoint.summary,
        requestBody: { required: true, content: { 'application/json': { schema: endpoint.input?.schema ?? {}, examples: Object.fromEntries(named.map((e) => [e.name, { summary: e.name, value: e.body }])) } } },
        responses: { 200: { description: 'OK', content: { 'application/json': { schema: endpoint.output?.schema ?? {} } } }, ...errorResponses() },
      },
    }
  }
  return { openapi: '3.1.0', info: { title: descriptor.name, version: descriptor.version ?? '0.0.0', description: descriptor.description }, paths, components: { schemas: { Error: ERROR_SCHEMA } } }
}
