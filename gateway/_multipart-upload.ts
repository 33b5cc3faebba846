/**
 * A package uploaded as multipart/form-data (what a browser form sends): the first file part is
 * streamed straight to the package store, never held in memory. The fields before it (text, or a
 * small file part named `signature`, up to 16 KiB) are handed to `store` with it; later ones are ignored.
 * A field given twice before the file is refused (E_BODY_INVALID naming it).
 */
import type { Readable } from 'node:stream'
import busboy from 'busboy'
import { createGatewayError } from './errors.js'

/**
 * Calls `store` with the first file of a multipart body and resolves with what it returns.
 * @example const pkg = await readMultipartFile(body, headers, (file) => deployer.addPackage(file))
 */
export function readMultipartFile<T>(body: Readable, contentType: string, store: (file: Readable, filename: string | undefined, fields: Record<string, string>) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let parser: busboy.Busboy
    try {
      parser = busboy({ headers: { 'content-type': contentType }, limits: { files: 2, fields: 20 } })
    } catch (error) {
      reject(createGatewayError('E_BODY_INVALID', `the multipart body cannot be read: ${(error as Error).message}`))
      return
    }
    let stored: Promise<T> | undefined
    const fields: Record<string, string> = Object.create(null) as Record<string, string>
    let before = Promise.resolve()
    let repeated: string | undefined
    // A field given twice is refused rather than read as one of its values: the sender meant one of them.
    parser.on('field', (name, value) => { if (stored) return; if (Object.hasOwn(fields, name)) repeated ??= name; fields[name] = value })
    parser.on('file', (field, file, info) => {
      if (stored) return void file.resume()
      if (field === 'signature') return void (before = readSmallPart(file).then((text) => { fields[field] = text }))
      stored = before.then(() => {
        if (repeated !== undefined) throw createGatewayError('E_BODY_INVALID', `the multipart field "${repeated}" is given more than once; give it once`, { path: `/${repeated}` })
        return store(file, info.filename || undefined, { ...fields })
      })
      stored.then(resolve, (error: unknown) => { body.unpipe(parser); body.resume(); reject(error) })
    })
    parser.on('error', (error: Error) => reject(createGatewayError('E_BODY_INVALID', `the multipart body cannot be read: ${error.message}`)))
    parser.on('close', () => {
      if (!stored) reject(createGatewayError('E_BODY_INVALID', 'the multipart body holds no file: send the zip as a file field, after the other fields'))
    })
    body.pipe(parser)
  })
}

/** Reads a small part (a signature file) whole; past 16 KiB it is dropped and its field left empty. */
function readSmallPart(file: Readable): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    file.on('data', (chunk: Buffer) => { size += chunk.length; if (size <= 16 * 1024) chunks.push(chunk) })
    file.on('end', () => resolve(size <= 16 * 1024 ? Buffer.concat(chunks).toString('utf8') : 'too large'))
    file.on('error', () => resolve(''))
  })
}
