/**
 * The signature beside a package: `<name>-<version>.zip.sig`. Written through a temporary file and
 * renamed, so a reader never sees half of one.
 */
import { randomBytes } from 'node:crypto'
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { createPackagerError } from '../errors.js'
import { hashFile } from '../hash-file.js'
import { parseSignature, serializeSignature, signDigest, type PackageSignature } from './signature.js'
import type { SigningKey } from './signing-key.js'

/** Where the signature of `zipPath` is kept. */
export function signatureFilePath(zipPath: string): string {
  return `${zipPath}.sig`
}

/**
 * Signs a package zip (`digest` when known, else it is hashed) and writes `<zip>.sig`.
 * @example const { path, signature } = await writeSignatureFile('dist/echo-1.0.0.zip', key)
 */
export async function writeSignatureFile(zipPath: string, key: SigningKey, digest?: string): Promise<{ path: string; signature: PackageSignature }> {
  const signature = signDigest(key, digest ?? (await hashFile(zipPath)).sha256)
  const path = signatureFilePath(zipPath)
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.partial`
  try {
    await writeFile(temp, serializeSignature(signature), { mode: 0o644 })
    await rename(temp, path)
  } finally {
    await rm(temp, { force: true })
  }
  return { path, signature }
}

/** Reads a signature file; undefined when there is none, E_SIGNATURE_INVALID when it is damaged. */
export async function readSignatureFile(path: string): Promise<PackageSignature | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw createPackagerError('E_SIGNATURE_INVALID', `the signature "${path}" cannot be read: ${(error as Error).message}`, { path, cause: error })
  }
  return parseSignature(text, path)
}
