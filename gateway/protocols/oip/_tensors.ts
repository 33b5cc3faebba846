/**
 * Tensors to and from a model's request: the metadata of its inputs and outputs built from its
 * signature, an inference request's input tensors checked (name, datatype, shape against data
 * length and against the metadata, every value) and turned into the endpoint's values, and the
 * model's JSON answer turned into output tensors (a map such as scores becomes a labels tensor and
 * a scores tensor; anything else non-numeric a BYTES tensor of JSON).
 */
import { sniffContentType } from '../_sniff.js'
import { isFileValue, type InputValue } from '../model-request.js'
import type { EndpointSignature, SignatureField } from '../signature.js'
import { checkValue, DATATYPES, fieldDatatype, fieldShape, isDatatype, valueDatatype, type Datatype } from './_datatypes.js'

export interface TensorMetadata { name: string; datatype: Datatype; shape: number[]; parameters?: Record<string, unknown> }
export interface Tensor extends TensorMetadata { data: unknown[] }

export class OipError extends Error {
  constructor(readonly code: 'E_OIP_REQUEST_INVALID' | 'E_OIP_INPUT_UNKNOWN' | 'E_OIP_INPUT_MISSING' | 'E_OIP_DATATYPE_INVALID' | 'E_OIP_SHAPE_INVALID' | 'E_OIP_DATA_INVALID' | 'E_OIP_OUTPUT_UNKNOWN', message: string) {
    super(message)
  }
}

function fieldParameters(field: SignatureField): Record<string, unknown> | undefined {
  if (field.kind === 'file') return { content_type: field.contentType ?? 'application/octet-stream', binary_data: false, encoding: 'base64' }
  if (field.kind === 'object' || field.kind === 'any' || (field.kind === 'array' && fieldDatatype(field) === 'BYTES' && field.itemKind !== 'string')) return { content_type: 'application/json' }
  return undefined
}

/** The metadata of an endpoint's input tensors. */
export function inputMetadata(signature: EndpointSignature): TensorMetadata[] {
  return signature.inputs.map((field) => {
    const parameters = fieldParameters(field)
    return { name: field.name, datatype: fieldDatatype(field), shape: fieldShape(field), ...(parameters ? { parameters } : {}) }
  })
}

/** The metadata of an endpoint's output tensors, from its output schema. */
export function outputMetadata(signature: EndpointSignature): TensorMetadata[] {
  const output = signature.output
  if (output.kind === 'file' || output.kind === 'text') return [{ name: 'output', datatype: 'BYTES', shape: [1], parameters: { content_type: output.contentType } }]
  const out: TensorMetadata[] = []
  for (const field of output.fields) {
    if (field.kind === 'object' && typeof field.schema['additionalProperties'] === 'object') {
      out.push({ name: field.name, datatype: 'FP64', shape: [-1] }, { name: `${field.name}_labels`, datatype: 'BYTES', shape: [-1] })
    } else {
      const parameters = fieldParameters(field)
      out.push({ name: field.name, datatype: fieldDatatype(field), shape: fieldShape(field), ...(parameters ? { parameters } : {}) })
    }
  }
  if (out.length === 0) out.push({ name: 'output', datatype: 'BYTES', shape: [1], parameters: { content_type: output.contentType } })
  return out
}

function flatten(data: unknown[]): unknown[] {
  return data.some(Array.isArray) ? data.flat(Infinity) : data
}

/** Does `shape` fit `declared` (-1 is any size; a leading batch dimension of 1 is allowed)? */
function fitsShape(shape: number[], declared: number[]): boolean {
  const given = shape.length === declared.length + 1 && shape[0] === 1 ? shape.slice(1) : shape
  if (declared.length === 1 && declared[0] === 1) return given.every((d) => d === 1)
  return given.length === declared.length && given.every((d, i) => declared[i] === -1 || declared[i] === d)
}

function reshape(flat: unknown[], shape: number[]): unknown[] {
  if (shape.length <= 1) return flat
  const size = shape.slice(1).reduce((a, b) => a * b, 1)
  const rows: unknown[] = []
  for (let i = 0; i < flat.length; i += size) rows.push(reshape(flat.slice(i, i + size), shape.slice(1)))
  return rows
}

