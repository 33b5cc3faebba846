/**
 * Which Try-it form suits an endpoint, from its input content type and schema: an image input for
 * image/* (or a multipart form with a binary field), the drawing pad for a `pixels` array of 64,
 * a text box for `{text}` or text/*, nothing for a body-less GET, raw JSON for anything else.
 */
import type { Endpoint } from '../types.js'

export type FormKind =
  | { kind: 'image'; contentType: string; multipartField?: string }
  | { kind: 'digits' }
  | { kind: 'text'; field: string }
  | { kind: 'plain'; contentType: string }
  | { kind: 'none' }
  | { kind: 'json' }

type Schema = Record<string, unknown>

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value)

function propertiesOf(schema: unknown): Record<string, Schema> {
  if (!isObject(schema)) return {}
  const own = isObject(schema['properties']) ? (schema['properties'] as Record<string, Schema>) : {}
  // oneOf/anyOf alternatives (e.g. pixels or an image): the first object alternative with properties.
  for (const key of ['oneOf', 'anyOf', 'allOf']) {
    const list = schema[key]
    if (Array.isArray(list)) for (const alt of list) Object.assign(own, propertiesOf(alt))
  }
  return own
}

function isPixels(schema: Schema | undefined): boolean {
  if (!schema) return false
  const sizes = [schema['minItems'], schema['maxItems']]
  return (schema['type'] === 'array' || schema['items'] !== undefined) && (sizes.includes(64) || sizes.every((s) => s === undefined))
}

export function chooseForm(endpoint: Endpoint): FormKind {
  const contentType = (endpoint.input?.contentType ?? (endpoint.method === 'GET' || endpoint.method === 'DELETE' ? '' : 'application/json')).toLowerCase()
  if (!contentType && !endpoint.input) return { kind: 'none' }
  if (contentType.startsWith('image/')) return { kind: 'image', contentType }
  const props = propertiesOf(endpoint.input?.schema)
  if (contentType === 'multipart/form-data') {
    const file = Object.entries(props).find(([, s]) => s['format'] === 'binary' || String(s['contentMediaType'] ?? '').startsWith('image/'))
    return { kind: 'image', contentType, multipartField: file?.[0] ?? 'image' }
  }
  if (contentType.startsWith('text/')) return { kind: 'plain', contentType }
  if (isPixels(props['pixels'])) return { kind: 'digits' }
  const text = props['text']
  if (text && (text['type'] === 'string' || text['type'] === undefined)) return { kind: 'text', field: 'text' }
  return { kind: 'json' }
}
