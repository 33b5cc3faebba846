/**
 * Turns named values into the HTTP request a model's endpoint expects (its JSON object, JSON
 * value, file, text or multipart form, and its query string), and its answer back into a value.
 * Both protocols build requests here, so a model is called the same way whatever the protocol.
 */
import type { EndpointSignature } from './signature.js'

export interface FileValue { bytes: Buffer; contentType: string; name?: string }
export type InputValue = unknown | FileValue

export interface ModelRequest {
  method: string
  /** The endpoint's path with its query string, relative to the model's prefix. */
  path: string
  headers: Record<string, string>
  body: Buffer | undefined
}

export function isFileValue(value: unknown): value is FileValue {
  return typeof value === 'object' && value !== null && Buffer.isBuffer((value as FileValue).bytes)
}

function queryValue(value: unknown): string {
  if (typeof value === 'boolean') return value ? '1' : '0'
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/**
 * @example buildModelRequest(signature, new Map([['pixels', [0, 1, …]]]))
 * // { method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body: <{"pixels":[…]}> }
 */
export function buildModelRequest(signature: EndpointSignature, values: Map<string, InputValue>): ModelRequest {
  const { endpoint } = signature
  const query = new URLSearchParams()
  const object: Record<string, unknown> = {}
  let body: Buffer | undefined
  const headers: Record<string, string> = {}
  for (const field of signature.inputs) {
    const value = values.get(field.name)
    if (value === undefined || value === null) continue
    if (field.source === 'query') query.set(field.name, queryValue(value))
    else if (field.source === 'property') object[field.name] = value
    else if (field.source === 'json') {
      body = Buffer.from(JSON.stringify(value))
      headers['content-type'] = 'application/json'
    } else if (field.source === 'text') {
      body = Buffer.from(String(value))
      headers['content-type'] = `${field.contentType ?? 'text/plain'}; charset=utf-8`
    } else if (isFileValue(value)) {
      if (signature.body === 'multipart') {
        const boundary = `----ferry${Math.random().toString(16).slice(2)}`
        const fieldName = endpoint.input?.fileField ?? field.name
        const head = `--${boundary}\r\ncontent-disposition: form-data; name="${fieldName}"; filename="${(value.name ?? 'file').replace(/["\r\n]/g, '_')}"\r\ncontent-type: ${value.contentType}\r\n\r\n`
        body = Buffer.concat([Buffer.from(head), value.bytes, Buffer.from(`\r\n--${boundary}--\r\n`)])
        headers['content-type'] = `multipart/form-data; boundary=${boundary}`
      } else {
        body = value.bytes
        headers['content-type'] = value.contentType
      }
    }
  }
  if (signature.body === 'properties') {
    body = Buffer.from(JSON.stringify(object))
    headers['content-type'] = 'application/json'
  }
  const search = query.toString()
  return { method: endpoint.method, path: endpoint.path + (search ? `?${search}` : ''), headers, body }
}

export interface ModelAnswer {
  status: number
  contentType: string
  body: Buffer
  /** X-Ferry-Version of the answer: `name@version`. */
  ref: string | undefined
}

/** The model's answer as a value: parsed JSON, text, or a file. */
export function readModelAnswer(answer: ModelAnswer): unknown {
  if (/^application\/([a-z0-9.+-]+\+)?json/.test(answer.contentType)) return JSON.parse(answer.body.toString('utf8')) as unknown
  if (answer.contentType.startsWith('text/')) return answer.body.toString('utf8')
  return { bytes: answer.body, contentType: answer.contentType || 'application/octet-stream' } satisfies FileValue
}

/** What went wrong, from a model's error answer: its JSON error message, else its text. */
export function describeModelError(answer: ModelAnswer): string {
  const text = answer.body.toString('utf8').slice(0, 2000)
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown; detail?: unknown }
    const error = parsed.error
    if (typeof error === 'string') return error
    if (typeof error === 'object' && error !== null) {
      const { code, message } = error as { code?: unknown; message?: unknown }
      if (typeof message === 'string') return typeof code === 'string' ? `${code}: ${message}` : message
    }
    if (typeof parsed.message === 'string') return parsed.message
    if (typeof parsed.detail === 'string') return parsed.detail
  } catch {
    // not JSON: the text itself
  }
  return text || `HTTP ${answer.status}`
}
