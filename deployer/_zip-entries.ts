/**
 * Checks every central directory record of a package before a byte is written: names, entry
 * types, sizes, compression ratios and collisions. Directory entries pass the name check and are
 * then dropped (folders are created from file paths); what is returned are the regular files.
 */
import { checkEntryName, foldEntryName } from './_entry-names.js'
import type { ZipFile } from './_zip-source.js'
import type { ZipTrailer } from './_zip-trailer.js'
import { createDeployerError } from './errors.js'
import type { ResolvedUnpackLimits } from './unpack-limits.js'

const CENTRAL_SIGNATURE = 0x02014b50
const LOCAL_HEADER_BYTES = 30
const S_IFMT = 0o170000
const S_IFREG = 0o100000
const S_IFDIR = 0o040000
const S_IFLNK = 0o120000
const DOS_DIRECTORY = 0x10
const FLAG_ENCRYPTED = 0x01
const FLAG_STRONG_ENCRYPTION = 0x40
const STORED = 0
const DEFLATED = 8

/** A regular file entry that passed every check. */
export interface CheckedEntry {
  name: string
  /** Uncompressed size from the central directory: the most bytes extraction will accept. */
  size: number
  compressedSize: number
  file: ZipFile
}

function refuse(code: Parameters<typeof createDeployerError>[0], name: string, message: string, details: Record<string, unknown> = {}): never {
  throw createDeployerError(code, `Package entry "${name}" ${message}`, { path: name, details })
}

/** True for a directory entry; throws when the name and the type disagree. */
function classifyType(file: ZipFile): 'file' | 'directory' {
  const name = file.path
  // The unix mode sits in the high 16 bits. It is honoured whatever host "made" the zip: an
  // extractor that trusts it would create the link, so a link is refused wherever it claims to come from.
  const type = (file.externalFileAttributes >>> 16) & S_IFMT
  const mode = `0${(file.externalFileAttributes >>> 16).toString(8)}`
  if (type === S_IFLNK) refuse('E_UNPACK_SYMLINK', name, 'is a symbolic link', { mode })
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) refuse('E_UNPACK_SPECIAL_FILE', name, 'is not a regular file (device, fifo or socket)', { mode })
  const isDirectory = name.endsWith('/')
  const claimsDirectory = type === S_IFDIR || (type === 0 && (file.externalFileAttributes & DOS_DIRECTORY) !== 0)
  if (isDirectory ? type === S_IFREG : claimsDirectory) refuse('E_UNPACK_ZIP_INVALID', name, 'has a type that disagrees with its name (folder vs file)', { mode })
  if (isDirectory && file.uncompressedSize !== 0) refuse('E_UNPACK_ZIP_INVALID', name, 'is a folder with content')
  return isDirectory ? 'directory' : 'file'
}

function checkSizes(file: ZipFile, trailer: ZipTrailer, limits: ResolvedUnpackLimits): void {
  const { path: name, uncompressedSize: size, compressedSize: compressed } = file
  // unzipper leaves a size undefined when it is 0xffffffff without a zip64 extra field.
  if (!Number.isSafeInteger(size) || !Number.isSafeInteger(compressed) || !Number.isSafeInteger(file.offsetToLocalFileHeader)) {
    refuse('E_UNPACK_ZIP_INVALID', name, 'has an unreadable size or offset')
  }
  if (file.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) refuse('E_UNPACK_ENTRY_UNSUPPORTED', name, 'is encrypted')
  if (file.compressionMethod !== STORED && file.compressionMethod !== DEFLATED) {
    refuse('E_UNPACK_ENTRY_UNSUPPORTED', name, `uses compression method ${file.compressionMethod}`, { compressionMethod: file.compressionMethod })
  }
  if (file.compressionMethod === STORED && compressed !== size) refuse('E_UNPACK_ZIP_INVALID', name, 'is stored but its two sizes differ', { size, compressedSize: compressed })
  if (compressed === 0 && size !== 0) refuse('E_UNPACK_ZIP_INVALID', name, 'declares content but has no compressed data', { size })
  if (file.offsetToLocalFileHeader + LOCAL_HEADER_BYTES + compressed > trailer.centralDirectoryOffset) {
    refuse('E_UNPACK_ZIP_INVALID', name, 'reaches past the start of the central directory')
  }
  if (size > limits.ratioThresholdBytes && size > compressed * limits.maxRatio) {
    const ratio = Math.round(size / compressed)
    refuse('E_UNPACK_ZIP_BOMB', name, `expands ${ratio} times (limit ${limits.maxRatio})`, { size, compressedSize: compressed, ratio, maxRatio: limits.maxRatio })
  }
}

