/**
 * Reads a zip's end-of-central-directory record (and its zip64 twin) straight from the file's
 * tail, before unzipper is let near it: the entry count is checked against the limit first (a
 * hostile count would make unzipper loop or allocate), and unzipper is told exactly where the
 * record is (it only looks at the last 80 bytes by default, so a long comment defeats it).
 * Layout: APPNOTE.TXT 4.3.14 (zip64 record), 4.3.15 (zip64 locator), 4.3.16 (EOCD).
 */
import type { FileHandle } from 'node:fs/promises'

const EOCD_SIGNATURE = 0x06054b50
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50
const ZIP64_EOCD_SIGNATURE = 0x06064b50
const EOCD_BYTES = 22
const ZIP64_LOCATOR_BYTES = 20
const ZIP64_EOCD_BYTES = 56
const MAX_COMMENT_BYTES = 0xffff
/** Size of one central directory record without its name, extra field and comment. */
export const CENTRAL_RECORD_BYTES = 46

export interface ZipTrailer {
  fileSize: number
  /** Where the EOCD record starts; unzipper's `tailSize` is `fileSize - eocdOffset`. */
  eocdOffset: number
  entryCount: number
  centralDirectoryOffset: number
  centralDirectorySize: number
  zip64: boolean
}

/**
 * Why a file is not a zip we can read; the caller turns it into E_UNPACK_ZIP_INVALID. `entryCount`
 * is the count the trailer claims when it was read before the fault was found (a caller may refuse
 * that count first, as the more useful answer).
 */
export class ZipTrailerError extends Error {
  constructor(message: string, readonly entryCount?: number) {
    super(message)
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length)
  const { bytesRead } = await handle.read(buffer, 0, length, position)
  if (bytesRead !== length) throw new ZipTrailerError('the file ends early')
  return buffer
}

/** Finds the last EOCD whose comment length reaches exactly the end of the file. */
function findEocd(tail: Buffer): number {
  for (let i = tail.length - EOCD_BYTES; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIGNATURE && i + EOCD_BYTES + tail.readUInt16LE(i + 20) === tail.length) return i
  }
  throw new ZipTrailerError('no end-of-central-directory record (not a zip, or truncated)')
}

/**
 * Reads and sanity-checks the trailer of an open zip file.
 * @example
 * const handle = await open('echo-1.0.0.zip', 'r')
 * const { entryCount, eocdOffset, fileSize } = await readZipTrailer(handle)
 */
export async function readZipTrailer(handle: FileHandle): Promise<ZipTrailer> {
  const fileSize = (await handle.stat()).size
  if (fileSize < EOCD_BYTES) throw new ZipTrailerError('the file is too small to be a zip')
  const tailStart = Math.max(0, fileSize - EOCD_BYTES - MAX_COMMENT_BYTES)
  const tail = await readAt(handle, tailStart, fileSize - tailStart)
  const at = findEocd(tail)
  const eocdOffset = tailStart + at
  if (tail.readUInt16LE(at + 4) !== 0 || tail.readUInt16LE(at + 6) !== 0) throw new ZipTrailerError('multi-disk zips are not supported')
  let entryCount = tail.readUInt16LE(at + 10)
  let centralDirectorySize = tail.readUInt32LE(at + 12)
  let centralDirectoryOffset = tail.readUInt32LE(at + 16)
  let end = eocdOffset
  const zip64 = entryCount === 0xffff || centralDirectorySize === 0xffffffff || centralDirectoryOffset === 0xffffffff
  if (zip64) {
    if (eocdOffset < ZIP64_LOCATOR_BYTES) throw new ZipTrailerError('zip64 locator missing')
    const locator = await readAt(handle, eocdOffset - ZIP64_LOCATOR_BYTES, ZIP64_LOCATOR_BYTES)
    if (locator.readUInt32LE(0) !== ZIP64_LOCATOR_SIGNATURE) throw new ZipTrailerError('zip64 locator missing')
    const recordOffset = Number(locator.readBigUInt64LE(8))
    if (recordOffset + ZIP64_EOCD_BYTES > eocdOffset - ZIP64_LOCATOR_BYTES) throw new ZipTrailerError('zip64 record out of bounds')
    const record = await readAt(handle, recordOffset, ZIP64_EOCD_BYTES)
    if (record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) throw new ZipTrailerError('zip64 record missing')
    entryCount = Number(record.readBigUInt64LE(32))
    centralDirectorySize = Number(record.readBigUInt64LE(40))
    centralDirectoryOffset = Number(record.readBigUInt64LE(48))
    end = recordOffset
  }
  if (centralDirectoryOffset + centralDirectorySize > end) throw new ZipTrailerError('central directory out of bounds', entryCount)
  // Every record is at least 46 bytes, so the count cannot exceed what the directory can hold.
  if (entryCount * CENTRAL_RECORD_BYTES > centralDirectorySize) throw new ZipTrailerError('entry count larger than the central directory', entryCount)
  return { fileSize, eocdOffset, entryCount, centralDirectoryOffset, centralDirectorySize, zip64 }
}
