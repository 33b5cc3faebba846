/**
 * Gradio values to and from a model's request: the `data` array of a call checked against the
 * endpoint's fields (arity, each value's type, uploaded files and their media type), and the
 * model's answer as the outputs' values (a Label for a classification, FileData for a file).
 */
import { isFileValue, type FileValue, type InputValue } from '../model-request.js'
import { acceptsContentType, sniffContentType } from '../_sniff.js'
import type { EndpointSignature, SignatureField } from '../signature.js'
import { inputComponent, outputComponents } from './_components.js'
import type { FileStore } from './_file-store.js'

export class GradioValueError extends Error {
  constructor(readonly code: 'E_GRADIO_ARITY' | 'E_GRADIO_VALUE_INVALID' | 'E_GRADIO_FILE_INVALID', message: string) {
    super(message)
  }
}

function readFile(field: SignatureField, value: unknown, files: FileStore): FileValue {
  if (typeof value !== 'object' || value === null) throw new GradioValueError('E_GRADIO_FILE_INVALID', `"${field.name}" takes a file (upload it, then send {path, meta: {_type: "gradio.FileData"}}), not ${JSON.stringify(value)?.slice(0, 80)}`)
  const { path, url, orig_name: origName } = value as { path?: unknown; url?: unknown; orig_name?: unknown }
  let file: FileValue | undefined
  if (typeof path === 'string') file = files.get(path)
  if (!file && typeof url === 'string' && url.startsWith('data:')) {
    const match = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(url)
    if (match) file = { bytes: Buffer.from(decodeURIComponent(match[3]!), match[2] ? 'base64' : 'utf8'), contentType: match[1] || 'application/octet-stream' }
  }
  if (!file) throw new GradioValueError('E_GRADIO_FILE_INVALID', `"${field.name}": no uploaded file at ${JSON.stringify(path ?? url)}; upload it to gradio_api/upload first (files are kept for an hour)`)
  let type = file.contentType.split(';')[0]!.trim()
  if (type === 'application/octet-stream' || type === '') type = sniffContentType(file.bytes) ?? 'application/octet-stream'
  const accepted = field.contentType ?? '*/*'
  if (!acceptsContentType(accepted, type)) throw new GradioValueError('E_GRADIO_FILE_INVALID', `"${field.name}" takes ${accepted}, not a file of type ${type}`)
  return { bytes: file.bytes, contentType: type, name: typeof origName === 'string' ? origName : undefined }
}

function readValue(field: SignatureField, value: unknown, files: FileStore): InputValue | undefined {
  if (value === null || value === undefined) {
    if (field.required) throw new GradioValueError('E_GRADIO_VALUE_INVALID', `"${field.name}" is required`)
    return undefined
  }
  const wrong = (what: string) => new GradioValueError('E_GRADIO_VALUE_INVALID', `"${field.name}" must be ${what}, not ${JSON.stringify(value).slice(0, 80)}`)
  switch (field.kind) {
    case 'file': return readFile(field, value, files)
    case 'number':
    case 'integer': {
      const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
      if (typeof number !== 'number' || !Number.isFinite(number)) throw wrong('a number')
      if (field.kind === 'integer' && !Number.isInteger(number)) throw wrong('a whole number')
      return number
    }
    case 'string':
      if (typeof value !== 'string') throw wrong('a string')
      return value
    case 'boolean':
      if (typeof value !== 'boolean') throw wrong('true or false')
      return value
    case 'array':
    case 'object': {
      let parsed = value
      // A JSON or Textbox component may send the value as JSON text.
      if (typeof value === 'string') {
        try { parsed = JSON.parse(value) } catch { throw wrong(field.kind === 'array' ? 'an array' : 'an object') }
      }
      if (field.kind === 'array' && !Array.isArray(parsed)) throw wrong('an array')
      if (field.kind === 'object' && (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))) throw wrong('an object')
      if (field.length !== undefined && Array.isArray(parsed) && parsed.length !== field.length) throw wrong(`an array of ${field.length} values (it has ${parsed.length})`)
      return parsed
    }
    default:
      return value
  }
}

/** The call's `data` as named values; throws GradioValueError naming the input at fault. */
export function readInputs(signature: EndpointSignature, data: unknown, files: FileStore): Map<string, InputValue> {
  if (!Array.isArray(data)) throw new GradioValueError('E_GRADIO_ARITY', '"data" must be an array with one value per input')
  const fields = signature.inputs
  // Optional trailing inputs may be left out; more values than inputs is an error.
  const required = fields.reduce((n, f, i) => (f.required ? i + 1 : n), 0)
  if (data.length > fields.length || data.length < required) {
    throw new GradioValueError('E_GRADIO_ARITY', `/${signature.apiName} takes ${fields.length === required ? fields.length : `${required} to ${fields.length}`} input${fields.length === 1 ? '' : 's'} (${fields.map((f) => f.name).join(', ') || 'none'}), not ${data.length}`)
  }
  const values = new Map<string, InputValue>()
  fields.forEach((field, i) => {
    const value = readValue(field, data[i], files)
    if (value !== undefined) values.set(field.name, value)
  })
  return values
}

function fileData(file: FileValue, files: FileStore, baseUrl: string): Record<string, unknown> {
  const extension = file.contentType.split('/')[1]?.replace(/[^a-z0-9]/g, '') ?? 'bin'
  const path = files.put({ ...file, name: file.name ?? `output.${extension}` })
  return { path, url: `${baseUrl}/file=${path}`, orig_name: path.split('/').pop(), mime_type: file.contentType, size: file.bytes.length, is_stream: false, meta: { _type: 'gradio.FileData' } }
}

/** A classification as a Label's value: the label and every score, highest first. */
function labelData(answer: Record<string, unknown>, signature: EndpointSignature): Record<string, unknown> {
  const classification = signature.output.classification!
  const scores = classification.scores ? answer[classification.scores] : undefined
  let confidences: Array<{ label: string; confidence: number }> = []
  if (Array.isArray(scores)) confidences = scores.map((confidence, i) => ({ label: classification.labels?.[i] ?? String(i), confidence: Number(confidence) }))
  else if (typeof scores === 'object' && scores !== null) confidences = Object.entries(scores).map(([label, confidence]) => ({ label, confidence: Number(confidence) }))
  confidences.sort((a, b) => b.confidence - a.confidence)
  return { label: String(answer[classification.label]), confidences }
}

/** The outputs' values of an answer; `baseUrl` is where `file=` paths are served. */
export function writeOutputs(signature: EndpointSignature, answer: unknown, files: FileStore, baseUrl: string): unknown[] {
  if (isFileValue(answer)) return [fileData(answer, files, baseUrl)]
  const components = outputComponents(signature.output)
  if (components[0] === 'label' && typeof answer === 'object' && answer !== null && !Array.isArray(answer)) return [labelData(answer as Record<string, unknown>, signature), answer]
  if (components.length === 2) return [null, answer]
  return [answer]
}

export { inputComponent }
