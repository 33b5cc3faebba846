/**
 * Where Ferry's own files are on disk (schema, examples, docs), found from this module's location
 * so it works from `dist/` and from an installed package alike.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'descriptors'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('Ferry: cannot find the installation root (package.json + descriptors/)')
    dir = parent
  }
  return dir
}

/** The folder holding Ferry's package.json, e.g. `/opt/ferry`. */
export const REPO_ROOT = findRepoRoot()

/** Path of a file shipped with Ferry: `ferryPath('descriptors', 'descriptor.schema.json')`. */
export function ferryPath(...segments: string[]): string {
  return join(REPO_ROOT, ...segments)
}

/** Ferry's own version, from its package.json, e.g. "0.1.0". */
export function readFerryVersion(): string {
  return (JSON.parse(readFileSync(ferryPath('package.json'), 'utf8')) as { version: string }).version
}
