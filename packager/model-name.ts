/**
 * What a model name may be, taken from the descriptor schema's `name` pattern (the one source of
 * truth), so the deployer's checks of references and manifests cannot drift from it.
 */
import { readFileSync } from 'node:fs'
import { ferryPath } from './repo-root.js'

let pattern: RegExp | undefined

/** True when `name` is a valid model name (a slug), e.g. `isModelName('digit-classifier')`. */
export function isModelName(name: string): boolean {
  pattern ??= new RegExp((JSON.parse(readFileSync(ferryPath('descriptors', 'descriptor.schema.json'), 'utf8')) as { properties: { name: { pattern: string } } }).properties.name.pattern)
  return pattern.test(name)
}
