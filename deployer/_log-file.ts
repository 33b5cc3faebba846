/**
 * The files of one log source: `<dir>/current.jsonl`, rotated to `1.jsonl` (newest) … `<maxFiles>.jsonl`
 * (oldest). Lines are queued in memory and appended in batches through one open handle by a serial
 * task chain, so ordering holds, nothing is opened per line, and rotation (between two batches, or
 * inside one when it would overflow the file) cannot lose lines queued meanwhile. Reads run on the
 * same chain, after the queue is written, so they never see a file being rotated.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { LogEntry } from './log-store.js'
import { EncodedLines, type LineChunk } from './_encoded-lines.js'

const CURRENT = 'current.jsonl'
const ROTATED = /^([1-9][0-9]*)\.jsonl$/

export interface LogFileOptions {
  maxFileBytes: number
  maxFiles: number
  /** Called with the first write failure of a streak; the lines of the failed batch are dropped. */
  onError: (error: Error) => void
  /** How long a queued line may wait before it is written (readers write the queue first, so they never miss one). */
  flushDelayMs: number
}

/** Queued bytes at which the queue is written on the next turn instead of after flushDelayMs. */
const FLUSH_NOW_BYTES = 64 * 1024

/**
 * The folder name of a source: lowercase letters, digits, `@ _ -` and inner dots are kept, every
 * other UTF-8 byte becomes `%XX` (upper-case hex). Reversible, never hidden, `.` or `..`, and
 * distinct even on case-insensitive file systems.
 * @example
 * encodeSourceName('sentiment@1.4.0-RC.1')   // 'sentiment@1.4.0-%52%43.1'
 */
export function encodeSourceName(source: string): string {
  let name = ''
  for (const byte of Buffer.from(source, 'utf8')) {
    const char = String.fromCharCode(byte)
    name += /^[a-z0-9@_-]$/.test(char) || (char === '.' && name !== '')
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return name
}

/** The source a folder name stands for; null when the folder is not one `encodeSourceName` writes. */
export function decodeSourceName(name: string): string | null {
  try {
    const source = decodeURIComponent(name)
    return source !== '' && encodeSourceName(source) === name ? source : null
  } catch {
    return null
  }
}

/**
 * The highest `seq` stored under `root` (0 when there is none), from the last entries of each
 * source's newest non-empty file. Synchronous: it runs once, when the store is created.
 */
export function readLastSeqSync(root: string, windowBytes: number): { seq: number; sources: string[] } {
  let seq = 0
  const sources: string[] = []
  let names: string[]
  try {
    names = readdirSync(root)
  } catch {
    return { seq, sources }
  }
  for (const folder of names) {
    const source = decodeSourceName(folder)
    let files: string[]
    try {
      files = orderLogFiles(readdirSync(join(root, folder)))
    } catch {
      continue // not a folder
    }
    if (source === null || files.length === 0) continue
    sources.push(source)
    for (const file of files) {
      const last = readLastSeqOfFileSync(join(root, folder, file), windowBytes)
      if (last === null) continue
      seq = Math.max(seq, last)
      break
    }
  }
  return { seq, sources }
}

function readLastSeqOfFileSync(path: string, windowBytes: number): number | null {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    const length = Math.min(size, windowBytes)
    const buffer = Buffer.alloc(length)
    readSync(fd, buffer, 0, length, size - length)
    const lines = buffer.toString('utf8').split('\n')
    for (let i = lines.length - 1; i >= 0; i--) {
      const entry = parseLogEntry(lines[i] ?? '')
      if (entry) return entry.seq
    }
    return null
  } finally {
    closeSync(fd)
  }
}

/** The source's file names, newest first: `current.jsonl`, `1.jsonl`, `2.jsonl`, … */
export function orderLogFiles(names: string[]): string[] {
  const rotated = names.flatMap((name) => {
    const match = ROTATED.exec(name)
    return match ? [{ name, n: Number(match[1]) }] : []
  })
  rotated.sort((a, b) => a.n - b.n)
  return [...(names.includes(CURRENT) ? [CURRENT] : []), ...rotated.map((r) => r.name)]
}

