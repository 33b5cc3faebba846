/**
 * Tracking tokens: what each instance gets as FERRY_TRACKING_TOKEN so it can record its own runs
 * and nothing else. A token names its model@version and carries an HMAC of it under a key kept in
 * `<data dir>/tracking.key` (0600), so it needs no table, survives restarts, and cannot be forged
 * for another version. Verified in constant time.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const TRACKING_KEY_FILE = 'tracking.key'
const PREFIX = 'ftr_'

export interface TrackingScope { model: string; version: string }

export interface TrackingTokens {
  /** The token an instance of `model@version` is started with. */
  issue(scope: TrackingScope): string
  /** The scope of a valid `Authorization: Bearer ftr_…` header, else undefined. */
  verify(header: string | undefined): TrackingScope | undefined
}

async function loadKey(dataDir: string): Promise<Buffer> {
  const path = join(dataDir, TRACKING_KEY_FILE)
  await mkdir(dataDir, { recursive: true })
  await writeFile(path, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error
  })
  return Buffer.from((await readFile(path, 'utf8')).trim(), 'base64url')
}

/** @example const tokens = await loadTrackingTokens('/data'); tokens.verify(`Bearer ${tokens.issue({ model: 'ocr', version: '1.0.0' })}`) */
export async function loadTrackingTokens(dataDir: string): Promise<TrackingTokens> {
  const key = await loadKey(dataDir)
  const sign = (ref: string) => createHmac('sha256', key).update(ref).digest()
  return {
    issue({ model, version }) {
      const ref = `${model}@${version}`
      return `${PREFIX}${Buffer.from(ref).toString('base64url')}.${sign(ref).toString('base64url')}`
    },
    verify(header) {
      const match = /^Bearer\s+ftr_([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\s*$/i.exec(header ?? '')
      if (!match) return undefined
      const ref = Buffer.from(match[1]!, 'base64url').toString()
      const given = Buffer.from(match[2]!, 'base64url')
      const expected = sign(ref)
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
      const at = ref.lastIndexOf('@')
      return at > 0 ? { model: ref.slice(0, at), version: ref.slice(at + 1) } : undefined
    },
  }
}
