/**
 * Unpacks a package zip into an instance directory, treating the zip as hostile: everything that
 * can be checked from the central directory and the manifest is checked before a byte is written;
 * extraction then goes into a temporary sibling, verifying each file's size and sha256, and the
 * result is renamed into place only when all of it is right. On failure nothing is left behind.
 */
import { chmod, lstat, mkdir, mkdtemp, open, rename, rm, rmdir, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { isFerryError } from '../packager/ferry-error.js'
import { extractEntryToFile, hashEntry, readEntryBuffer } from './_entry-stream.js'
import { DESCRIPTOR_NAME, MANIFEST_NAME, MAX_MANIFEST_BYTES, matchManifest, parseManifest, type ManifestFile, type PackageManifest } from './_package-manifest.js'
import { checkZipEntries, type CheckedEntry } from './_zip-entries.js'
import { openZipDirectory } from './_zip-source.js'
import { readZipTrailer, ZipTrailerError, type ZipTrailer } from './_zip-trailer.js'
import { createDeployerError } from './errors.js'
import { resolveUnpackLimits, type ResolvedUnpackLimits, type UnpackLimits } from './unpack-limits.js'

export { resolveUnpackLimits, DEFAULT_UNPACK_LIMITS, type UnpackLimits, type ResolvedUnpackLimits } from './unpack-limits.js'
export type { PackageManifest, ManifestFile } from './_package-manifest.js'

export interface UnpackOptions {
  /** Stops the unpack (and removes the partial directory) when aborted. */
  signal?: AbortSignal
  /** What to call the zip in errors (default its path): an upload is "the upload", not the server's temporary file. */
  label?: string
}

export interface UnpackResult {
  manifest: PackageManifest
  /** Files verified and written, as listed in the manifest (the manifest itself is written too). */
  files: number
  /** Their total size in bytes. */
  bytes: number
}

/** Anything the file system refused while writing (disk full, permissions): a server problem, 500. */
function toWriteFailed(error: unknown, destDir: string): unknown {
  if (isFerryError(error) || (error as Error).name === 'AbortError') return error
  return createDeployerError('E_UNPACK_WRITE_FAILED', `Could not unpack into ${destDir}: ${(error as Error).message}`, { path: destDir, cause: error })
}

async function refuseExisting(destDir: string): Promise<void> {
  const found = await lstat(destDir).then(() => true, (error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return false
    throw toWriteFailed(error, destDir)
  })
  if (found) throw createDeployerError('E_UNPACK_DEST_EXISTS', `${destDir} already exists`, { path: destDir })
}

async function readTrailer(zipPath: string, label: string): Promise<ZipTrailer> {
  const handle = await open(zipPath, 'r')
  try {
    return await readZipTrailer(handle)
  } catch (error) {
    if (!(error instanceof ZipTrailerError)) throw error
    throw createDeployerError('E_UNPACK_ZIP_INVALID', `${label} is not a readable zip: ${error.message}`, { path: label, cause: error })
  } finally {
    await handle.close()
  }
}

/** Entries extracted at once: each small file is a chain of thread-pool round trips, so overlap them. */
const EXTRACT_CONCURRENCY = 8

/** Writes every file into `temp`, verifying each against the manifest; returns the bytes written. */
async function extractAll(entries: CheckedEntry[], listed: Map<string, ManifestFile>, manifestData: Buffer, temp: string, signal?: AbortSignal): Promise<number> {
  let bytes = 0
  const folders = new Map<string, Promise<unknown>>()
  const ensureFolder = (dir: string) => {
    let made = folders.get(dir)
    if (!made) folders.set(dir, (made = mkdir(dir, { recursive: true, mode: 0o755 })))
    return made
  }
  const extractOne = async (entry: CheckedEntry) => {
    const target = join(temp, entry.name)
    // Names were checked already; this is the last line of defence against writing outside.
    const inside = relative(temp, target)
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      throw createDeployerError('E_UNPACK_PATH_TRAVERSAL', `Package entry "${entry.name}" resolves outside the destination`, { path: entry.name })
    }
    await ensureFolder(dirname(target))
    if (entry.name === MANIFEST_NAME) {
      await writeFile(target, manifestData, { flag: 'wx', mode: 0o644 })
      await chmod(target, 0o644)
      return
    }
    const file = listed.get(entry.name)!
    const digest = await extractEntryToFile(entry, target, file.executable ? 0o755 : 0o644, signal)
    if (digest.sha256 !== file.sha256) {
      throw createDeployerError('E_UNPACK_CHECKSUM_MISMATCH', `Package entry "${entry.name}" does not match its sha256 in ${MANIFEST_NAME}`, {
        path: entry.name, details: { expected: file.sha256, actual: digest.sha256 },
      })
    }
    bytes += digest.bytes
  }
  let next = 0
  let failure: unknown
  const worker = async () => {
    while (failure === undefined && next < entries.length) {
      signal?.throwIfAborted()
      const entry = entries[next++]!
      await extractOne(entry).catch((error: unknown) => { failure ??= error })
    }
  }
  await Promise.all(Array.from({ length: Math.min(EXTRACT_CONCURRENCY, entries.length) }, worker))
  if (failure !== undefined) throw failure
  return bytes
}

