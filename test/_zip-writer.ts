/**
 * A tiny zip writer for tests: local headers, central directory and end record written by hand
 * (APPNOTE.TXT 4.3), so a test can build what no honest tool writes: symlink and fifo modes,
 * ".." names, duplicate entries, sizes that lie, records that overlap.
 */
import { writeFile } from 'node:fs/promises'
import * as zlib from 'node:zlib'

export interface RawZipEntry {
  name: string
  /** Uncompressed content (default empty). */
  data?: Buffer
  /** 0 stored (default), 8 deflated. */
  method?: 0 | 8
  /** Full unix st_mode, type bits included (default 0o100644, a regular file). */
  mode?: number
  /** General purpose flags; bit 11 (UTF-8 names) is always set. */
  flags?: number
  /** Ready-made compressed bytes with the real size and crc, for data too big to hold (a bomb). */
  compressed?: { bytes: Buffer; size: number; crc: number }
  /** A lie: the uncompressed size written in both headers instead of the real one. */
  declaredSize?: number
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

const nativeCrc32 = (zlib as { crc32?: (data: Buffer, value?: number) => number }).crc32

/**
 * CRC-32 as zip uses it (zlib.crc32 only exists from Node 20.15 / 22.2); pass the previous value to continue.
 * @example
 * crc32(Buffer.from('123456789')) // → 0xcbf43926
 */
export function crc32(data: Buffer, previous = 0): number {
  if (nativeCrc32) return nativeCrc32(data, previous)
  let c = ~previous >>> 0
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8)
  return ~c >>> 0
}

const DOS_DATE_1980_01_01 = (1 << 5) | 1
const UTF8_NAMES = 0x0800
const MADE_BY_UNIX = (3 << 8) | 20

function encodeEntry(entry: RawZipEntry): { name: Buffer; body: Buffer; crc: number; size: number; method: number } {
  const data = entry.data ?? Buffer.alloc(0)
  const method = entry.method ?? 0
  if (entry.compressed) return { name: Buffer.from(entry.name), body: entry.compressed.bytes, crc: entry.compressed.crc, size: entry.compressed.size, method: 8 }
  const body = method === 8 ? zlib.deflateRawSync(data) : data
  return { name: Buffer.from(entry.name), body, crc: crc32(data), size: data.length, method }
}

/**
 * Encodes entries, in order, into the bytes of a zip file.
 * @example
 * const zip = encodeZip([{ name: 'a.txt', data: Buffer.from('hi') }, { name: 'link', data: Buffer.from('/etc/passwd'), mode: 0o120777 }])
 */
export function encodeZip(entries: RawZipEntry[]): Buffer {
  const parts: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const entry of entries) {
    const { name, body, crc, size, method } = encodeEntry(entry)
    const declared = entry.declaredSize ?? size
    const flags = UTF8_NAMES | (entry.flags ?? 0)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(flags, 6)
    local.writeUInt16LE(method, 8)
    local.writeUInt16LE(0, 10)
    local.writeUInt16LE(DOS_DATE_1980_01_01, 12)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(declared, 22)
    local.writeUInt16LE(name.length, 26)
    local.writeUInt16LE(0, 28)
    const record = Buffer.alloc(46)
    record.writeUInt32LE(0x02014b50, 0)
    record.writeUInt16LE(MADE_BY_UNIX, 4)
    local.copy(record, 6, 4, 30) // version needed … name length, then extra length 0
    record.writeUInt32LE(((entry.mode ?? 0o100644) << 16) >>> 0, 38)
    record.writeUInt32LE(offset, 42)
    central.push(record, name)
    parts.push(local, name, body)
    offset += local.length + name.length + body.length
  }
  const directory = Buffer.concat(central)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...parts, directory, end])
}

/** Writes `encodeZip(entries)` to `zipPath`. */
export async function writeRawZip(zipPath: string, entries: RawZipEntry[]): Promise<void> {
  await writeFile(zipPath, encodeZip(entries))
}
