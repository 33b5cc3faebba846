/**
 * The Open Inference Protocol's tensor datatypes: which exist, what JSON value each takes in
 * `data` (numbers in range, true/false, strings), and which one a descriptor field defaults to.
 */
import type { FieldKind, SignatureField } from '../signature.js'

export const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const
export type Datatype = typeof DATATYPES[number]

export function isDatatype(value: unknown): value is Datatype {
  return typeof value === 'string' && (DATATYPES as readonly string[]).includes(value)
}

const INTEGER_RANGES: Partial<Record<Datatype, [number, number]>> = {
  UINT8: [0, 255], UINT16: [0, 65535], UINT32: [0, 4294967295], UINT64: [0, Number.MAX_SAFE_INTEGER],
  INT8: [-128, 127], INT16: [-32768, 32767], INT32: [-2147483648, 2147483647], INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
}

/** Why `value` is not of `datatype`, or undefined when it is. */
export function checkValue(datatype: Datatype, value: unknown): string | undefined {
  if (datatype === 'BOOL') return typeof value === 'boolean' ? undefined : 'is not true or false'
  if (datatype === 'BYTES') return typeof value === 'string' ? undefined : 'is not a string'
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'is not a finite number'
  const range = INTEGER_RANGES[datatype]
  if (range) {
    if (!Number.isInteger(value)) return 'is not a whole number'
    if (value < range[0] || value > range[1]) return `is outside ${datatype}'s range ${range[0]} to ${range[1]}`
  }
  if (datatype === 'FP16' && Math.abs(value) > 65504) return 'is outside FP16\'s range'
  if (datatype === 'FP32' && Math.abs(value) > 3.4028234663852886e38) return 'is outside FP32\'s range'
  return undefined
}

function kindDatatype(kind: FieldKind | undefined): Datatype {
  switch (kind) {
    case 'number': return 'FP64'
    case 'integer': return 'INT64'
    case 'boolean': return 'BOOL'
    default: return 'BYTES'
  }
}

/** A field's datatype: its hint, else from its JSON type (an array's from its items). */
export function fieldDatatype(field: SignatureField): Datatype {
  if (field.hint.datatype) return field.hint.datatype
  return kindDatatype(field.kind === 'array' ? field.itemKind : field.kind)
}

/** A field's shape: its hint, else [length] for a fixed-size array, [-1] for any other array, [1] for one value. */
export function fieldShape(field: SignatureField): number[] {
  if (field.hint.shape) return field.hint.shape
  if (field.kind === 'array') return [field.length ?? -1]
  return [1]
}

/** The datatype of a JSON value an answer holds. */
export function valueDatatype(value: unknown): Datatype {
  if (typeof value === 'boolean') return 'BOOL'
  if (typeof value === 'number') return Number.isInteger(value) ? 'INT64' : 'FP64'
  return 'BYTES'
}
