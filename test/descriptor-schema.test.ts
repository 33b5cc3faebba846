/**
 * The descriptor schema is the contract: a snapshot pins every field (path, type, required), the
 * generated TypeScript types must be current, and descriptors/README.md must document each field.
 * After a deliberate schema change: `npm run gen:types`, then `UPDATE_SNAPSHOTS=1 npm test -- descriptor-schema`.
 */
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { test } from 'node:test'
import { generateDescriptorTypes, SCHEMA_PATH, TYPES_PATH } from '../descriptors/generate-types.js'
import { ferryPath } from '../packager/repo-root.js'

type Schema = { type?: string | string[]; enum?: unknown[]; $ref?: string; properties?: Record<string, Schema>; required?: string[]; items?: Schema; $defs?: Record<string, Schema>; additionalProperties?: boolean | Schema }
const SNAPSHOT_PATH = ferryPath('test', 'snapshots', 'descriptor-fields.txt')

/** One line per field: `runtime.entry  string  required`. */
function listFields(schema: Schema): string[] {
  const defs = schema.$defs ?? {}
  const resolve = (s: Schema): Schema => (s.$ref ? resolve(defs[s.$ref.split('/').pop()!]!) : s)
  const lines: string[] = []
  const walk = (node: Schema, prefix: string) => {
    const s = resolve(node)
    const required = new Set(s.required ?? [])
    for (const [key, raw] of Object.entries(s.properties ?? {})) {
      const child = resolve(raw)
      const path = prefix ? `${prefix}.${key}` : key
      const type = child.enum ? child.enum.map((v) => JSON.stringify(v)).join('|') : [child.type ?? 'any'].flat().join('|')
      lines.push(`${path}  ${type}${required.has(key) ? '  required' : ''}`)
      if (child.properties) walk(child, path)
      if (child.items) {
        const item = resolve(child.items)
        if (item.properties) walk(item, `${path}[]`)
      }
    }
  }
  walk(schema, '')
  return lines
}

const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Schema

test('the schema matches its snapshot (change both deliberately)', () => {
  const current = `${listFields(schema).join('\n')}\n`
  if (process.env['UPDATE_SNAPSHOTS'] === '1') writeFileSync(SNAPSHOT_PATH, current)
  assert.equal(current, readFileSync(SNAPSHOT_PATH, 'utf8'))
})

test('descriptors/descriptor.ts is generated from the current schema (npm run gen:types)', () => {
  assert.equal(readFileSync(TYPES_PATH, 'utf8'), generateDescriptorTypes())
})

test('descriptors/README.md documents every field', () => {
  const readme = readFileSync(ferryPath('descriptors', 'README.md'), 'utf8')
  const missing = listFields(schema).map((line) => line.split('  ')[0]!).filter((path) => path !== '$schema' && !readme.includes(`\`${path}\``))
  assert.deepEqual(missing, [], 'fields with no `path` mention in descriptors/README.md')
})