/** One input tensor as the endpoint field's value. */
function tensorValue(field: SignatureField, tensor: Tensor, flat: unknown[]): InputValue {
  const where = `input "${field.name}"`
  if (field.kind === 'file') {
    const bytes = Buffer.from(String(flat[0]), 'base64')
    const declared = typeof tensor.parameters?.['content_type'] === 'string' ? tensor.parameters['content_type'] : undefined
    return { bytes, contentType: declared ?? sniffContentType(bytes) ?? field.contentType ?? 'application/octet-stream' }
  }
  if (field.kind === 'array') return field.itemKind === 'array' ? reshape(flat, tensor.shape) : field.itemKind === 'object' ? flat.map((v) => parseJson(where, v)) : flat
  if (flat.length !== 1) throw new OipError('E_OIP_SHAPE_INVALID', `${where} takes one value, not ${flat.length}`)
  if (field.kind === 'object' || field.kind === 'any') return parseJson(where, flat[0])
  return flat[0]
}

function parseJson(where: string, value: unknown): unknown {
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value)
  } catch {
    throw new OipError('E_OIP_DATA_INVALID', `${where} holds JSON text, and "${value.slice(0, 40)}" is not JSON`)
  }
}

function readTensor(raw: unknown, i: number): Tensor {
  if (typeof raw !== 'object' || raw === null) throw new OipError('E_OIP_REQUEST_INVALID', `inputs[${i}] is not an object`)
  const { name, shape, datatype, data, parameters } = raw as Record<string, unknown>
  if (typeof name !== 'string' || !name) throw new OipError('E_OIP_REQUEST_INVALID', `inputs[${i}] has no "name"`)
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) throw new OipError('E_OIP_SHAPE_INVALID', `input "${name}": "shape" must be an array of whole numbers >= 0`)
  if (!isDatatype(datatype)) throw new OipError('E_OIP_DATATYPE_INVALID', `input "${name}": unknown datatype ${JSON.stringify(datatype)}; one of ${DATATYPES.join(', ')}`)
  if (!Array.isArray(data)) throw new OipError('E_OIP_REQUEST_INVALID', `input "${name}" has no "data" array`)
  if (parameters !== undefined && (typeof parameters !== 'object' || parameters === null)) throw new OipError('E_OIP_REQUEST_INVALID', `input "${name}": "parameters" must be an object`)
  return { name, shape: shape as number[], datatype, data, ...(parameters ? { parameters: parameters as Record<string, unknown> } : {}) }
}

/**
 * The request's input tensors as the endpoint's values; throws OipError naming the tensor at fault.
 * @example readInputTensors(signature, [{ name: 'pixels', shape: [8, 8], datatype: 'FP32', data: [...64] }])
 */
export function readInputTensors(signature: EndpointSignature, inputs: unknown, parameters: Record<string, unknown>): Map<string, InputValue> {
  if (!Array.isArray(inputs)) throw new OipError('E_OIP_REQUEST_INVALID', '"inputs" must be an array of tensors')
  const metadata = new Map(inputMetadata(signature).map((m) => [m.name, m]))
  const values = new Map<string, InputValue>()
  inputs.forEach((raw, i) => {
    const tensor = readTensor(raw, i)
    const field = signature.inputs.find((f) => f.name === tensor.name)
    const declared = metadata.get(tensor.name)
    if (!field || !declared) throw new OipError('E_OIP_INPUT_UNKNOWN', `no input "${tensor.name}"; the inputs are ${[...metadata.keys()].join(', ') || 'none'}`)
    if (values.has(tensor.name)) throw new OipError('E_OIP_REQUEST_INVALID', `input "${tensor.name}" is given twice`)
    if (tensor.datatype !== declared.datatype) throw new OipError('E_OIP_DATATYPE_INVALID', `input "${tensor.name}" is ${declared.datatype}, not ${tensor.datatype}`)
    const flat = flatten(tensor.data)
    const size = tensor.shape.reduce((a, b) => a * b, 1)
    if (size !== flat.length) throw new OipError('E_OIP_SHAPE_INVALID', `input "${tensor.name}": shape [${tensor.shape.join(', ')}] holds ${size} value${size === 1 ? '' : 's'}, and data has ${flat.length}`)
    if (!fitsShape(tensor.shape, declared.shape)) throw new OipError('E_OIP_SHAPE_INVALID', `input "${tensor.name}" has shape [${declared.shape.join(', ')}], not [${tensor.shape.join(', ')}]`)
    flat.forEach((value, j) => {
      const problem = checkValue(tensor.datatype, value)
      if (problem) throw new OipError('E_OIP_DATA_INVALID', `input "${tensor.name}": data[${j}] = ${JSON.stringify(value)?.slice(0, 40)} ${problem}`)
    })
    values.set(tensor.name, tensorValue(field, tensor, flat))
  })
  // Request parameters fill query parameters of the same name (e.g. highlight).
  for (const field of signature.inputs) {
    if (field.source === 'query' && !values.has(field.name) && parameters[field.name] !== undefined) values.set(field.name, parameters[field.name])
  }
  const missing = signature.inputs.filter((f) => f.required && !values.has(f.name)).map((f) => f.name)
  if (missing.length > 0) throw new OipError('E_OIP_INPUT_MISSING', `missing input${missing.length === 1 ? '' : 's'} ${missing.map((m) => `"${m}"`).join(', ')}`)
  return values
}

