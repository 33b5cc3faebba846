/**
 * The signature check of an upload. The signature travels beside the zip: in the request header
 * `X-Ferry-Signature` (the base64 of the `.sig` file), or as a multipart field `signature` before
 * the file (the `.sig` file's text). What is needed is decided before the body is read (with
 * `--require-signed`: a signature by a trusted key); the signature is checked against the digest
 * once it is known, before anything is recorded. Without `--require-signed` an unsigned package
 * is accepted, and a signed one is still verified: a bad signature is refused, a valid one by an
 * unknown key is accepted and recorded as untrusted.
 */
import type { Readable } from 'node:stream'
import type { Deployer, PackageRecord, PackageSigner } from '../../deployer/index.js'
import { createPackagerError } from '../../packager/errors.js'
import { parseSignature, verifySignature, type PackageSignature } from '../../packager/signing/index.js'
import type { TrustedKeyStore } from './trusted-keys.js'

export const SIGNATURE_HEADER = 'x-ferry-signature'

export interface SigningPolicy {
  /** `ferry serve --require-signed`: refuse unsigned packages and unknown keys. */
  requireSigned: boolean
  keys: TrustedKeyStore
}

/** What addPackage calls with the digest: the signer to record, or a throw that refuses the package. */
export type SignatureCheck = (digest: string) => PackageSigner | null

/** Reads a signature sent as base64 of the `.sig` file (a header) or as its JSON text (a form field). */
export function decodeSignature(value: string | undefined, where: string): PackageSignature | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const text = value.trim()
  if (text.startsWith('{')) return parseSignature(text, where)
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) throw createPackagerError('E_SIGNATURE_INVALID', `${where} is neither base64 nor JSON`, { path: where })
  return parseSignature(Buffer.from(text, 'base64').toString('utf8'), where)
}

/**
 * Decides, before the package is read, whether the upload may go on; returns its check.
 * @example const check = await prepareSignatureCheck(policy, decodeSignature(header, 'X-Ferry-Signature'), 'X-Ferry-Signature')
 */
export async function prepareSignatureCheck(policy: SigningPolicy, signature: PackageSignature | undefined, where: string): Promise<SignatureCheck> {
  if (!signature) {
    if (policy.requireSigned) throw createPackagerError('E_SIGNATURE_MISSING', `this server takes signed packages only (--require-signed): send the package's .sig in ${where}`, { path: where })
    return () => null
  }
  const key = await policy.keys.get(signature.keyId)
  const trusted = key !== undefined && key.publicKey === signature.publicKey
  if (policy.requireSigned && !trusted) {
    throw createPackagerError('E_SIGNER_UNTRUSTED', `the package is signed by key ${signature.keyId}, which this server does not trust (--require-signed)`, { path: where, details: { keyId: signature.keyId } })
  }
  return (digest) => {
    verifySignature(signature, digest, where)
    return { keyId: signature.keyId, publicKey: signature.publicKey, name: trusted ? key.name : null, trusted, signature: signature.signature, verifiedAt: new Date().toISOString() }
  }
}

/**
 * Adds a package under the policy: what the upload route and `ferry serve --deploy` both do.
 * @example await addSignedPackage(deployer, policy, 'echo-1.0.0.zip', await readSignatureFile('echo-1.0.0.zip.sig'))
 */
export async function addSignedPackage(deployer: Deployer, policy: SigningPolicy, source: string | Readable, signature: PackageSignature | undefined, options: { where?: string; maxBytes?: number; label?: string } = {}): Promise<PackageRecord & { created: boolean }> {
  const { where = 'the signature', ...rest } = options
  const checkSignature = await prepareSignatureCheck(policy, signature, where)
  return deployer.addPackage(source, { ...rest, checkSignature })
}