/** Duplicates, case/Unicode collisions, and names used both as a file and as a folder. */
function checkCollisions(entries: CheckedEntry[]): void {
  const exact = new Set<string>()
  const folded = new Map<string, string>()
  for (const { name } of entries) {
    if (exact.has(name)) refuse('E_UNPACK_DUPLICATE_NAME', name, 'appears more than once')
    exact.add(name)
    const other = folded.get(foldEntryName(name))
    if (other !== undefined) refuse('E_UNPACK_CASE_COLLISION', name, `collides with "${other}" on case-insensitive file systems`, { other })
    folded.set(foldEntryName(name), name)
  }
  for (const { name } of entries) {
    for (let slash = name.indexOf('/'); slash !== -1; slash = name.indexOf('/', slash + 1)) {
      const other = folded.get(foldEntryName(name.slice(0, slash)))
      if (other !== undefined) refuse('E_UNPACK_PATH_CONFLICT', name, `needs "${other}" to be a folder, but it is a file`, { other })
    }
  }
}

/** Two records pointing into the same bytes are how non-recursive zip bombs multiply (Fifield 2019). */
function checkOverlaps(entries: CheckedEntry[]): void {
  const byOffset = [...entries].sort((a, b) => a.file.offsetToLocalFileHeader - b.file.offsetToLocalFileHeader)
  for (let i = 1; i < byOffset.length; i++) {
    const previous = byOffset[i - 1]!
    const current = byOffset[i]!
    if (current.file.offsetToLocalFileHeader < previous.file.offsetToLocalFileHeader + LOCAL_HEADER_BYTES + previous.compressedSize) {
      refuse('E_UNPACK_ZIP_INVALID', current.name, `overlaps the data of "${previous.name}"`, { other: previous.name })
    }
  }
}

/**
 * Checks all records and returns the regular files, in central directory order.
 * @example
 * const entries = checkZipEntries(zip.files, trailer, resolveUnpackLimits())
 * entries.map((entry) => entry.name) // → ['descriptor.json', 'model/weights.bin', 'ferry.manifest.json']
 */
export function checkZipEntries(files: ZipFile[], trailer: ZipTrailer, limits: ResolvedUnpackLimits): CheckedEntry[] {
  if (files.length > limits.maxEntries) {
    throw createDeployerError('E_UNPACK_TOO_MANY_FILES', `The package holds ${files.length} entries (limit ${limits.maxEntries})`, { details: { entries: files.length, maxEntries: limits.maxEntries } })
  }
  const entries: CheckedEntry[] = []
  let total = 0
  for (const file of files) {
    if (file.signature !== CENTRAL_SIGNATURE) refuse('E_UNPACK_ZIP_INVALID', file.path, 'is not a valid central directory record')
    const problem = checkEntryName(file.path)
    if (problem) refuse(problem.code, file.path, problem.reason)
    if (classifyType(file) === 'directory') continue
    checkSizes(file, trailer, limits)
    total += file.uncompressedSize
    if (total > limits.maxBytes) {
      refuse('E_UNPACK_TOO_LARGE', file.path, `takes the package past ${limits.maxBytes} bytes unpacked`, { maxBytes: limits.maxBytes })
    }
    entries.push({ name: file.path, size: file.uncompressedSize, compressedSize: file.compressedSize, file })
  }
  checkCollisions(entries)
  checkOverlaps(entries)
  return entries
}
