/**
 * Streams one zip entry out while hashing and counting it. The count is the defence against lying
 * headers: the moment an entry yields one byte more than its central directory record declared,
 * the stream fails before that byte is passed on, so nothing larger than declared is ever written.
 */
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { chmod } from 'node:fs/promises'
import { Readable, Transform, Writable, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { isFerryError } from '../packager/ferry-error.js'
import type { CheckedEntry } from './_zip-entries.js'
import { createDeployerError } from './errors.js'

/** What came out of an entry: its exact byte count and sha256 (hex). */
export interface EntryDigest {
  bytes: number
  sha256: string
}

/** Passes bytes through, hashing them, and fails as soon as more than `limit` arrive (or fewer, at the end). */
export class EntryGuard extends Transform {
  private readonly hash = createHash('sha256')
  bytes = 0

  constructor(private readonly name: string, private readonly limit: number) { super() }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length
    if (this.bytes > this.limit) return callback(this.mismatch('more'))
    this.hash.update(chunk)
    callback(null, chunk)
  }

  override _flush(callback: TransformCallback): void {
    callback(this.bytes < this.limit ? this.mismatch('fewer') : null)
  }

  /** The digest, once the stream has ended. */
  digest(): EntryDigest {
    return { bytes: this.bytes, sha256: this.hash.digest('hex') }
  }

  private mismatch(direction: 'more' | 'fewer') {
    return createDeployerError('E_UNPACK_SIZE_MISMATCH', `Package entry "${this.name}" holds ${direction} bytes than the ${this.limit} its header declares`, {
      path: this.name, details: { declared: this.limit, [direction === 'more' ? 'atLeast' : 'actual']: this.bytes },
    })
  }
}

/** The entry's uncompressed bytes. Empty entries are not read at all: for them unzipper falls back to the local header's sizes. */
function openEntry(entry: CheckedEntry): Readable {
  return entry.compressedSize === 0 ? Readable.from([]) : entry.file.stream()
}

/** Runs the pipeline and sorts failures: ours as they are, the file system's as 500, the rest (unzipper, zlib) as a bad zip. */
async function runGuarded(entry: CheckedEntry, sink: Writable, signal?: AbortSignal): Promise<EntryDigest> {
  const guard = new EntryGuard(entry.name, entry.size)
  try {
    await pipeline(openEntry(entry), guard, sink, signal ? { signal } : {})
  } catch (error) {
    if (isFerryError(error) || signal?.aborted) throw error
    const systemCall = (error as NodeJS.ErrnoException).syscall !== undefined
    throw systemCall
      ? createDeployerError('E_UNPACK_WRITE_FAILED', `Could not write "${entry.name}": ${(error as Error).message}`, { path: entry.name, cause: error })
      : createDeployerError('E_UNPACK_ZIP_INVALID', `Package entry "${entry.name}" cannot be read: ${(error as Error).message}`, { path: entry.name, cause: error })
  }
  return guard.digest()
}

/**
 * Writes an entry to `target` (which must not exist) with exactly `mode`, whatever the umask.
 * @example
 * const { bytes, sha256 } = await extractEntryToFile(entry, '/data/x.partial-ab12/model/w.bin', 0o644)
 */
export async function extractEntryToFile(entry: CheckedEntry, target: string, mode: number, signal?: AbortSignal): Promise<EntryDigest> {
  const digest = await runGuarded(entry, createWriteStream(target, { flags: 'wx', mode }), signal)
  await chmod(target, mode)
  return digest
}

/**
 * Reads a small entry (the manifest) into memory, with the same byte limit.
 * @example
 * const { data, digest } = await readEntryBuffer(manifestEntry)
 */
export async function readEntryBuffer(entry: CheckedEntry, signal?: AbortSignal): Promise<{ data: Buffer; digest: EntryDigest }> {
  const chunks: Buffer[] = []
  const sink = new Writable({ write(chunk: Buffer, _encoding, callback) { chunks.push(chunk); callback() } })
  const digest = await runGuarded(entry, sink, signal)
  return { data: Buffer.concat(chunks), digest }
}

/**
 * Reads an entry through the same guard and only keeps its digest (checking a package without writing it).
 * @example
 * const { sha256 } = await hashEntry(entry)
 */
export function hashEntry(entry: CheckedEntry, signal?: AbortSignal): Promise<EntryDigest> {
  return runGuarded(entry, new Writable({ write(_chunk: Buffer, _encoding, callback) { callback() } }), signal)
}
