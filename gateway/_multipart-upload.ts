/**
 * A package uploaded as multipart/form-data (what a browser form sends): the first file part is
 * streamed straight to the package store, never held in memory; other fields are ignored.
 */
import type { Readable } from 'node:stream'
import busboy from 'busboy'
import { createGatewayError } from './errors.js'

/**
 * Calls `store` with the first file of a multipart body and resolves with what it returns.
 * @example const pkg = await readMultipartFile(body, headers, (file) => deployer.addPackage(file))
 */
export function readMultipartFile<T>(body: Readable, contentType: string, store: (file: Readable, filename: string | undefined) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let parser: busboy.Busboy
    try {
      parser = busboy({ headers: { 'content-type': contentType }, limits: { files: 1, fields: 20 } })
    } catch (error) {
      reject(createGatewayError('E_BODY_INVALID', `the multipart body cannot be read: ${(error as Error).message}`))
      return
    }
    let stored: Promise<T> | undefined
    parser.on('file', (_field, file, info) => {
      if (stored) return void file.resume()
      stored = store(file, info.filename || undefined)
      stored.then(resolve, (error: unknown) => { body.unpipe(parser); body.resume(); reject(error) })
    })
    parser.on('error', (error: Error) => reject(createGatewayError('E_BODY_INVALID', `the multipart body cannot be read: ${error.message}`)))
    parser.on('close', () => {
      if (!stored) reject(createGatewayError('E_BODY_INVALID', 'the multipart body holds no file: send the package zip as a file field'))
    })
    body.pipe(parser)
  })
}
