/**
 * The JSON bodies of POST /api/runs and PATCH /api/runs/:id, checked by one JSON Schema each (ajv):
 * params are scalars, metrics numbers, tags strings, times ISO 8601, text a string (what the run
 * recorded, e.g. the words OCR read, searched by `q`). A refusal names the field.
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { Context } from 'hono'
import { createGatewayError } from './errors.js'
import { parseJsonBody } from './_json-body.js'

export type RunStatus = 'running' | 'finished' | 'failed'

export interface RunInput {
  model?: string
  version?: string
  params?: Record<string, string | number | boolean>
  metrics?: Record<string, number>
  tags?: Record<string, string>
  status?: RunStatus
  startedAt?: string
  endedAt?: string
  requestId?: string
  /** Text the run recorded (e.g. what OCR read), searched by `GET /api/runs?q=`. */
  text?: string
}

const KEY = { type: 'string', minLength: 1, maxLength: 100 }
const FIELDS = {
  params: { type: 'object', maxProperties: 200, propertyNames: KEY, additionalProperties: { type: ['string', 'number', 'boolean'], maxLength: 10_000 } },
  metrics: { type: 'object', maxProperties: 200, propertyNames: KEY, additionalProperties: { type: 'number' } },
  tags: { type: 'object', maxProperties: 50, propertyNames: KEY, additionalProperties: { type: 'string', maxLength: 500 } },
  status: { enum: ['running', 'finished', 'failed'] },
  startedAt: { type: 'string', format: 'date-time' },
  endedAt: { type: 'string', format: 'date-time' },
  requestId: { type: 'string', minLength: 1, maxLength: 200 },
  text: { type: 'string', maxLength: 500_000 },
}
const CREATE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: { model: { type: 'string', minLength: 1, maxLength: 63 }, version: { type: 'string', minLength: 1, maxLength: 100 }, ...FIELDS },
}
const PATCH_SCHEMA = { type: 'object', additionalProperties: false, properties: FIELDS }

// ajv-formats ships CommonJS; under NodeNext its default export is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020
const ajv = addFormats(new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true }))
const validators = { create: ajv.compile<RunInput>(CREATE_SCHEMA), patch: ajv.compile<RunInput>(PATCH_SCHEMA) }

function describe(error: ErrorObject): { path: string; message: string } {
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty
    return { path: `${error.instancePath}/${extra}`, message: `unknown field "${extra}"` }
  }
  return { path: error.instancePath || '/', message: `${error.instancePath || 'the body'} ${error.message ?? 'is invalid'}` }
}

/** Reads and checks a run body; `kind` picks the create or patch schema. */
export async function readRunInput(c: Context, kind: 'create' | 'patch'): Promise<RunInput> {
  const body = await parseJsonBody(c)
  const validate = validators[kind]
  if (!validate(body)) {
    const { path, message } = describe(validate.errors![0]!)
    throw createGatewayError('E_BODY_INVALID', message, { path })
  }
  return body
}
