/**
 * Lines queued for a log file, encoded to UTF-8 the moment they are queued into shared buffers
 * (a small one first, then 64 KiB ones), with where each line ends (so rotation still falls
 * between two lines). No string or object is kept per line: under load (the gateway's access
 * line of every proxied request) the queued strings lived long enough for V8 to promote them, and
 * the old generation's collections that followed were a visible share of the Node plane's time in
 * the proxy benchmark.
 */
const CHUNK_BYTES = 64 * 1024
/** A batch's first buffer: most sources write a line or two between flushes (from Node's pool). */
const FIRST_CHUNK_BYTES = 2048
const NEWLINE = 0x0a

/** One buffer of whole lines: bytes [0, used), each line (its newline included) ending at an offset of `ends`. */
export interface LineChunk {
  data: Buffer
  ends: number[]
}

export class EncodedLines {
  #chunks: Array<{ buffer: Buffer; used: number; ends: number[] }> = []
  #bytes = 0

  /** Bytes queued, newlines included. */
  get bytes(): number {
    return this.#bytes
  }

  /** Queues one line (without its newline). */
  add(line: string): void {
    let chunk = this.#chunks.at(-1)
    // A UTF-16 code unit is at most 3 UTF-8 bytes: most lines are never measured.
    const most = line.length * 3 + 1
    if (!chunk || (chunk.buffer.length - chunk.used < most && chunk.buffer.length - chunk.used < Buffer.byteLength(line) + 1)) {
      chunk = { buffer: Buffer.allocUnsafe(Math.max(chunk ? CHUNK_BYTES : FIRST_CHUNK_BYTES, most)), used: 0, ends: [] }
      this.#chunks.push(chunk)
    }
    const written = chunk.buffer.write(line, chunk.used, 'utf8')
    chunk.buffer[chunk.used + written] = NEWLINE
    chunk.used += written + 1
    chunk.ends.push(chunk.used)
    this.#bytes += written + 1
  }

  /** Takes every queued line out, oldest first. */
  take(): LineChunk[] {
    const chunks = this.#chunks.map(({ buffer, used, ends }) => ({ data: buffer.subarray(0, used), ends }))
    this.clear()
    return chunks
  }

  /** Drops what is queued. */
  clear(): void {
    this.#chunks = []
    this.#bytes = 0
  }
}
