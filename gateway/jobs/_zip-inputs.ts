/**
 * A zip of files, one job input each: checked and unpacked into a folder of its own before the
 * job exists. Entries are taken in path order (directories and macOS `__MACOSX/` resource forks
 * skipped) and written as `<index>` files, so no name inside the zip ever becomes a path here. A
 * zip that cannot be read, holds no file, too many (its directory's own count is checked before the
 * directory is read), an encrypted entry, or an entry or total over its limit is refused whole (E_JOB_ZIP_INVALID or E_JOB_TOO_MANY_INPUTS), and its folder removed.
 */
import { createWriteStream } from 'node:fs'
import { mkdir, open, rm } from 'node:fs/promises'
import { basename, extname, join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import unzipper from 'unzipper'
import { readZipTrailer, ZipTrailerError } from '../../deployer/index.js'
import { createGatewayError } from '../errors.js'
import type { NewInput } from './job-store.js'

/** Content types by extension: what each input is sent as. */
const TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.bmp': 'image/bmp',
  '.tif': 'image/tiff', '.tiff': 'image/tiff', '.pdf': 'application/pdf', '.json': 'application/json', '.txt': 'text/plain',
  '.csv': 'text/csv', '.wav': 'audio/wav', '.mp3': 'audio/mpeg',
}

/** `scan-01.PNG` → `image/png`; an unknown extension is application/octet-stream. */
export function contentTypeOf(name: string): string {
  return TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream'
}

export interface ZipLimits { maxInputs: number; maxInputBytes: number; maxTotalBytes: number }

const invalid = (message: string, details: Record<string, unknown> = {}) => createGatewayError('E_JOB_ZIP_INVALID', message, { details })

/** Counts the bytes an entry really inflates to, whatever its header said. */
function limitBytes(limit: number, name: string, budget: { used: number; max: number }, entry: { size: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      entry.size += chunk.length
      budget.used += chunk.length
      if (entry.size > limit) return done(invalid(`"${name}" inflates past the limit of ${limit} bytes per input`, { entry: name, limit }))
      if (budget.used > budget.max) return done(invalid(`the files inflate past the limit of ${budget.max} bytes for a job`, { limit: budget.max }))
      done(null, chunk)
    },
  })
}

/** Entries the directory may list per input allowed: a file, its `__MACOSX/` resource fork and a folder. */
const ENTRIES_PER_INPUT = 3

/**
 * How many entries the zip's directory holds, from its end-of-central-directory record (zip64's
 * when it defers to it), read from the file's tail alone with the deployer's trailer reader, and
 * what is wrong with that trailer if anything (missing, or inconsistent with the file).
 */
async function readEntryCount(zipPath: string): Promise<{ entries: number | undefined; problem: string | null }> {
  const file = await open(zipPath, 'r')
  try {
    return { entries: (await readZipTrailer(file)).entryCount, problem: null }
  } catch (error) {
    if (error instanceof ZipTrailerError) return { entries: error.entryCount, problem: error.message }
    throw error
  } finally {
    await file.close()
  }
}

/**
 * Unpacks `zipPath` into `dir` (created here) and returns one input per file; on any problem `dir` is removed.
 * @example const inputs = await unpackZipInputs('/data/jobs/.upload-1.zip', '/data/jobs/.partial-1', limits)
 */
export async function unpackZipInputs(zipPath: string, dir: string, limits: ZipLimits): Promise<NewInput[]> {
  // The reader builds an object per entry before any is counted: 10 million empty entries fit in a
  // zip under the body limit and would take gigabytes. The directory's own count is checked first.
  const { entries, problem } = await readEntryCount(zipPath)
  const maxEntries = limits.maxInputs * ENTRIES_PER_INPUT + 100
  if (entries !== undefined && entries > maxEntries) {
    throw createGatewayError('E_JOB_TOO_MANY_INPUTS', `the zip's directory lists ${entries} entries; a job takes at most ${limits.maxInputs} files (${maxEntries} entries with folders and __MACOSX/)`, { details: { entries, limit: limits.maxInputs, maxEntries } })
  }
  // A trailer that is missing or does not fit the file is refused before any reader walks the directory.
  if (problem !== null) throw invalid(`the body is not a readable zip: ${problem}`)
  let directory: unzipper.CentralDirectory
  try {
    directory = await unzipper.Open.file(zipPath)
  } catch (error) {
    throw invalid(`the body is not a readable zip: ${(error as Error).message}`)
  }
  const files = directory.files
    .filter((f) => f.type === 'File' && !f.path.startsWith('__MACOSX/') && !f.path.endsWith('/'))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  if (files.length === 0) throw createGatewayError('E_JOB_INPUTS_EMPTY', 'the zip holds no file: a job needs at least one input', { details: { inputs: 0 } })
  if (files.length > limits.maxInputs) throw createGatewayError('E_JOB_TOO_MANY_INPUTS', `the zip holds ${files.length} files; a job takes at most ${limits.maxInputs}`, { details: { inputs: files.length, limit: limits.maxInputs } })
  for (const file of files) {
    // Bit 0 of the general purpose flags: the entry is encrypted, and its bytes are not the file.
    if ((file as unknown as { flags: number }).flags & 1) throw invalid(`"${file.path}" is encrypted; send the files unencrypted`, { entry: file.path })
    if (file.uncompressedSize > limits.maxInputBytes) throw invalid(`"${file.path}" is ${file.uncompressedSize} bytes, over the limit of ${limits.maxInputBytes} per input`, { entry: file.path, limit: limits.maxInputBytes })
  }
  await mkdir(dir, { recursive: false, mode: 0o700 })
  const budget = { used: 0, max: limits.maxTotalBytes }
  try {
    const inputs: NewInput[] = []
    for (const [index, file] of files.entries()) {
      const entry = { size: 0 }
      await pipeline(file.stream(), limitBytes(limits.maxInputBytes, file.path, budget, entry), createWriteStream(join(dir, String(index)), { flags: 'wx', mode: 0o600 }))
      inputs.push({ name: file.path, contentType: contentTypeOf(basename(file.path)), size: entry.size })
    }
    return inputs
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    const code = (error as { code?: string }).code ?? ''
    // Our own refusal as it is; the file system's failure (no space, …) is the server's, not the zip's.
    if (code === 'E_JOB_ZIP_INVALID' || ['ENOSPC', 'EACCES', 'EROFS', 'EMFILE', 'EIO', 'EDQUOT'].includes(code)) throw error
    throw invalid(`the zip cannot be unpacked: ${(error as Error).message}`)
  }
}
