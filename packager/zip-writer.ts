/**
 * A zip writer whose output depends only on what goes in: entries in the order given, one fixed
 * timestamp, modes normalised to 0644/0755, no directory entries or host metadata. Every file is
 * hashed from the very bytes written, in one streaming pass, so memory stays bounded.
 * Already-compressed data (by extension, or a sample that will not shrink) is stored, not deflated.
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { open, readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { Transform, type TransformCallback } from 'node:stream'
import { deflateRawSync } from 'node:zlib'
import { ZipArchive } from 'archiver'

/** 1980-01-01T00:00:00Z, the earliest time a zip can hold (SOURCE_DATE_EPOCH 315532800). */
export const FIXED_ZIP_DATE = new Date(Date.UTC(1980, 0, 1))
const STORED_EXTENSIONS = new Set([
  '.zip', '.gz', '.tgz', '.bz2', '.xz', '.zst', '.7z', '.rar', '.br', '.lz4', '.whl', '.jar', '.npz',
  '.png', '.jpg', '.jpeg', '.gif', '.webp', '.avif', '.heic', '.mp3', '.mp4', '.ogg', '.webm', '.flac', '.woff', '.woff2',
  '.onnx', '.safetensors', '.pt', '.pth', '.ckpt', '.pb', '.tflite', '.gguf', '.h5', '.keras', '.traineddata',
])
const SMALL_FILE_BYTES = 1024 * 1024
const SAMPLE_BYTES = 64 * 1024

export interface ZipFileInput {
  path: string
  absolutePath: string
  size: number
  executable: boolean
}

export interface WrittenEntry {
  path: string
  size: number
  sha256: string
  executable?: true
}

/** Hashes and counts what flows through it. */
class HashingStream extends Transform {
  readonly hash = createHash('sha256')
  bytes = 0
  constructor(private readonly onBytes: (n: number) => void) { super() }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk)
    this.bytes += chunk.length
    this.onBytes(chunk.length)
    callback(null, chunk)
  }
}

/** True when deflating would waste time: a compressed format, or a sample that does not shrink by 5 %. */
async function shouldStore(file: ZipFileInput, head?: Buffer): Promise<boolean> {
  if (STORED_EXTENSIONS.has(extname(file.path).toLowerCase())) return true
  if (file.size < SAMPLE_BYTES) return false
  let sample = head?.subarray(0, SAMPLE_BYTES)
  if (!sample) {
    const handle = await open(file.absolutePath, 'r')
    try { sample = (await handle.read(Buffer.alloc(SAMPLE_BYTES), 0, SAMPLE_BYTES, 0)).buffer } finally { await handle.close() }
  }
  return deflateRawSync(sample, { level: 1 }).length > sample.length * 0.95
}

/**
 * Writes a reproducible zip, one entry at a time.
 * @example
 * const zip = new ReproducibleZip('/tmp/out.zip')
 * await zip.addFile({ path: 'a.txt', absolutePath: '/src/a.txt', size: 3, executable: false })
 * await zip.addBuffer('ferry.manifest.json', Buffer.from('{}'))
 * await zip.finish()
 */
export class ReproducibleZip {
  private readonly archive = new ZipArchive({ zlib: { level: 6 }, forceLocalTime: false })
  private readonly output
  private readonly zipHash = new HashingStream(() => {})
  private readonly closed: Promise<void>
  private failure: Error | undefined
  private pending: ((error?: Error) => void) | undefined

  constructor(outPath: string, private readonly onBytes: (n: number) => void = () => {}) {
    this.output = createWriteStream(outPath)
    this.closed = new Promise((resolve, reject) => {
      this.output.once('close', resolve)
      this.output.once('error', reject)
    })
    this.closed.catch((error: Error) => this.fail(error))
    this.archive.on('error', (error: Error) => this.fail(error))
    this.archive.on('warning', (error: Error) => this.fail(error))
    this.archive.on('entry', () => { const done = this.pending; this.pending = undefined; done?.() })
    this.archive.pipe(this.zipHash).pipe(this.output)
  }

  /** sha256 and size of the zip itself, once finished. */
  get digest(): { sha256: string; size: number } {
    return { sha256: this.zipHash.hash.copy().digest('hex'), size: this.zipHash.bytes }
  }

  private fail(error: Error): void {
    this.failure ??= error
    const done = this.pending
    this.pending = undefined
    done?.(error)
  }

  private append(source: Buffer | NodeJS.ReadableStream, name: string, executable: boolean, store: boolean): Promise<void> {
    if (this.failure) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => {
      this.pending = (error) => (error ? reject(error) : resolve())
      this.archive.append(source as Buffer, { name, date: FIXED_ZIP_DATE, mode: executable ? 0o755 : 0o644, store })
    })
  }

  /** Adds a file from disk and returns what was written (size and sha256 of the bytes zipped). */
  async addFile(file: ZipFileInput): Promise<WrittenEntry> {
    let entry: WrittenEntry
    if (file.size <= SMALL_FILE_BYTES) {
      const data = await readFile(file.absolutePath)
      await this.append(data, file.path, file.executable, await shouldStore(file, data))
      this.onBytes(data.length)
      entry = { path: file.path, size: data.length, sha256: createHash('sha256').update(data).digest('hex') }
    } else {
      const store = await shouldStore(file)
      const hashing = new HashingStream(this.onBytes)
      const input = createReadStream(file.absolutePath, { highWaterMark: 1024 * 1024 })
      input.once('error', (error) => hashing.destroy(error))
      hashing.once('error', (error) => this.fail(error))
      await this.append(input.pipe(hashing), file.path, file.executable, store)
      entry = { path: file.path, size: hashing.bytes, sha256: hashing.hash.digest('hex') }
    }
    if (file.executable) entry.executable = true
    return entry
  }

  /** Adds bytes under `name` (descriptor.json rewritten, the manifest). */
  async addBuffer(name: string, data: Buffer, executable = false): Promise<WrittenEntry> {
    await this.append(data, name, executable, false)
    this.onBytes(data.length)
    return { path: name, size: data.length, sha256: createHash('sha256').update(data).digest('hex') }
  }

  /** Writes the central directory and waits for the file to be closed. */
  async finish(): Promise<void> {
    if (this.failure) throw this.failure
    await this.archive.finalize()
    await this.closed
    if (this.failure) throw this.failure
  }

  /** Stops writing; the caller removes the partial file. */
  async abort(): Promise<void> {
    this.archive.abort()
    this.output.destroy()
    await this.closed.catch(() => {})
  }
}
