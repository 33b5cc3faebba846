/**
 * The console's session. Signing in posts the token once to POST /api/session, which answers
 * with an HttpOnly cookie (scripts never see it) and a CSRF token kept here, in memory only, and
 * sent on writes. A new tab asks GET /api/session for the same. Nothing credential-like is ever
 * put in localStorage or sessionStorage.
 */
import { toApiError } from './api.js'

export interface SessionInfo {
  name: string
  role: 'admin' | 'deployer' | 'viewer'
  csrf: string
  expiresAt: string
}

let current: SessionInfo | null = null

export function currentSession(): SessionInfo | null {
  return current
}

/** Forgets the session here (the server refused it). */
export function clearSession(): void {
  current = null
}

/** Asks the server whether this browser has a session (the cookie goes by itself). */
export async function loadSession(): Promise<SessionInfo | null> {
  const response = await fetch('/api/session', { cache: 'no-store' })
  current = response.ok ? ((await response.json()) as SessionInfo) : null
  return current
}

/** Signs in with a token; throws ApiError when it is refused. */
export async function signIn(token: string, remember: boolean): Promise<SessionInfo> {
  const response = await fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, remember }) })
  if (!response.ok) throw toApiError(response.status, await response.text())
  current = (await response.json()) as SessionInfo
  return current
}

/** Ends the session on the server (the cookie is cleared) and here. */
export async function signOut(): Promise<void> {
  const csrf = current?.csrf
  current = null
  await fetch('/api/session', { method: 'DELETE', headers: csrf ? { 'x-ferry-csrf': csrf } : {} }).catch(() => undefined)
}