/** The source's files, newest first, as full paths; none when the folder does not exist. */
export async function listLogFiles(dir: string): Promise<string[]> {
  try {
    return orderLogFiles(await readdir(dir)).map((name) => join(dir, name))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}

/**
 * Parses one stored line; null for anything that is not a log entry (e.g. a line cut by a crash).
 * @example
 * parseLogEntry('{"seq":1,"time":"2024-01-01T00:00:00.000Z","source":"a@1.0.0","stream":"stdout","replica":0,"line":"hi"}')
 */
export function parseLogEntry(text: string): LogEntry | null {
  try {
    const value = JSON.parse(text) as Partial<LogEntry> | null
    if (value && typeof value.seq === 'number' && typeof value.time === 'string' && typeof value.source === 'string'
      && typeof value.stream === 'string' && typeof value.line === 'string') return value as LogEntry
  } catch {
    // not JSON: skipped
  }
  return null
}

/**
 * Every line of a file from the last to the first, read in blocks from the end (cheap for a tail).
 * @example
 * for await (const line of readLinesBackwards('/data/logs/a@1.0.0/current.jsonl')) console.log(line)
 */
export async function* readLinesBackwards(path: string, blockBytes = 64 * 1024): AsyncGenerator<string> {
  let handle: FileHandle
  try {
    handle = await open(path, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  try {
    let position = (await handle.stat()).size
    let carry = Buffer.alloc(0) // the start of a line whose beginning is in an earlier block
    while (position > 0) {
      const length = Math.min(blockBytes, position)
      position -= length
      const block = Buffer.allocUnsafe(length)
      let read = 0
      while (read < length) {
        const { bytesRead } = await handle.read(block, read, length - read, position + read)
        if (bytesRead === 0) break
        read += bytesRead
      }
      const buffer = carry.length > 0 ? Buffer.concat([block.subarray(0, read), carry]) : block.subarray(0, read)
      let end = buffer.length
      // 0x0a never occurs inside a multibyte UTF-8 character, so splitting bytes is safe
      for (let nl = buffer.lastIndexOf(0x0a, end - 1); nl !== -1; nl = end > 0 ? buffer.lastIndexOf(0x0a, end - 1) : -1) {
        if (end > nl + 1) yield buffer.toString('utf8', nl + 1, end)
        end = nl
      }
      carry = buffer.subarray(0, end)
    }
    if (carry.length > 0) yield carry.toString('utf8')
  } finally {
    await handle.close()
  }
}

/**
 * One source's log files, written through a queue.
 * @example
 * const file = new LogFile('/data/logs/a@1.0.0', { maxFileBytes: 10 << 20, maxFiles: 5, onError: console.error })
 * file.write(JSON.stringify(entry))
 * await file.close()
 */
export class LogFile {
  readonly dir: string
  readonly #options: LogFileOptions
  readonly #pending = new EncodedLines()
  #handle: FileHandle | null = null
  #size = 0
  #chain: Promise<void>
  #timer: NodeJS.Timeout | undefined
  #immediate = false
  #failing = false

  /** `after`: a removal of the same folder that must finish before anything here touches it. */
  constructor(dir: string, options: LogFileOptions, after: Promise<void> = Promise.resolve()) {
    this.dir = dir
    this.#options = options
    this.#chain = after.then(() => undefined, () => undefined)
  }

  /** Bytes queued and not yet handed to the file system. */
  get pendingBytes(): number {
    return this.#pending.bytes
  }

  /**
   * Queues one line (without its newline); it is written within flushDelayMs, or on the next turn
   * of the event loop once 64 KiB are queued. One file write per interval rather than one per
   * turn: under load (the access line of every proxied request) those writes were an eighth of
   * the gateway's CPU in the proxy benchmark's profile.
   */
  write(line: string): void {
    this.#pending.add(line)
    if (this.#pending.bytes >= FLUSH_NOW_BYTES || this.#options.flushDelayMs === 0) {
      if (this.#immediate) return
      this.#immediate = true
      setImmediate(() => {
        this.#immediate = false
        void this.flush()
      })
      return
    }
    if (this.#timer) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.flush()
    }, this.#options.flushDelayMs)
    this.#timer.unref()
  }

  /** Resolves once every line queued before the call is written (or reported as failed). */
  flush(): Promise<void> {
    return this.#enqueue(() => this.#writePending())
  }

  /** Entries newest first, from every file, until `visit` returns false. Writes the queue first. */
  scan(visit: (entry: LogEntry) => boolean): Promise<void> {
    return this.#enqueue(async () => {
      await this.#writePending()
      for (const path of await listLogFiles(this.dir)) {
        for await (const line of readLinesBackwards(path)) {
          const entry = parseLogEntry(line)
          if (entry && !visit(entry)) return
        }
      }
    })
  }

  /** Writes the queue and closes the file; a later write opens it again. */
  close(): Promise<void> {
    return this.#enqueue(async () => {
      await this.#writePending()
      await this.#closeHandle(true)
    })
  }

  /** Drops the queue, closes the file and deletes the whole folder. */
  destroy(): Promise<void> {
    return this.#enqueue(async () => {
      this.#pending.clear()
      await this.#closeHandle(false)
      await rm(this.dir, { recursive: true, force: true })
    })
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(task)
    this.#chain = run.catch(() => undefined)
    return run
  }

  async #writePending(): Promise<void> {
    if (this.#pending.bytes === 0) return
    const batch = this.#pending.take()
    try {
      await this.#writeBatch(batch)
      this.#failing = false
    } catch (error) {
      await this.#closeHandle(false)
      if (!this.#failing) this.#options.onError(error as Error)
      this.#failing = true
    }
  }

  /** Appends the lines, rotating first whenever the next line would take the file past maxFileBytes (a longer line gets a file of its own). */
  async #writeBatch(batch: LineChunk[]): Promise<void> {
    if (!this.#handle) await this.#open()
    for (const { data, ends } of batch) {
      let start = 0
      let next = 0 // the first line ending after start
      while (start < data.length) {
        const room = this.#options.maxFileBytes - this.#size
        let end = start
        if (data.length - start <= room) end = data.length
        else while (next < ends.length && ends[next]! - start <= room) end = ends[next++]!
        if (end === start) {
          if (this.#size > 0) {
            await this.#rotate()
            continue
          }
          end = ends[next++]!
        }
        await this.#append(data.subarray(start, end))
        start = end
        while (next < ends.length && ends[next]! <= start) next++
      }
    }
  }

  async #append(data: Buffer): Promise<void> {
    if (data.length === 0 || !this.#handle) return
    for (let offset = 0; offset < data.length;) {
      const { bytesWritten } = await this.#handle.write(data, offset, data.length - offset)
      offset += bytesWritten
    }
    this.#size += data.length
  }

  async #open(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 })
    const handle = await open(join(this.dir, CURRENT), 'a+', 0o600)
    this.#handle = handle
    this.#size = (await handle.stat()).size
    if (this.#size === 0) return
    // A crash can leave a half-written last line: end it, or the next entry would be glued to it.
    const last = Buffer.alloc(1)
    await handle.read(last, 0, 1, this.#size - 1)
    if (last[0] !== 0x0a) await this.#append(Buffer.from('\n'))
  }

  async #rotate(): Promise<void> {
    await this.#closeHandle(false)
    const { maxFiles } = this.#options
    const rotated = orderLogFiles(await readdir(this.dir)).filter((name) => name !== CURRENT)
    let highest = 0
    for (const name of rotated) {
      const n = Number.parseInt(name, 10)
      if (n >= maxFiles) await rm(join(this.dir, name), { force: true })
      else highest = Math.max(highest, n)
    }
    for (let n = highest; n >= 1; n--) {
      await rename(join(this.dir, `${n}.jsonl`), join(this.dir, `${n + 1}.jsonl`)).catch(ignoreMissing)
    }
    if (maxFiles > 0) await rename(join(this.dir, CURRENT), join(this.dir, '1.jsonl'))
    else await rm(join(this.dir, CURRENT), { force: true })
    await this.#open()
  }

  async #closeHandle(sync: boolean): Promise<void> {
    const handle = this.#handle
    this.#handle = null
    if (!handle) return
    if (sync) await handle.sync().catch(() => undefined)
    await handle.close().catch(() => undefined)
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error
}
