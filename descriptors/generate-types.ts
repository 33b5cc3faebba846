/**
 * Turns descriptors/descriptor.schema.json into descriptors/descriptor.ts, so the TypeScript types
 * follow the schema and never the other way round. Handles the subset of JSON Schema the
 * descriptor uses; anything else fails loudly rather than producing a loose type.
 *
 * Run `npm run gen:types` after editing the schema; test/descriptor-schema.test.ts fails while the
 * committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ferryPath } from '../packager/repo-root.js'

type Schema = {
  type?: string | string[]
  description?: string
  properties?: Record<string, Schema>
  required?: string[]
  additionalProperties?: boolean | Schema
  items?: Schema
  enum?: unknown[]
  $ref?: string
  $defs?: Record<string, Schema>
  title?: string
}

const HEADER = `/**
 * Types of descriptor.json, generated from descriptor.schema.json by generate-types.ts.
 * Do not edit by hand: change the schema and run \`npm run gen:types\`.
 */
`

function jsdoc(text: string | undefined, indent: string): string {
  if (!text) return ''
  return `${indent}/** ${text.replace(/\*\//g, '*\\/')} */\n`
}

function refName(ref: string): string {
  const match = /^#\/\$defs\/(\w+)$/.exec(ref)
  if (!match?.[1]) throw new Error(`unsupported $ref ${ref}`)
  return match[1]
}

function typeOf(schema: Schema, indent: string): string {
  if (schema.$ref) return refName(schema.$ref)
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ')
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type]
  if (types.length === 0) return 'unknown'
  return types.map((t) => scalarOrCompound(t, schema, indent)).join(' | ')
}

function scalarOrCompound(type: string, schema: Schema, indent: string): string {
  switch (type) {
    case 'string': return 'string'
    case 'integer':
    case 'number': return 'number'
    case 'boolean': return 'boolean'
    case 'null': return 'null'
    case 'array': return schema.items ? `Array<${typeOf(schema.items, indent)}>` : 'unknown[]'
    case 'object': return objectType(schema, indent)
    default: throw new Error(`unsupported type ${type}`)
  }
}

function objectType(schema: Schema, indent: string): string {
  const props = schema.properties ?? {}
  const required = new Set(schema.required ?? [])
  const inner = indent + '  '
  const lines = Object.entries(props).map(([key, sub]) => {
    const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key)
    return `${jsdoc(sub.description, inner)}${inner}${name}${required.has(key) ? '' : '?'}: ${typeOf(sub, inner)}`
  })
  const extra = schema.additionalProperties
  if (extra && typeof extra === 'object') lines.push(`${inner}[key: string]: ${typeOf(extra, inner)}`)
  else if (extra !== false && Object.keys(props).length === 0) lines.push(`${inner}[key: string]: unknown`)
  return `{\n${lines.join('\n')}\n${indent}}`
}

/** Renders the TypeScript source for a schema, e.g. `renderDescriptorTypes(schema)`. */
export function renderDescriptorTypes(schema: Schema): string {
  const parts = [HEADER]
  parts.push(`${jsdoc(schema.description, '')}export type ${schema.title ?? 'Descriptor'} = ${typeOf({ ...schema, $defs: undefined }, '')}\n`)
  for (const [name, def] of Object.entries(schema.$defs ?? {})) {
    parts.push(`${jsdoc(def.description, '')}export type ${name} = ${typeOf(def, '')}\n`)
  }
  return parts.join('\n')
}

export const SCHEMA_PATH = ferryPath('descriptors', 'descriptor.schema.json')
export const TYPES_PATH = ferryPath('descriptors', 'descriptor.ts')

/** Reads the schema and renders its types. */
export function generateDescriptorTypes(): string {
  return renderDescriptorTypes(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Schema)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(TYPES_PATH, generateDescriptorTypes())
  process.stderr.write(`wrote ${TYPES_PATH}\n`)
}
