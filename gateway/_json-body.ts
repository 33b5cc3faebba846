/**
 * Reads a small JSON body and checks it against a flat field spec: wrong content type (415),
 * invalid JSON (400), unknown or mistyped fields (400), each with the field named.
 */
import type { Context } from 'hono'
import { createGatewayError } from './errors.js'

type FieldType = 'string' | 'number' | 'boolean'
export type BodySpec = Record<string, { type: FieldType; required?: boolean }>

const MAX_JSON_BYTES = 1024 * 1024

/**
 * The body's bytes, refused with 413 as soon as they pass `maxBytes`: a declared Content-Length
 * first, then the bytes counted as they arrive, so an oversized body is never held in memory.
 */
export async function readLimitedBody(c: Context, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => createGatewayError('E_PAYLOAD_TOO_LARGE', `this route takes bodies of up to ${maxBytes} bytes`, { details: { limit: maxBytes } })
  const declared = c.req.header('content-length')
  if (declared !== undefined && Number(declared) > maxBytes) throw tooLarge()
  const body = c.req.raw.body
  if (!body) return Buffer.alloc(0)
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw tooLarge()
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, size)
}

/** The body parsed as JSON: another content type is a 415, more than 1 MiB a 413 (while it streams), invalid JSON a 400. */
export async function parseJsonBody(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? ''
  if (!/^application\/json\b/i.test(type)) throw createGatewayError('E_UNSUPPORTED_MEDIA_TYPE', `send application/json, not "${type || 'no content type'}"`, { details: { contentType: type } })
  const text = (await readLimitedBody(c, MAX_JSON_BYTES)).toString('utf8')
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
    if (!Object.hasOwn(spec, key)) throw createGatewayError('E_BODY_INVALID', `unknown field "${key}"; allowed: ${Object.keys(spec).join(', ')}`, { path: `/${key}` })
  }
  for (const [key, field] of Object.entries(spec)) {
    const value = record[key]
    if (value === undefined) {
      if (field.required) throw createGatewayError('E_BODY_INVALID', `"${key}" is required`, { path: `/${key}` })
    } else if (typeof value !== field.type) {
      throw createGatewayError('E_BODY_INVALID', `"${key}" must be a ${field.type}`, { path: `/${key}` })
    }
  }
  return record
}
