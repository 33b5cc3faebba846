/**
 * Reads `ferry.manifest.json` from a package and checks it against the zip's entries: the
 * manifest is what makes every other byte verifiable, so it must list exactly the files in the
 * zip, with the sizes their records declare. (The sha256 of each is checked during extraction.)
 */
import semver from 'semver'
import type { CheckedEntry } from './_zip-entries.js'
import { isModelName } from '../packager/model-name.js'
import { createDeployerError } from './errors.js'
import { DESCRIPTOR_NAME, MANIFEST_NAME } from '../packager/file-list.js'
import type { PackageManifest } from '../packager/manifest.js'
import type { WrittenEntry } from '../packager/zip-writer.js'

export { DESCRIPTOR_NAME, MANIFEST_NAME }

/** Far above what 20,000 entries need; a larger manifest is refused before it is read. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024
const SHA256 = /^[0-9a-f]{64}$/

/** One file of the manifest; the packager writes exactly this shape. */
export type ManifestFile = WrittenEntry
export type { PackageManifest }

function invalid(message: string, details: Record<string, unknown> = {}): never {
  throw createDeployerError('E_UNPACK_MANIFEST_INVALID', `${MANIFEST_NAME} ${message}`, { path: MANIFEST_NAME, details })
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function checkFile(value: unknown, index: number, seen: Set<string>): ManifestFile {
  const where = `files[${index}]`
  if (!isRecord(value)) invalid(`${where} is not an object`)
  const { path, size, sha256, executable } = value
  if (typeof path !== 'string' || path === MANIFEST_NAME) invalid(`${where}.path is not a file path`)
  if (seen.has(path)) invalid(`lists "${path}" twice`, { file: path })
  seen.add(path)
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) invalid(`${where}.size is not a byte count`, { file: path })
  if (typeof sha256 !== 'string' || !SHA256.test(sha256)) invalid(`${where}.sha256 is not a lowercase hex sha256`, { file: path })
  if (executable !== undefined && typeof executable !== 'boolean') invalid(`${where}.executable is not a boolean`, { file: path })
  return executable === true ? { path, size, sha256, executable: true } : { path, size, sha256 }
}

/**
 * Parses and shape-checks a manifest's bytes.
 * @example
 * parseManifest(Buffer.from('{"format":1,"name":"echo","version":"1.0.0","files":[]}')).name // → 'echo'
 */
export function parseManifest(data: Buffer): PackageManifest {
  let json: unknown
  try {
    json = JSON.parse(data.toString('utf8'))
  } catch (error) {
    invalid(`is not JSON: ${(error as Error).message}`)
  }
  if (!isRecord(json)) invalid('is not a JSON object')
  if (json.format !== 1) invalid(`has format ${JSON.stringify(json.format)}; this Ferry reads format 1`, { format: json.format })
  if (typeof json.name !== 'string' || !isModelName(json.name)) invalid('has no valid "name"')
  if (typeof json.version !== 'string' || semver.valid(json.version) === null) invalid('has no valid semver "version"')
  if (!Array.isArray(json.files)) invalid('has no "files" list')
  const seen = new Set<string>()
  const files = json.files.map((file, index) => checkFile(file, index, seen))
  // Packages from before provenance left the manifest may still carry it; it is not content, so it is dropped.
  return { format: 1, name: json.name, version: json.version, files }
}

function mismatch(path: string, message: string, details: Record<string, unknown> = {}): never {
  throw createDeployerError('E_UNPACK_MANIFEST_MISMATCH', `Package entry "${path}" ${message}`, { path, details })
}

/**
 * Checks that the manifest lists exactly the zip's files (manifest excluded) with the same sizes,
 * and returns each entry's manifest record, keyed by name.
 * @example
 * const byName = matchManifest(manifest, entries) // throws E_UNPACK_MANIFEST_MISMATCH on any difference
 */
export function matchManifest(manifest: PackageManifest, entries: CheckedEntry[]): Map<string, ManifestFile> {
  const listed = new Map(manifest.files.map((file) => [file.path, file]))
  for (const entry of entries) {
    if (entry.name === MANIFEST_NAME) continue
    const file = listed.get(entry.name)
    if (!file) mismatch(entry.name, `is not listed in ${MANIFEST_NAME}`)
    if (file.size !== entry.size) mismatch(entry.name, `is ${entry.size} bytes but ${MANIFEST_NAME} says ${file.size}`, { declared: entry.size, manifest: file.size })
  }
  const present = new Set(entries.map((entry) => entry.name))
  for (const file of manifest.files) {
    if (!present.has(file.path)) mismatch(file.path, `is listed in ${MANIFEST_NAME} but missing from the zip`)
  }
  if (!listed.has(DESCRIPTOR_NAME)) {
    throw createDeployerError('E_UNPACK_DESCRIPTOR_MISSING', `The package has no ${DESCRIPTOR_NAME} at its root`, { path: DESCRIPTOR_NAME })
  }
  return listed
}
