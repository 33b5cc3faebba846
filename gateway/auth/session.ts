/**
 * Console sessions: the console posts its token once (POST /api/session) and gets an HttpOnly,
 * SameSite=Strict cookie scoped to /api (Secure under TLS), so no script, the console's included,
 * ever reads a credential. Each session has a CSRF token the console holds in memory and sends as
 * `X-Ferry-CSRF` on writes (double submit). Sessions live in memory: they expire after the TTL,
 * end with their token's revocation, and a server restart signs everyone out.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Principal } from './token-store.js'

export const SESSION_COOKIE = 'ferry_session'
export const CSRF_HEADER = 'x-ferry-csrf'
/** The cookie is sent only with /api requests, never to /models/ or the console's files. */
export const SESSION_PATH = '/api'

export interface Session {
  principal: Principal
  csrf: string
  createdAt: number
  expiresAt: number
}

const digest = (value: string) => createHash('sha256').update(value).digest('hex')

export class SessionStore {
  /** By the sha256 of the cookie's value: a memory dump does not hold usable cookies. */
  readonly #sessions = new Map<string, Session>()
  readonly #ttlMs: number

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs
  }

  get ttlMs(): number { return this.#ttlMs }

  /** Opens a session for `principal`; returns the cookie value (the secret) and the session. */
  open(principal: Principal): { id: string; session: Session } {
    this.#sweep()
    const id = randomBytes(32).toString('base64url')
    const now = Date.now()
    const session = { principal, csrf: randomBytes(24).toString('base64url'), createdAt: now, expiresAt: now + this.#ttlMs }
    this.#sessions.set(digest(id), session)
    return { id, session }
  }

  /** The live session for a cookie value, else undefined (expired ones are dropped). */
  find(id: string | undefined): Session | undefined {
    if (!id) return undefined
    const key = digest(id)
    const session = this.#sessions.get(key)
    if (session && session.expiresAt <= Date.now()) {
      this.#sessions.delete(key)
      return undefined
    }
    return session
  }

  /** Whether a session found earlier is still open and unexpired. */
  isLive(session: Session): boolean {
    if (session.expiresAt <= Date.now()) return false
    for (const s of this.#sessions.values()) if (s === session) return true
    return false
  }

  close(id: string | undefined): void {
    if (id) this.#sessions.delete(digest(id))
  }

  /** Ends every session of a token (on revocation). */
  closeForToken(tokenId: string): void {
    for (const [key, s] of this.#sessions) if (s.principal.tokenId === tokenId) this.#sessions.delete(key)
  }

  #sweep(): void {
    const now = Date.now()
    for (const [key, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(key)
  }
}

/** Constant-time comparison of the CSRF header with the session's token. */
export function csrfMatches(session: Session, header: string | undefined): boolean {
  if (!header) return false
  const a = Buffer.from(digest(header), 'hex')
  const b = Buffer.from(digest(session.csrf), 'hex')
  return timingSafeEqual(a, b)
}
