/**
 * The package manifest, `ferry.manifest.json`, the last entry of every package: each file's path,
 * size and sha256 (the deployer verifies every byte against it). Nothing but content goes in: where
 * the package came from (git commit, dirty flag) is reported by `ferry pack`, never packed, so the
 * same files give the same zip, digest and version in any commit, inside a work tree or outside.
 */
import type { WrittenEntry } from './zip-writer.js'

export const MANIFEST_FORMAT = 1

export interface PackageManifest {
  format: typeof MANIFEST_FORMAT
  name: string
  version: string
  files: WrittenEntry[]
}

/** Serialises a manifest with a stable key order, e.g. for writing into the zip. */
export function serializeManifest(manifest: PackageManifest): Buffer {
  const ordered: PackageManifest = { format: manifest.format, name: manifest.name, version: manifest.version, files: manifest.files }
  return Buffer.from(`${JSON.stringify(ordered, null, 2)}\n`)
}
