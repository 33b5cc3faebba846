/**
 * Reads a small JSON body and checks it against a flat field spec: wrong content type (415),
 * invalid JSON (400), unknown or mistyped fields (400), each with the field named.
 */
import type { Context } from 'hono'
import { createGatewayError } from './errors.js'

/** `object` is a JSON object (not an array or null); `any` is checked by whoever reads it. */
type FieldType = 'string' | 'number' | 'boolean' | 'object' | 'any'
export type BodySpec = Record<string, { type: FieldType; required?: boolean }>

const MAX_JSON_BYTES = 1024 * 1024

/** The body parsed as JSON: another content type is a 415, more than 1 MiB a 413, invalid JSON a 400. */
export async function parseJsonBody(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? ''
  if (!/^application\/json\b/i.test(type)) throw createGatewayError('E_UNSUPPORTED_MEDIA_TYPE', `send application/json, not "${type || 'no content type'}"`, { details: { contentType: type } })
  const text = await c.req.text()
  if (Buffer.byteLength(text) > MAX_JSON_BYTES) throw createGatewayError('E_PAYLOAD_TOO_LARGE', `JSON bodies are limited to ${MAX_JSON_BYTES} bytes`)
  try {
    return JSON.parse(text)
  } catch (error) {
    throw createGatewayError('E_BODY_INVALID_JSON', `the body is not valid JSON: ${(error as Error).message}`)
  }
}

/** The body as an object holding only the fields of `spec`, e.g. `await readJsonBody(c, { package: { type: 'string', required: true } })`. */
export async function readJsonBody(c: Context, spec: BodySpec): Promise<Record<string, unknown>> {
  const body = await parseJsonBody(c)
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw createGatewayError('E_BODY_INVALID', 'the body must be a JSON object', { path: '/' })
  const record = body as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (!(key in spec)) throw createGatewayError('E_BODY_INVALID', `unknown field "${key}"; allowed: ${Object.keys(spec).join(', ')}`, { path: `/${key}` })
  }
  for (const [key, field] of Object.entries(spec)) {
    const value = record[key]
    if (value === undefined) {
      if (field.required) throw createGatewayError('E_BODY_INVALID', `"${key}" is required`, { path: `/${key}` })
    } else if (field.type === 'any') {
      continue
    } else if (field.type === 'object' ? typeof value !== 'object' || value === null || Array.isArray(value) : typeof value !== field.type) {
      throw createGatewayError('E_BODY_INVALID', `"${key}" must be a ${field.type}`, { path: `/${key}` })
    }
  }
  return record
}
