/**
 * A package signature: an Ed25519 signature over a domain-separated message holding the package's
 * digest (the sha256 of its zip, its identity), kept beside the zip as `<zip>.sig` because it
 * cannot live inside the bytes it signs. The file is a small JSON document:
 * `{format, algorithm, keyId, publicKey, digest: "sha256:<hex>", signature}`. It carries the
 * public key so a signature can be checked even when its key is not trusted; trust is decided by
 * the key id and key the verifier already holds.
 */
import { sign, verify } from 'node:crypto'
import { createPackagerError } from '../errors.js'
import { computeKeyId, toPublicKeyObject, type SigningKey } from './signing-key.js'

export const SIGNATURE_FORMAT = 'ferry-signature-v1'

/** What is signed: never a bare digest, so a signature made for anything else cannot pass as one. */
const DOMAIN = 'ferry package signature v1\0'

export interface PackageSignature {
  format: typeof SIGNATURE_FORMAT
  algorithm: 'ed25519'
  keyId: string
  /** The signer's raw public key, base64. */
  publicKey: string
  /** `sha256:<hex>` of the zip. */
  digest: string
  /** base64 of the 64-byte signature. */
  signature: string
}

function message(digest: string): Buffer {
  return Buffer.from(`${DOMAIN}sha256:${digest}`, 'utf8')
}

/**
 * Signs a package digest (64 hex digits).
 * @example const sig = signDigest(key, 'b1946ac9…'); JSON.stringify(sig)
 */
export function signDigest(key: SigningKey, digest: string): PackageSignature {
  return {
    format: SIGNATURE_FORMAT, algorithm: 'ed25519', keyId: key.keyId, publicKey: key.publicKey,
    digest: `sha256:${digest}`, signature: sign(null, message(digest), key.privateKey).toString('base64'),
  }
}

/** The file's text: pretty JSON and a final newline. */
export function serializeSignature(signature: PackageSignature): string {
  return `${JSON.stringify(signature, null, 2)}\n`
}

/**
 * Reads a signature document; throws E_SIGNATURE_INVALID naming `where` and the field at fault.
 * A key id that is not the public key's is refused here: it would make the signer look like another.
 */
export function parseSignature(text: string, where = 'the signature'): PackageSignature {
  const invalid = (why: string, field?: string) => createPackagerError('E_SIGNATURE_INVALID', `${where} is not a Ferry package signature: ${why}`, { path: where, details: field ? { field } : {} })
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw invalid('it is not JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('it is not a JSON object')
  const doc = value as Record<string, unknown>
  const known = new Set(['format', 'algorithm', 'keyId', 'publicKey', 'digest', 'signature'])
  for (const field of Object.keys(doc)) if (!known.has(field)) throw invalid(`unknown field "${field}"`, field)
  if (doc['format'] !== SIGNATURE_FORMAT) throw invalid(`format must be "${SIGNATURE_FORMAT}"`, 'format')
  if (doc['algorithm'] !== 'ed25519') throw invalid('algorithm must be "ed25519"', 'algorithm')
  const publicKey = doc['publicKey']
  if (typeof publicKey !== 'string' || !/^[A-Za-z0-9+/]{43}=$/.test(publicKey)) throw invalid('publicKey must be the base64 of 32 bytes', 'publicKey')
  if (typeof doc['keyId'] !== 'string' || doc['keyId'] !== computeKeyId(publicKey)) throw invalid('keyId is not the id of publicKey', 'keyId')
  if (typeof doc['digest'] !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(doc['digest'])) throw invalid('digest must be "sha256:" and 64 hex digits', 'digest')
  const signature = doc['signature']
  if (typeof signature !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(signature)) throw invalid('signature must be the base64 of 64 bytes', 'signature')
  try {
    toPublicKeyObject(publicKey)
  } catch {
    throw invalid('publicKey is not an Ed25519 key', 'publicKey')
  }
  return doc as unknown as PackageSignature
}

/**
 * Checks that `signature` signs the package with `digest`; throws E_SIGNATURE_MISMATCH saying
 * whether it was made for other content (the zip changed) or does not verify (it was altered).
 */
export function verifySignature(signature: PackageSignature, digest: string, where = 'the signature'): void {
  if (signature.digest !== `sha256:${digest}`) {
    throw createPackagerError('E_SIGNATURE_MISMATCH', `${where} was made for another package (${signature.digest.slice(0, 19)}…), not this one (sha256:${digest.slice(0, 12)}…): the zip changed after it was signed`, { path: where, details: { reason: 'digest', signed: signature.digest, actual: `sha256:${digest}`, keyId: signature.keyId } })
  }
  const ok = verify(null, message(digest), toPublicKeyObject(signature.publicKey), Buffer.from(signature.signature, 'base64'))
  if (!ok) throw createPackagerError('E_SIGNATURE_MISMATCH', `${where} does not verify with key ${signature.keyId}: it was altered, or not made with that key`, { path: where, details: { reason: 'signature', keyId: signature.keyId } })
}
