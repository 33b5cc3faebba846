/**
 * `ferry verify`'s check, offline: the zip's sha256, the signature beside it, and the keys the
 * caller trusts. A package passes only when its signature verifies and its key is trusted.
 */
import { createPackagerError } from '../errors.js'
import { hashFile } from '../hash-file.js'
import { verifySignature } from './signature.js'
import { readSignatureFile, signatureFilePath } from './signature-file.js'
import type { PublicKeyInfo } from './signing-key.js'

export interface PackageVerification {
  path: string
  digest: string
  signaturePath: string
  keyId: string
  /** The trusted key's name, when it has one. */
  name: string | null
}

/**
 * Verifies `zipPath` against `trusted` keys; throws E_SIGNATURE_MISSING, E_SIGNATURE_INVALID,
 * E_SIGNATURE_MISMATCH or E_SIGNER_UNTRUSTED (a valid signature by a key not trusted).
 * @example const { keyId, name } = await verifyPackageFile('echo-1.0.0.zip', { trusted: [alice] })
 */
export async function verifyPackageFile(zipPath: string, options: { signaturePath?: string; trusted: readonly PublicKeyInfo[] }): Promise<PackageVerification> {
  const signaturePath = options.signaturePath ?? signatureFilePath(zipPath)
  let digest: string
  try {
    digest = (await hashFile(zipPath)).sha256
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw createPackagerError('E_PATH_NOT_FOUND', `"${zipPath}" does not exist`, { path: zipPath, cause: error })
    throw error
  }
  const signature = await readSignatureFile(signaturePath)
  if (!signature) throw createPackagerError('E_SIGNATURE_MISSING', `"${zipPath}" is not signed: there is no ${signaturePath}`, { path: signaturePath, details: { digest } })
  verifySignature(signature, digest, signaturePath)
  const key = options.trusted.find((k) => k.keyId === signature.keyId && k.publicKey === signature.publicKey)
  if (!key) {
    throw createPackagerError('E_SIGNER_UNTRUSTED', `"${zipPath}" has a valid signature by key ${signature.keyId}, which is not among the trusted keys (${options.trusted.length})`, { path: signaturePath, details: { digest, keyId: signature.keyId, trusted: options.trusted.map((k) => k.keyId) } })
  }
  return { path: zipPath, digest, signaturePath, keyId: key.keyId, name: key.name ?? null }
}
