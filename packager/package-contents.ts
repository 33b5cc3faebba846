/**
 * What the validator may know about a package's files: their paths, and the text of the few small
 * files the rules read (package.json). A folder, a zip and a test all provide it the same way.
 */
import { posix } from 'node:path'

export interface PackageContents {
  /** Every file in the package, as a POSIX path relative to its root, e.g. "weights/model.bin". */
  files: ReadonlySet<string>
  /** The text of a file in the package, or undefined when it is absent or unreadable. */
  readText(path: string): string | undefined
}

/** "./a/b/" → "a/b"; the form paths take in PackageContents.files. */
export function normalizeRelativePath(path: string): string {
  const normal = posix.normalize(path.replace(/\\/g, '/'))
  return normal.replace(/^\.\/+/, '').replace(/\/+$/, '')
}

/** True when `path` names a file of the package, or a folder holding at least one. */
export function hasPath(contents: PackageContents, path: string): boolean {
  const wanted = normalizeRelativePath(path)
  if (wanted === '' || wanted === '.') return contents.files.size > 0
  if (contents.files.has(wanted)) return true
  const prefix = `${wanted}/`
  for (const file of contents.files) if (file.startsWith(prefix)) return true
  return false
}
