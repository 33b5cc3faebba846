/**
 * The admin token that guards /api: taken from FERRY_TOKEN, or generated on first start and kept in
 * `<data dir>/token` with mode 0600. Compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const TOKEN_FILE = 'token'

/** The token and where it came from, e.g. `{ token: 'fy_…', source: '/data/token' }`. */
export async function loadAdminToken(dataDir: string, given: string | undefined): Promise<{ token: string; source: string }> {
  if (given !== undefined) return { token: given, source: 'FERRY_TOKEN' }
  const path = join(dataDir, TOKEN_FILE)
  const existing = await readFile(path, 'utf8').then((t) => t.trim(), () => undefined)
  if (existing) {
    await chmod(path, 0o600)
    return { token: existing, source: path }
  }
  await mkdir(dataDir, { recursive: true })
  const token = `fy_${randomBytes(24).toString('base64url')}`
  await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error
  })
  return { token: (await readFile(path, 'utf8')).trim(), source: path }
}

const digest = (value: string) => createHash('sha256').update(value).digest()

/** The sha256 (hex) a token is kept as, e.g. for a model's inference token. */
export function hashToken(token: string): string {
  return digest(token).toString('hex')
}

/** Constant-time check of an `Authorization: Bearer …` header against a token's sha256 (hex). */
export function isAuthorizedByHash(header: string | undefined, tokenHash: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')
  // Comparing hashes makes both sides the same length, so timingSafeEqual never leaks the length.
  return match !== null && timingSafeEqual(digest(match[1]!), Buffer.from(tokenHash, 'hex'))
}

/** Constant-time check of an `Authorization` header against the admin token. */
export function isAuthorized(header: string | undefined, token: string): boolean {
  return isAuthorizedByHash(header, hashToken(token))
}
