/**
 * Checks a parsed descriptor against descriptors/descriptor.schema.json and turns ajv's errors
 * into problems with stable codes, one per fault (no echo from anyOf/oneOf branches).
 */
import { readFileSync } from 'node:fs'
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import { createProblem, type Problem } from './problem.js'
import type { PackagerErrorCode } from './errors.js'
import { ferryPath } from './repo-root.js'

let compiled: ValidateFunction | undefined

/** The compiled descriptor schema (compiled once, on first use). */
function getSchemaValidator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(ferryPath('descriptors', 'descriptor.schema.json'), 'utf8')) as object
    compiled = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(schema)
  }
  return compiled
}

const PATTERN_CODES: Array<[RegExp, PackagerErrorCode]> = [
  [/^#\/properties\/name\//, 'E_NAME_NOT_SLUG'],
  [/^#\/properties\/version\//, 'E_VERSION_NOT_SEMVER'],
  [/^#\/\$defs\/RelativePath\//, 'E_PATH_NOT_RELATIVE'],
  [/^#\/\$defs\/UrlPath\//, 'E_URL_PATH_INVALID'],
  [/\/propertyNames\//, 'E_ENV_NAME_INVALID'],
]

const RANGE_KEYWORDS = new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems', 'maxItems'])

function describeValue(value: unknown): string {
  const text = JSON.stringify(value)
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/** Closest known name within two edits, for "did you mean" hints. */
function suggest(name: string, known: string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j)
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0]!
      row[0] = i
      for (let j = 1; j <= b.length; j++) {
        const next = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
        prev = row[j]!
        row[j] = next
      }
    }
    return row[b.length]!
  }
  return known.map((k) => [k, distance(name.toLowerCase(), k.toLowerCase())] as const).filter(([, d]) => d <= 2).sort((x, y) => x[1] - y[1])[0]?.[0]
}

function toProblem(error: ErrorObject): Problem | undefined {
  const at = error.instancePath
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required': {
      const missing = String(params['missingProperty'])
      const path = `${at}/${missing}`
      if (path === '/api/health') return createProblem('E_HEALTH_NOT_DECLARED', path, 'api.health is not declared')
      return createProblem('E_SCHEMA_REQUIRED', path, `"${missing}" is required`)
    }
    case 'additionalProperties': {
      const field = String(params['additionalProperty'])
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {})
      const guess = suggest(field, known)
      return createProblem('E_SCHEMA_UNKNOWN_FIELD', `${at}/${field}`, `unknown field "${field}"${guess ? ` (did you mean "${guess}"?)` : ''}`)
    }
    case 'type':
      return createProblem('E_SCHEMA_TYPE', at, `must be ${String(params['type']).replace(',', ' or ')}, got ${describeValue(error.data)}`)
    case 'enum':
      return createProblem('E_SCHEMA_ENUM', at, `must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}; got ${describeValue(error.data)}`)
    case 'pattern': {
      if (error.propertyName !== undefined) {
        return createProblem('E_ENV_NAME_INVALID', `${at}/${error.propertyName}`, `"${error.propertyName}" is not a valid environment variable name`)
      }
      const code = PATTERN_CODES.find(([re]) => re.test(error.schemaPath))?.[1] ?? 'E_SCHEMA_PATTERN'
      const what = { E_NAME_NOT_SLUG: 'is not a slug', E_VERSION_NOT_SEMVER: 'is not a semantic version', E_PATH_NOT_RELATIVE: 'is not a relative path inside the package', E_URL_PATH_INVALID: 'is not a URL path starting with "/"' }[code as string] ?? `does not match ${String(params['pattern'])}`
      return createProblem(code, at, `${describeValue(error.data)} ${what}`)
    }
    case 'uniqueItems':
      return createProblem('E_SCHEMA_DUPLICATE_ITEM', at, `items ${String(params['j'])} and ${String(params['i'])} are the same`)
    case 'anyOf':
      if (at === '/api') return createProblem('E_API_UNDESCRIBED', at, 'api has neither "openapi" nor "endpoints" (nor a "protocol" of gradio or oip-v2)')
      return createProblem('E_SCHEMA_CONSTRAINT', at, 'does not match any allowed form')
    case 'oneOf':
      if (/^\/examples\/\d+$/.test(at)) return createProblem('E_EXAMPLE_BODY_OR_FILE', at, 'an example needs exactly one of "body" and "file"')
      return createProblem('E_SCHEMA_CONSTRAINT', at, 'must match exactly one allowed form')
    case 'propertyNames':
      return undefined // reported by the pattern error that comes with it
    case 'if':
      return undefined // reported by the errors of the `then` or `else` branch that failed
    default:
      if (RANGE_KEYWORDS.has(error.keyword)) return createProblem('E_SCHEMA_RANGE', at, `${error.message ?? 'is out of range'}, got ${describeValue(error.data)}`)
      return createProblem('E_SCHEMA_CONSTRAINT', at, error.message ?? 'is not allowed')
  }
}

/** Schema problems of a parsed descriptor, e.g. `checkSchema({})` → [E_SCHEMA_REQUIRED at /name, …]. */
export function checkSchema(json: unknown): Problem[] {
  const validate = getSchemaValidator()
  if (validate(json)) return []
  // Errors inside anyOf/oneOf branches only explain why a branch failed; the umbrella error says it once.
  const errors = (validate.errors ?? []).filter((e) => !/\/(anyOf|oneOf)\/\d+\//.test(e.schemaPath))
  const seen = new Set<string>()
  const problems: Problem[] = []
  for (const error of errors) {
    const problem = toProblem(error)
    const key = problem && `${problem.code} ${problem.path}`
    if (problem && key && !seen.has(key)) {
      seen.add(key)
      problems.push(problem)
    }
  }
  return problems
}
