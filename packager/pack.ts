/**
 * packFolder: what `ferry pack` runs. Validates the folder, resolves the version, and writes
 * `<name>-<version>.zip` next to the others through a temporary file that only becomes the
 * package once complete: an error or an abort leaves nothing behind.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, realpath, rename, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Descriptor } from '../descriptors/descriptor.js'
import { createPackagerError } from './errors.js'
import { DESCRIPTOR_NAME, MANIFEST_NAME, type PackageFile } from './file-list.js'
import { hashFile } from './hash-file.js'
import { MANIFEST_FORMAT, serializeManifest } from './manifest.js'
import type { Problem } from './problem.js'
import { readProvenance, type Provenance } from './provenance.js'
import { validatePackage } from './validate-package.js'
import { listPackedVersions, resolvePackVersion, type BumpKind } from './version.js'
import { ReproducibleZip, type WrittenEntry } from './zip-writer.js'

export interface PackOptions {
  /** The model folder. */
  dir: string
  cwd?: string
  /** Where the zip goes (default: cwd). */
  outDir?: string
  version?: string
  bump?: BumpKind
  onProgress?: (progress: PackProgress) => void
  signal?: AbortSignal
}

export interface PackProgress {
  bytes: number
  totalBytes: number
}

export interface PackResult {
  path: string
  name: string
  version: string
  versionSource: ReturnType<typeof resolvePackVersion>['source']
  sha256: string
  /** Size of the zip in bytes. */
  size: number
  files: number
  /** Bytes of content packed (before compression). */
  bytes: number
  /** True when an identical zip of this version was already there. */
  unchanged: boolean
  warnings: Problem[]
  provenance: Provenance
}

/** descriptor.json as packed: the author's document with the resolved version after the name. */
function renderDescriptor(descriptor: Descriptor, version: string): Buffer {
  const { name, version: _old, ...rest } = descriptor
  return Buffer.from(`${JSON.stringify({ name, version, ...rest }, null, 2)}\n`)
}

async function prepareOutDir(outDir: string): Promise<string> {
  try {
    await mkdir(outDir, { recursive: true })
    return await realpath(outDir)
  } catch (error) {
    throw createPackagerError('E_OUT_DIR_UNWRITABLE', `cannot create the output folder "${outDir}": ${(error as Error).message}`, { path: outDir, cause: error })
  }
}

async function writePackage(tempPath: string, files: PackageFile[], descriptorBytes: Buffer, manifestOf: (entries: WrittenEntry[]) => Buffer, options: PackOptions) {
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0)
  let bytes = 0
  const zip = new ReproducibleZip(tempPath, (n) => { bytes += n; options.onProgress?.({ bytes, totalBytes }) })
  const onAbort = () => void zip.abort()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    const entries: WrittenEntry[] = []
    for (const file of files) {
      options.signal?.throwIfAborted()
      entries.push(file.path === DESCRIPTOR_NAME ? await zip.addBuffer(DESCRIPTOR_NAME, descriptorBytes) : await zip.addFile(file))
    }
    await zip.addBuffer(MANIFEST_NAME, manifestOf(entries))
    await zip.finish()
    options.signal?.throwIfAborted()
    return { ...zip.digest, bytes }
  } catch (error) {
    await zip.abort()
    throw options.signal?.aborted ? options.signal.reason : error
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
}

/**
 * Packs a model folder into a reproducible, content-addressed zip.
 * @example
 * const { path, version, sha256 } = await packFolder({ dir: 'examples/echo', outDir: 'dist' })
 */
export async function packFolder(options: PackOptions): Promise<PackResult> {
  const cwd = options.cwd ?? process.cwd()
  const requestedOut = resolve(cwd, options.outDir ?? '.')
  const realOut = await realpath(requestedOut).catch(() => requestedOut)
  const validation = await validatePackage(options.dir, { cwd, exclude: [...new Set([requestedOut, realOut])] })
  if (!validation.valid || !validation.descriptor) {
    const first = validation.errors[0]
    throw createPackagerError('E_DESCRIPTOR_INVALID', `"${options.dir}" is not a valid package: ${validation.errors.length} problem(s)${first ? `, first ${first.path} ${first.code} ${first.message}` : ''}`, {
      path: validation.path,
      details: { errors: validation.errors, warnings: validation.warnings },
    })
  }
  const descriptor = validation.descriptor
  const outDir = await prepareOutDir(requestedOut)
  const { version, source } = resolvePackVersion({
    explicit: options.version,
    bump: options.bump,
    descriptorVersion: descriptor.version,
    existing: await listPackedVersions(outDir, descriptor.name),
  })
  const finalPath = join(outDir, `${descriptor.name}-${version}.zip`)
  const tempPath = join(outDir, `.${descriptor.name}-${version}.zip.${process.pid}-${randomBytes(4).toString('hex')}.partial`)
  const provenance = await readProvenance(validation.path)
  const files = validation.files
  const manifestOf = (entries: WrittenEntry[]) => serializeManifest({ format: MANIFEST_FORMAT, name: descriptor.name, version, files: entries })

  try {
    const written = await writePackage(tempPath, files, renderDescriptor(descriptor, version), manifestOf, options)
    const existing = await stat(finalPath).catch(() => undefined)
    let unchanged = false
    if (existing) {
      const { sha256: existingSha } = await hashFile(finalPath)
      if (existingSha !== written.sha256) {
        throw createPackagerError('E_VERSION_EXISTS', `${descriptor.name}-${version}.zip already exists in "${outDir}" with different content`, { path: finalPath, details: { name: descriptor.name, version } })
      }
      unchanged = true
      await rm(tempPath, { force: true })
    } else {
      await rename(tempPath, finalPath)
    }
    return {
      path: finalPath, name: descriptor.name, version, versionSource: source, sha256: written.sha256, size: written.size,
      files: files.length + 1, bytes: written.bytes, unchanged, warnings: validation.warnings, provenance,
    }
  } finally {
    await rm(tempPath, { force: true })
  }
}
