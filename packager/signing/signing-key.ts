/**
 * Ed25519 signing keys (node:crypto), offline like minisign or signify. A private key is a PKCS#8
 * PEM file kept 0600; a public key prints as one line, `ferry-ed25519 <base64 of its 32 bytes> <name>`,
 * and is known by its key id: the first 16 hex digits of the sha256 of those 32 bytes.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createPackagerError } from '../errors.js'

/** The first word of a public key line. */
export const PUBLIC_KEY_PREFIX = 'ferry-ed25519'

/** A key name: what `ferry keygen --name` and `ferry trust add --name` accept. */
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/

export interface PublicKeyInfo {
  keyId: string
  /** The raw 32-byte Ed25519 public key, base64. */
  publicKey: string
  /** The name on the key line, when it has one. */
  name: string | undefined
}

export interface SigningKey extends PublicKeyInfo {
  privateKey: KeyObject
}

/** The key id of a raw public key (base64): 16 hex digits of its sha256. */
export function computeKeyId(publicKey: string): string {
  return createHash('sha256').update(Buffer.from(publicKey, 'base64')).digest('hex').slice(0, 16)
}

function rawPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' })
  return Buffer.from(jwk.x!, 'base64url').toString('base64')
}

/** The public key of a raw base64 value, as node:crypto wants it for verifying. */
export function toPublicKeyObject(publicKey: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey, 'base64').toString('base64url') }, format: 'jwk' })
}

/** The one-line text form of a public key. */
export function formatPublicKey(key: { publicKey: string; name?: string | undefined }): string {
  return `${PUBLIC_KEY_PREFIX} ${key.publicKey}${key.name ? ` ${key.name}` : ''}`
}

/**
 * Reads a public key line (`ferry-ed25519 <base64> [name]`); throws E_KEY_INVALID naming `where`.
 * @example parsePublicKey('ferry-ed25519 lL0m…= alice') // { keyId: '3f9a…', publicKey: 'lL0m…=', name: 'alice' }
 */
export function parsePublicKey(text: string, where = 'the public key'): PublicKeyInfo {
  const words = text.trim().split(/\s+/)
  const [prefix, value, name, ...rest] = words
  const raw = value && /^[A-Za-z0-9+/]{43}=$/.test(value) ? Buffer.from(value, 'base64') : undefined
  if (prefix !== PUBLIC_KEY_PREFIX || !raw || raw.length !== 32 || rest.length > 0 || (name !== undefined && !KEY_NAME.test(name))) {
    throw createPackagerError('E_KEY_INVALID', `${where} is not a Ferry public key: expected one line "${PUBLIC_KEY_PREFIX} <base64 of 32 bytes> [name]"`, { path: where })
  }
  try {
    toPublicKeyObject(value!)
  } catch (error) {
    throw createPackagerError('E_KEY_INVALID', `${where} is not a valid Ed25519 public key`, { path: where, cause: error })
  }
  return { keyId: computeKeyId(value!), publicKey: value!, name }
}

/** A new key pair: the private key as PKCS#8 PEM and its public key. */
export function generateSigningKey(name?: string): { privatePem: string; key: SigningKey } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const raw = rawPublicKey(publicKey)
  return { privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, key: { privateKey, publicKey: raw, keyId: computeKeyId(raw), name } }
}

/**
 * Reads a private key file written by `ferry keygen` (any Ed25519 PKCS#8 PEM will do).
 * @example const key = await readSigningKey('~/.config/ferry/keys/ferry.key'); key.keyId // '3f9a…'
 */
export async function readSigningKey(path: string): Promise<SigningKey> {
  let pem: string
  try {
    pem = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw createPackagerError('E_KEY_NOT_FOUND', `the signing key "${path}" does not exist`, { path, cause: error })
    throw createPackagerError('E_KEY_INVALID', `the signing key "${path}" cannot be read: ${(error as Error).message}`, { path, cause: error })
  }
  let privateKey: KeyObject
  try {
    privateKey = createPrivateKey(pem)
  } catch (error) {
    throw createPackagerError('E_KEY_INVALID', `"${path}" is not a private key (a public key? give the .key file \`ferry keygen\` wrote)`, { path, cause: error })
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw createPackagerError('E_KEY_INVALID', `"${path}" is an ${privateKey.asymmetricKeyType} key; Ferry signs with Ed25519 (\`ferry keygen\`)`, { path })
  const raw = rawPublicKey(createPublicKey(privateKey))
  return { privateKey, publicKey: raw, keyId: computeKeyId(raw), name: undefined }
}