/** Removes the folders this unpack created above destDir, if still empty (a concurrent unpack may be using them). */
async function removeEmptyParents(parent: string, created: string | undefined): Promise<void> {
  if (created === undefined) return
  for (let dir = parent; ; dir = dirname(dir)) {
    const removed = await rmdir(dir).then(() => true, () => false)
    if (!removed || dir === created) return
  }
}

/** Extracts into `${destDir}.partial-XXXXXX`, then renames it to destDir; removes it on any failure. */
async function extractIntoPlace(entries: CheckedEntry[], listed: Map<string, ManifestFile>, manifestData: Buffer, destDir: string, signal?: AbortSignal): Promise<number> {
  let temp: string | undefined
  let createdParent: string | undefined
  try {
    // Twice: a failing unpack of a sibling may remove the parent between our mkdir and mkdtemp.
    for (let attempt = 0; temp === undefined; attempt++) {
      createdParent ??= await mkdir(dirname(destDir), { recursive: true })
      temp = await mkdtemp(`${destDir}.partial-`).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT' || attempt > 0) throw error
        return undefined
      })
    }
  } catch (error) {
    await removeEmptyParents(dirname(destDir), createdParent)
    throw toWriteFailed(error, destDir)
  }
  try {
    const bytes = await extractAll(entries, listed, manifestData, temp, signal)
    await chmod(temp, 0o755)
    // rename() silently replaces an empty directory, so look again right before it.
    await refuseExisting(destDir)
    await rename(temp, destDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error
      throw createDeployerError('E_UNPACK_DEST_EXISTS', `${destDir} appeared while unpacking`, { path: destDir, cause: error })
    })
    return bytes
  } catch (error) {
    await rm(temp, { recursive: true, force: true }).catch(() => {})
    await removeEmptyParents(dirname(destDir), createdParent)
    throw signal?.aborted ? error : toWriteFailed(error, destDir)
  }
}

/** What the central directory and the manifest say of a package, checked, before extracting anything. */
export interface InspectedPackage {
  manifest: PackageManifest
  /** The raw descriptor.json of the package. */
  descriptor: Buffer
}

