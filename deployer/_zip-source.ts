/**
 * Opens a zip's central directory with unzipper through a file source of our own, so that every
 * read stream unzipper opens can be closed when we stop early: unzipper never closes the file
 * stream behind an entry whose reader went away (a refused entry would leak a descriptor).
 */
import { createReadStream, type ReadStream } from 'node:fs'
import type { Readable } from 'node:stream'
import unzipper from 'unzipper'
import type { ZipTrailer } from './_zip-trailer.js'

export type ZipFile = unzipper.File

export interface OpenedZip {
  files: ZipFile[]
  /** Destroys every read stream still open; safe to call twice. */
  close(): void
}

interface UnzipperSource {
  size(): Promise<number>
  stream(offset: number, length?: number): Readable
}

type OpenCustom = (source: UnzipperSource, options: { tailSize: number }) => Promise<unzipper.CentralDirectory>

/**
 * Reads the central directory whose end record `trailer` located.
 * @example
 * const zip = await openZipDirectory('/data/store/ab12.zip', trailer)
 * try { for (const file of zip.files) console.log(file.path) } finally { zip.close() }
 */
export async function openZipDirectory(zipPath: string, trailer: ZipTrailer): Promise<OpenedZip> {
  const open = new Set<ReadStream>()
  const source: UnzipperSource = {
    size: async () => trailer.fileSize,
    stream(offset, length) {
      // `end` is inclusive in fs streams; unzipper's own file source reads one byte too many.
      const end = length ? Math.min(offset + length, trailer.fileSize) - 1 : undefined
      const stream = createReadStream(zipPath, { start: offset, end })
      open.add(stream)
      stream.once('close', () => open.delete(stream))
      return stream
    },
  }
  const close = () => { for (const stream of open) stream.destroy() }
  try {
    // The typings omit Open.custom's options; tailSize makes unzipper start at our EOCD record.
    const directory = await (unzipper.Open.custom as unknown as OpenCustom)(source, { tailSize: trailer.fileSize - trailer.eocdOffset })
    return { files: directory.files, close }
  } catch (error) {
    close()
    throw error
  }
}
