/**
 * What a pipeline's templates see of the request at /request: the JSON body, the uploaded file
 * (a raw body of any other type, or the first file of a multipart form, its other fields as the
 * body), the query, the headers (without credentials), the method and the path.
 */
import type { IncomingMessage } from 'node:http'
import busboy from 'busboy'
import { createGatewayError } from '../errors.js'
import { FileValue } from './_template-eval.js'

/** The largest body a pipeline call reads. */
export const MAX_PIPELINE_BODY_BYTES = 64 * 1024 * 1024
/** Never shown to templates (so never sent on to a step): credentials, and the key of a deploy's acceptance examples. */
const SECRET_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization', 'x-ferry-acceptance'])

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > limit) throw createGatewayError('E_PAYLOAD_TOO_LARGE', `a pipeline call's body is limited to ${limit} bytes`, { details: { limit } })
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw createGatewayError('E_PAYLOAD_TOO_LARGE', `a pipeline call's body is limited to ${limit} bytes`, { details: { limit } })
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

function readMultipart(bytes: Buffer, contentType: string): Promise<{ file: FileValue | undefined; fields: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy
    try {
      parser = busboy({ headers: { 'content-type': contentType }, limits: { files: 1, fields: 100 } })
    } catch (error) {
      return reject(createGatewayError('E_BODY_INVALID', `the multipart body cannot be read: ${(error as Error).message}`))
    }
    const fields: Record<string, string> = {}
    let file: Promise<FileValue> | undefined
    parser.on('field', (name, value) => { fields[name] = value })
    parser.on('file', (_field, stream, info) => {
      const chunks: Buffer[] = []
      file = new Promise((done) => {
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('end', () => done(new FileValue(Buffer.concat(chunks), info.mimeType || 'application/octet-stream', info.filename || null)))
      })
    })
    parser.on('error', (error: Error) => reject(createGatewayError('E_BODY_INVALID', `the multipart body cannot be read: ${error.message}`)))
    parser.on('close', () => { void (file ?? Promise.resolve(undefined)).then((f) => resolve({ file: f, fields })) })
    parser.end(bytes)
  })
}

/**
 * The /request of a call, and how many bytes its body had; `path` is the pipeline's own (after /models/<name>).
 * @example const { request } = await readPipelineRequest(req, '/upload-and-predict', '?trace=1')
 */
export async function readPipelineRequest(req: IncomingMessage, path: string, search: string): Promise<{ request: Record<string, unknown>; bytes: number }> {
  const bytes = await readBody(req, MAX_PIPELINE_BODY_BYTES)
  const contentType = String(req.headers['content-type'] ?? '')
  let body: unknown
  let file: FileValue | undefined
  if (bytes.length === 0) body = undefined
  else if (/^application\/([a-z.+-]*\+)?json\b/i.test(contentType)) {
    try { body = JSON.parse(bytes.toString('utf8')) } catch (error) {
      throw createGatewayError('E_BODY_INVALID_JSON', `the body is not valid JSON: ${(error as Error).message}`)
    }
  } else if (/^multipart\/form-data/i.test(contentType)) {
    const form = await readMultipart(bytes, contentType)
    file = form.file
    body = form.fields
  } else {
    file = new FileValue(bytes, contentType.split(';')[0]!.trim() || 'application/octet-stream', null)
    body = file
  }
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !SECRET_HEADERS.has(k)).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]))
  return { request: { body, file, query: Object.fromEntries(new URLSearchParams(search)), headers, method: req.method ?? 'GET', path }, bytes: bytes.length }
}
