/**
 * The server's trusted public keys: one file per key in `<data>/trusted-keys/`, named
 * `<keyId>.pub` and holding the key's line as `ferry keygen` prints it
 * (`ferry-ed25519 <base64> <name>`). The folder is 0700 and the files 0600. Read from disk on each
 * call, so a key copied into the folder by hand counts at the next upload, and nothing needs a
 * network: trust is what this folder holds.
 */
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { formatPublicKey, KEY_NAME, parsePublicKey, type PublicKeyInfo } from '../../packager/signing/index.js'
import { createGatewayError } from '../errors.js'

export interface TrustedKey {
  keyId: string
  name: string
  /** The raw Ed25519 public key, base64. */
  publicKey: string
  /** The whole line, as `ferry trust add` takes it. */
  line: string
  addedAt: string
}

export interface TrustedKeyStore {
  readonly dir: string
  /** Sorted by name, then key id. */
  list(): Promise<TrustedKey[]>
  get(keyId: string): Promise<TrustedKey | undefined>
  /** Trusts a public key line, named `name` (else the line's name, else its key id); the same key again renames it. */
  add(line: string, name?: string): Promise<{ key: TrustedKey; created: boolean }>
  /** 404 `E_TRUSTED_KEY_NOT_FOUND` when no such key is trusted. */
  remove(keyId: string): Promise<TrustedKey>
}

const KEY_ID = /^[0-9a-f]{16}$/

/**
 * The trusted keys of a data directory.
 * @example const keys = openTrustedKeys('/data'); await keys.add('ferry-ed25519 lL0m…= alice')
 */
export function openTrustedKeys(dataDir: string): TrustedKeyStore {
  const dir = join(dataDir, 'trusted-keys')

  async function readKey(file: string): Promise<TrustedKey | undefined> {
    try {
      const path = join(dir, file)
      const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)])
      const key: PublicKeyInfo = parsePublicKey(text, path)
      const name = key.name ?? key.keyId
      return { keyId: key.keyId, name, publicKey: key.publicKey, line: formatPublicKey({ publicKey: key.publicKey, name }), addedAt: info.mtime.toISOString() }
    } catch {
      return undefined // not a key file (or removed meanwhile): it trusts nothing
    }
  }

  async function list(): Promise<TrustedKey[]> {
    const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.pub')).sort()
    const keys = new Map<string, TrustedKey>()
    const read = await Promise.all(files.map(readKey))
    // Two files holding one key (one copied in by hand): the one named by its key id (what `add` writes) wins, else the first by name.
    read.forEach((key, i) => { if (key && (!keys.has(key.keyId) || files[i] === `${key.keyId}.pub`)) keys.set(key.keyId, key) })
    return [...keys.values()].sort((a, b) => a.name.localeCompare(b.name) || a.keyId.localeCompare(b.keyId))
  }

  return {
    dir,
    list,
    async get(keyId) {
      return (await list()).find((k) => k.keyId === keyId)
    },
    async add(line, name) {
      const key = parsePublicKey(line, '/publicKey')
      if (name !== undefined && !KEY_NAME.test(name)) throw createGatewayError('E_BODY_INVALID', `a key name is 1 to 64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit, not "${name}"`, { path: '/name', details: { field: 'name' } })
      const chosen = name ?? key.name ?? key.keyId
      const existing = (await list()).find((k) => k.keyId === key.keyId)
      if (existing && existing.name === chosen) return { key: existing, created: false }
      await mkdir(dir, { recursive: true, mode: 0o700 })
      await chmod(dir, 0o700)
      const path = join(dir, `${key.keyId}.pub`)
      const temp = join(dir, `.${key.keyId}.${randomBytes(4).toString('hex')}.partial`)
      try {
        await writeFile(temp, `${formatPublicKey({ publicKey: key.publicKey, name: chosen })}\n`, { mode: 0o600 })
        await rename(temp, path)
      } finally {
        await rm(temp, { force: true })
      }
      // A hand-copied file under another name holds the same key: one file per key from now on.
      for (const file of (await readdir(dir)).filter((f) => f.endsWith('.pub') && f !== `${key.keyId}.pub`)) {
        if ((await readKey(file))?.keyId === key.keyId) await rm(join(dir, file), { force: true })
      }
      return { key: (await readKey(`${key.keyId}.pub`))!, created: !existing }
    },
    async remove(keyId) {
      const key = KEY_ID.test(keyId) ? (await list()).find((k) => k.keyId === keyId) : undefined
      if (!key) throw createGatewayError('E_TRUSTED_KEY_NOT_FOUND', `no trusted key ${keyId}`, { details: { keyId, trusted: (await list()).map((k) => k.keyId) } })
      for (const file of (await readdir(dir)).filter((f) => f.endsWith('.pub'))) {
        if ((await readKey(file))?.keyId === keyId) await rm(join(dir, file), { force: true })
      }
      return key
    },
  }
}