/** Opens a zip and runs every check that needs no extraction; calls `use` with the checked entries. */
async function withCheckedPackage<T>(zipPath: string, limits: ResolvedUnpackLimits, { signal, label = zipPath }: UnpackOptions, use: (checked: { entries: CheckedEntry[]; manifest: PackageManifest; manifestData: Buffer; listed: Map<string, ManifestFile> }) => Promise<T>): Promise<T> {
  const trailer = await readTrailer(zipPath, label)
  if (trailer.entryCount > limits.maxEntries) {
    throw createDeployerError('E_UNPACK_TOO_MANY_FILES', `The package holds ${trailer.entryCount} entries (limit ${limits.maxEntries})`, {
      path: label, details: { entries: trailer.entryCount, maxEntries: limits.maxEntries },
    })
  }
  const zip = await openZipDirectory(zipPath, trailer).catch((error: Error) => {
    throw createDeployerError('E_UNPACK_ZIP_INVALID', `${label} has an unreadable central directory: ${error.message}`, { path: label, cause: error })
  })
  try {
    const entries = checkZipEntries(zip.files, trailer, limits)
    const manifestEntry = entries.find((entry) => entry.name === MANIFEST_NAME)
    if (!manifestEntry) throw createDeployerError('E_UNPACK_MANIFEST_MISSING', `The package has no ${MANIFEST_NAME} at its root`, { path: MANIFEST_NAME })
    if (manifestEntry.size > MAX_MANIFEST_BYTES) {
      throw createDeployerError('E_UNPACK_MANIFEST_INVALID', `${MANIFEST_NAME} is ${manifestEntry.size} bytes (limit ${MAX_MANIFEST_BYTES})`, { path: MANIFEST_NAME })
    }
    const { data } = await readEntryBuffer(manifestEntry, signal)
    const manifest = parseManifest(data)
    const listed = matchManifest(manifest, entries)
    return await use({ entries, manifest, manifestData: data, listed })
  } finally {
    zip.close()
  }
}

/**
 * Checks a package without writing it: names, types, limits, the manifest against the entries, and
 * every file's size and sha256 (streamed, nothing kept but descriptor.json, which it returns). Used
 * when a package is uploaded, so a hostile or damaged zip is refused before it is stored.
 * @example
 * const { manifest, descriptor } = await inspectPackage('upload.zip')
 */
export async function inspectPackage(zipPath: string, limits: UnpackLimits = {}, opts: UnpackOptions = {}): Promise<InspectedPackage> {
  return withCheckedPackage(zipPath, resolveUnpackLimits(limits), opts, async ({ entries, manifest, listed }) => {
    const entry = entries.find((e) => e.name === DESCRIPTOR_NAME)
    if (!entry || !listed.has(DESCRIPTOR_NAME)) throw createDeployerError('E_UNPACK_DESCRIPTOR_MISSING', `The package has no ${DESCRIPTOR_NAME} at its root`, { path: DESCRIPTOR_NAME })
    if (entry.size > MAX_MANIFEST_BYTES) throw createDeployerError('E_UNPACK_TOO_LARGE', `${DESCRIPTOR_NAME} is ${entry.size} bytes`, { path: DESCRIPTOR_NAME })
    let descriptor: Buffer = Buffer.alloc(0)
    for (const checked of entries) {
      const file = listed.get(checked.name)
      if (!file) continue
      let digest
      if (checked === entry) ({ data: descriptor, digest } = await readEntryBuffer(checked, opts.signal))
      else digest = await hashEntry(checked, opts.signal)
      if (digest.sha256 !== file.sha256) {
        throw createDeployerError('E_UNPACK_CHECKSUM_MISMATCH', `Package entry "${checked.name}" does not match its sha256 in ${MANIFEST_NAME}`, { path: checked.name, details: { expected: file.sha256, actual: digest.sha256 } })
      }
    }
    return { manifest, descriptor }
  })
}

/**
 * Safely unpacks a package made by `ferry pack` into `destDir`, which must not exist yet (its
 * parent is created if needed, and removed again if the unpack fails). A refused package throws a
 * FerryError with an E_UNPACK_* code (deployer/ERRORS.md) and leaves the disk as it was. A
 * `zipPath` that cannot be opened at all (ENOENT, EACCES) is not the package's fault: that error
 * is thrown as it is.
 * @example
 * const { manifest, files, bytes } = await unpackPackage('.ferry/store/ab12….zip', '.ferry/instances/echo@1.0.0')
 * console.log(`${manifest.name}@${manifest.version}: ${files} files, ${bytes} bytes`)
 */
export async function unpackPackage(zipPath: string, destDir: string, limits: UnpackLimits = {}, opts: UnpackOptions = {}): Promise<UnpackResult> {
  const dest = resolve(destDir)
  opts.signal?.throwIfAborted()
  await refuseExisting(dest)
  return withCheckedPackage(zipPath, resolveUnpackLimits(limits), opts, async ({ entries, manifest, manifestData, listed }) => {
    const bytes = await extractIntoPlace(entries, listed, manifestData, dest, opts.signal)
    return { manifest, files: manifest.files.length, bytes }
  })
}
