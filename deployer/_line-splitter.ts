/**
 * Turns the chunks a child process writes into lines for the log store. UTF-8 is decoded with a
 * StringDecoder, so a character split between two chunks comes out whole; a trailing `\r` is
 * stripped (CRLF output); a line longer than `maxLineBytes` is cut, at a character boundary, into
 * pieces that each fit, every piece but the last marked `continues`. An unterminated line is held
 * only up to `maxLineBytes`, so a child that never writes a newline cannot grow memory without end.
 */
import { StringDecoder } from 'node:string_decoder'

/** One stored line, or a piece of a longer one that `continues` in the next piece. */
export interface SplitLine {
  line: string
  continues: boolean
}

/**
 * Cuts `text` into pieces of at most `maxBytes` UTF-8 bytes, never inside a character.
 * @example
 * cutToBytes('aé', 2)   // ['a', 'é']
 */
export function cutToBytes(text: string, maxBytes: number): string[] {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most lines skip the encoding entirely.
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes) return [text]
  const bytes = Buffer.from(text, 'utf8')
  const pieces: string[] = []
  let start = 0
  while (bytes.length - start > maxBytes) {
    let end = start + maxBytes
    while (end > start && ((bytes[end] ?? 0) & 0xc0) === 0x80) end-- // 10xxxxxx: inside a character
    if (end === start) end = start + maxBytes // cannot happen with maxBytes >= 4
    pieces.push(bytes.toString('utf8', start, end))
    start = end
  }
  pieces.push(bytes.toString('utf8', start))
  return pieces
}

function toSplitLines(text: string, maxBytes: number): SplitLine[] {
  const line = text.endsWith('\r') ? text.slice(0, -1) : text
  const pieces = cutToBytes(line, maxBytes)
  return pieces.map((piece, i) => ({ line: piece, continues: i < pieces.length - 1 }))
}

/**
 * Splits a byte stream into lines: `push` each chunk, then `end` once the stream has ended to get
 * the last line even when it has no newline.
 * @example
 * const splitter = new LineSplitter(65536)
 * splitter.push(Buffer.from('one\ntw'))   // [{ line: 'one', continues: false }]
 * splitter.end()                          // [{ line: 'tw', continues: false }]
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8')
  readonly #maxLineBytes: number
  #rest = ''

  constructor(maxLineBytes: number) {
    this.#maxLineBytes = maxLineBytes
  }

  /** The complete lines (and full-size pieces of an unfinished long line) that `chunk` finishes. */
  push(chunk: Buffer | string): SplitLine[] {
    const text = this.#rest + (typeof chunk === 'string' ? chunk : this.#decoder.write(chunk))
    const parts = text.split('\n')
    this.#rest = parts.pop() ?? ''
    const lines: SplitLine[] = []
    for (const part of parts) lines.push(...toSplitLines(part, this.#maxLineBytes))
    if (this.#rest.length * 3 > this.#maxLineBytes && Buffer.byteLength(this.#rest) > this.#maxLineBytes) {
      const pieces = cutToBytes(this.#rest, this.#maxLineBytes)
      this.#rest = pieces.pop() ?? ''
      for (const piece of pieces) lines.push({ line: piece, continues: true })
    }
    return lines
  }

  /** The last line, if the stream ended without a newline (and any bytes of an unfinished character). */
  end(): SplitLine[] {
    const text = this.#rest + this.#decoder.end()
    this.#rest = ''
    return text === '' ? [] : toSplitLines(text, this.#maxLineBytes)
  }
}
