/**
 * Reads nginx's JSON access log back as it grows (one line per request nginx carried, written in
 * 64 kB buffers flushed every 200 ms): each line becomes the same record the Node plane makes, for
 * the prediction history, the metrics and the rollout checks. The file is the nginx plane's access
 * log: moved aside to access.jsonl.1 (one generation kept) and reopened by nginx once it passes
 * MAX_BYTES, so it never grows without bound.
 */
import { closeSync, existsSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs'
import type { ProxyRecord } from '../proxy/model-proxy.js'

const POLL_MS = 100
const MAX_BYTES = 32 * 1024 * 1024
const CHUNK = 64 * 1024

export interface NginxLogLine { time: number; model: string; version: string; role: string; status: number; duration: number; requestBytes: number; responseBytes: number; requestId: string; method: string; path: string }

/** A log line as the record the Node plane makes (durations in ms). */
export function toProxyRecord(line: NginxLogLine): ProxyRecord {
  return {
    model: line.model, version: line.version || null, status: line.status, durationMs: line.duration * 1000,
    requestBytes: line.requestBytes, responseBytes: line.responseBytes, requestId: line.requestId, method: line.method, path: line.path,
    role: line.role === 'canary' ? 'canary' : line.role === 'shadow' ? 'shadow' : 'stable', endedAt: Math.round(line.time * 1000),
  }
}

export class AccessLogReader {
  #offset = 0
  #partial = ''
  #timer: NodeJS.Timeout | undefined
  #paused = false

  /**
   * `onBatch` runs after the lines of each chunk read (64 kB, ~280 lines): where they are written
   * at once, a chunk's records die young instead of outliving V8's young generation.
   */
  constructor(private readonly file: string, private readonly onLine: (line: NginxLogLine) => void, private readonly reopen: () => void, private readonly onBatch: () => void = () => {}) {}

  start(): void {
    // Lines from before this start were already read by the gateway that wrote them (or lost with it).
    this.#offset = existsSync(this.file) ? statSync(this.file).size : 0
    this.#timer = setInterval(() => this.poll(), POLL_MS)
    this.#timer.unref()
  }

  /** Reads what was added since the last poll (also called once more at stop). */
  poll(): void {
    if (this.#paused) return
    let size: number
    try {
      size = statSync(this.file).size
    } catch {
      return // nginx has not written a line yet
    }
    if (size < this.#offset) this.#offset = 0 // replaced under us
    if (size > this.#offset) this.#readFrom(this.file, size)
    if (this.#offset > MAX_BYTES) this.#rotate()
  }

  stop(): void {
    clearInterval(this.#timer)
    this.poll()
  }

  #readFrom(file: string, size: number): void {
    const fd = openSync(file, 'r')
    try {
      const buffer = Buffer.alloc(CHUNK)
      while (this.#offset < size) {
        const read = readSync(fd, buffer, 0, Math.min(CHUNK, size - this.#offset), this.#offset)
        if (read <= 0) break
        this.#offset += read
        this.#consume(buffer.toString('utf8', 0, read))
        this.onBatch()
      }
    } finally {
      closeSync(fd)
    }
  }

  #consume(text: string): void {
    const lines = (this.#partial + text).split('\n')
    this.#partial = lines.pop()!
    for (const line of lines) {
      if (!line) continue
      try {
        this.onLine(JSON.parse(line) as NginxLogLine)
      } catch (error) {
        console.error(`nginx data plane: unreadable access log line (${(error as Error).message}): ${line.slice(0, 200)}`)
      }
    }
  }

  /** Moves the log aside, has nginx reopen it, reads the rest of the old one, then follows the new one. */
  #rotate(): void {
    const old = `${this.file}.1`
    rmSync(old, { force: true })
    renameSync(this.file, old)
    this.reopen()
    this.#paused = true // until nginx writes to the new file and the old one is read to its end
    setTimeout(() => {
      try {
        this.#readFrom(old, statSync(old).size)
      } finally {
        this.#offset = 0
        this.#partial = ''
        this.#paused = false // the previous generation stays as access.jsonl.1 until the next move
      }
    }, 1000).unref()
  }
}
