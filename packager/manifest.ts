/**
 * The package manifest, `ferry.manifest.json`, the last entry of every package: each file's path,
 * size and sha256 (the deployer verifies every byte against it), plus where the package came from.
 */
import type { Provenance } from './provenance.js'
import type { WrittenEntry } from './zip-writer.js'

export const MANIFEST_FORMAT = 1

export interface PackageManifest {
  format: typeof MANIFEST_FORMAT
  name: string
  version: string
  files: WrittenEntry[]
  provenance?: Provenance
}

/** Serialises a manifest with a stable key order, e.g. for writing into the zip. */
export function serializeManifest(manifest: PackageManifest): Buffer {
  const ordered: PackageManifest = { format: manifest.format, name: manifest.name, version: manifest.version, files: manifest.files }
  if (manifest.provenance?.git) ordered.provenance = manifest.provenance
  return Buffer.from(`${JSON.stringify(ordered, null, 2)}\n`)
}
