/**
 * Semantic rules for the protocol hints of a descriptor (api.defaultEndpoint, apiName, a payload's
 * fields, shape and classification): each names something the schema cannot check, such as a
 * property that must exist in the payload's own JSON Schema.
 */
import { createProblem, type Problem } from './problem.js'

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

function propertiesOf(payload: Json): Json | undefined {
  const schema = payload['schema']
  return isObject(schema) && isObject(schema['properties']) ? schema['properties'] : undefined
}

function checkPayload(payload: unknown, at: string, out: Problem[]): void {
  if (!isObject(payload)) return
  const properties = propertiesOf(payload)
  const fields = isObject(payload['fields']) ? payload['fields'] : {}
  for (const [name, hint] of Object.entries(fields)) {
    // A hint may name the body itself (payload.name) when the body is not an object of properties.
    if (properties && !(name in properties) && name !== payload['name']) {
      out.push(createProblem('E_FIELD_HINT_UNKNOWN', `${at}/fields/${name}`, `"${name}" is not a property of this payload's schema (${Object.keys(properties).join(', ')})`))
      continue
    }
    const property = properties?.[name]
    const shape = isObject(hint) && Array.isArray(hint['shape']) ? hint['shape'] as unknown[] : undefined
    if (!shape || !isObject(property) || shape.some((d) => d === -1 || typeof d !== 'number')) continue
    const size = (shape as number[]).reduce((a, b) => a * b, 1)
    const length = property['minItems'] === property['maxItems'] && typeof property['minItems'] === 'number' ? property['minItems'] : undefined
    if (length !== undefined && length !== size) out.push(createProblem('E_FIELD_SHAPE_MISMATCH', `${at}/fields/${name}/shape`, `shape [${shape.join(', ')}] holds ${size} values, and "${name}" has ${length}`))
  }
  const classification = payload['classification']
  if (isObject(classification) && properties) {
    for (const key of ['label', 'scores'] as const) {
      const name = classification[key]
      if (typeof name === 'string' && !(name in properties)) out.push(createProblem('E_CLASSIFICATION_FIELD_UNKNOWN', `${at}/classification/${key}`, `"${name}" is not a property of the output schema`))
    }
  }
}

/** Problems of the protocol hints of `api`. */
export function checkProtocolHints(api: Json, out: Problem[]): void {
  const endpoints = Array.isArray(api['endpoints']) ? api['endpoints'] : []
  const keys = endpoints.map((e) => (isObject(e) ? `${String(e['method'])} ${String(e['path'])}` : ''))
  const wanted = api['defaultEndpoint']
  if (typeof wanted === 'string' && endpoints.length > 0 && !keys.includes(wanted)) {
    out.push(createProblem('E_DEFAULT_ENDPOINT_UNKNOWN', '/api/defaultEndpoint', `no endpoint "${wanted}" is declared in api.endpoints`))
  }
  const names = new Map<string, number>()
  endpoints.forEach((endpoint, i) => {
    if (!isObject(endpoint)) return
    const name = endpoint['apiName']
    if (typeof name === 'string') {
      const first = names.get(name)
      if (first !== undefined) out.push(createProblem('E_API_NAME_DUPLICATE', `/api/endpoints/${i}/apiName`, `"${name}" is already the apiName of /api/endpoints/${first}`))
      else names.set(name, i)
    }
    checkPayload(endpoint['input'], `/api/endpoints/${i}/input`, out)
    checkPayload(endpoint['output'], `/api/endpoints/${i}/output`, out)
  })
}