function valueTensors(name: string, value: unknown, field: SignatureField | undefined): Tensor[] {
  if (Array.isArray(value)) {
    const simple = value.every((v) => typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string')
    if (simple && value.length > 0) {
      const datatype = field?.hint.datatype ?? (value.every((v) => typeof v === 'number') ? (value.every(Number.isInteger) && field?.itemKind === 'integer' ? 'INT64' : 'FP64') : valueDatatype(value[0]))
      const shape = field?.hint.shape && field.hint.shape.reduce((a, b) => a * b, 1) === value.length ? field.hint.shape : [value.length]
      return [{ name, datatype, shape, data: value }]
    }
    return [{ name, datatype: 'BYTES', shape: [value.length], data: value.map((v) => JSON.stringify(v)), parameters: { content_type: 'application/json' } }]
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
    // A map of numbers (scores) is two tensors, unless the schema says the value is free-form JSON.
    const declaredMap = !field || (field.kind === 'object' && typeof field.schema['additionalProperties'] === 'object')
    if (declaredMap && entries.length > 0 && entries.every(([, v]) => typeof v === 'number')) {
      return [{ name, datatype: 'FP64', shape: [entries.length], data: entries.map(([, v]) => v) }, { name: `${name}_labels`, datatype: 'BYTES', shape: [entries.length], data: entries.map(([k]) => k) }]
    }
    return [{ name, datatype: 'BYTES', shape: [1], data: [JSON.stringify(value)], parameters: { content_type: 'application/json' } }]
  }
  const datatype = field?.hint.datatype ?? (typeof value === 'number' && field?.kind === 'number' ? 'FP64' : valueDatatype(value))
  return [{ name, datatype, shape: [1], data: [value === null ? 'null' : value] }]
}

/** The model's answer as output tensors, in the schema's order, then any other property. */
export function writeOutputTensors(signature: EndpointSignature, answer: unknown): Tensor[] {
  if (isFileValue(answer)) return [{ name: 'output', datatype: 'BYTES', shape: [1], data: [answer.bytes.toString('base64')], parameters: { content_type: answer.contentType, encoding: 'base64' } }]
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return valueTensors('output', answer, undefined)
  const record = answer as Record<string, unknown>
  const fields = new Map(signature.output.fields.map((f) => [f.name, f]))
  const names = [...signature.output.fields.map((f) => f.name).filter((n) => n in record), ...Object.keys(record).filter((n) => !fields.has(n))]
  const tensors = names.flatMap((name) => valueTensors(name, record[name], fields.get(name)))
  // Scores in an array ordered as the classification's labels also get their labels tensor.
  const classification = signature.output.classification
  if (classification?.scores && classification.labels && Array.isArray(record[classification.scores]) && !fields.has(`${classification.scores}_labels`)) {
    const at = tensors.findIndex((t) => t.name === classification.scores)
    tensors.splice(at + 1, 0, { name: `${classification.scores}_labels`, datatype: 'BYTES', shape: [classification.labels.length], data: classification.labels })
  }
  return tensors
}
