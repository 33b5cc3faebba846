/**
 * Reading the uploaded image or PDF from a request: a raw body (content-type image/png, image/jpeg,
 * application/pdf or application/octet-stream) or the first file field `image`, `file` or `document` of a
 * multipart/form-data body (busboy), at most MAX_BODY_BYTES either way. What the bytes are is
 * decided from their first bytes, not from the declared type (upload-kind.ts).
 */
import type { IncomingMessage } from 'node:http'
import busboy from 'busboy'
import { OcrError } from './errors.js'

export const MAX_BODY_BYTES = 20 * 1024 * 1024
/** application/octet-stream too: a file passed on without its type (the bytes say what it is). */
const RAW_TYPES = new Set(['image/png', 'image/jpeg', 'image/jpg', 'image/pjpeg', 'application/pdf', 'application/x-pdf', 'application/octet-stream'])
const FILE_FIELDS = new Set(['image', 'file', 'document'])
const TOO_LARGE = `The body is over ${MAX_BODY_BYTES / 1024 / 1024} MB.`

/** The media type of a content-type header, lower case, without parameters. */
function readMediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase()
}

/** Reads the rest of `req` without keeping it, so the answer reaches a client still sending. */
function discardRest(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    req.on('end', resolve).on('error', () => resolve()).on('close', resolve)
    req.resume()
  })
}

async function readRawBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) {
      await discardRest(req)
      throw new OcrError('E_BODY_TOO_LARGE', TOO_LARGE)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, size)
}

function readMultipartImage(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: MAX_BODY_BYTES, files: 4, fields: 20, fieldSize: 64 * 1024, parts: 24 } })
    } catch (error) {
      reject(new OcrError('E_MULTIPART_INVALID', `The multipart body could not be read: ${(error as Error).message}.`))
      return
    }
    let image: Buffer | null = null
    let tooLarge = false
    parser.on('file', (field, stream) => {
      if (!FILE_FIELDS.has(field) || image !== null) {
        stream.resume()
        return
      }
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('limit', () => { tooLarge = true })
      stream.on('end', () => { image = Buffer.concat(chunks) })
    })
    parser.on('error', (error: Error) => {
      req.unpipe(parser)
      void discardRest(req).then(() => reject(new OcrError('E_MULTIPART_INVALID', `The multipart body could not be read: ${error.message}.`)))
    })
    parser.on('close', () => {
      if (tooLarge) reject(new OcrError('E_BODY_TOO_LARGE', TOO_LARGE))
      else if (image === null) reject(new OcrError('E_MULTIPART_NO_IMAGE'))
      else resolve(image)
    })
    req.pipe(parser)
  })
}

/**
 * Reads the image bytes of a recognize request, or throws an OcrError saying what is wrong.
 * @example
 * const { bytes, mediaType } = await readImageUpload(req) // the PNG, JPEG or PDF as sent
 */
export async function readImageUpload(req: IncomingMessage): Promise<{ bytes: Buffer; mediaType: string }> {
  const mediaType = readMediaType(req.headers['content-type'])
  const isMultipart = mediaType === 'multipart/form-data'
  if (!isMultipart && !RAW_TYPES.has(mediaType)) {
    await discardRest(req)
    throw new OcrError('E_UNSUPPORTED_MEDIA_TYPE', `Unsupported content-type "${mediaType || '(none)'}": send image/png, image/jpeg, application/pdf or multipart/form-data with a file field "image".`)
  }
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES + (isMultipart ? 64 * 1024 : 0)) {
    await discardRest(req)
    throw new OcrError('E_BODY_TOO_LARGE', TOO_LARGE)
  }
  const bytes = isMultipart ? await readMultipartImage(req) : await readRawBody(req)
  if (bytes.length === 0) throw new OcrError('E_EMPTY_BODY')
  return { bytes, mediaType }
}
