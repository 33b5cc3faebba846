/**
 * Who may do what: named tokens with roles, console sessions with CSRF protection, the audit
 * trail, and TLS for `ferry serve`. `openAuth` opens what the gateway needs from the data
 * directory (auth.db).
 */
import type Database from 'better-sqlite3'
import { openAuthDatabase } from './_auth-db.js'
import { AuditTrail } from './audit-trail.js'
import { SessionStore } from './session.js'
import { TokenStore } from './token-store.js'

export { createAuditMiddleware } from './audit-middleware.js'
export { AuditTrail, type AuditEntry } from './audit-trail.js'
export { createAuthMiddleware, type AuthEnv, type AuthParts } from './authenticate.js'
export { createAuthRoutes } from './auth-routes.js'
export { requiredRole, roleAllows, ROLES, ROUTE_ROLES, type Role } from './roles.js'
export { SessionStore, SESSION_COOKIE, CSRF_HEADER } from './session.js'
export { createStreamCutoff } from './stream-cutoff.js'
export { TokenStore, type TokenInfo, type Principal } from './token-store.js'
export { loadTlsPair, type TlsPair } from './tls.js'

export interface OpenedAuth {
  db: Database.Database
  tokens: TokenStore
  audit: AuditTrail
  sessions: SessionStore
}

/** @example const auth = openAuth('/data', { sessionTtlMs: 12 * 3600_000 }) */
export function openAuth(dataDir: string, options: { sessionTtlMs: number }): OpenedAuth {
  const db = openAuthDatabase(dataDir)
  return { db, tokens: new TokenStore(db), audit: new AuditTrail(db), sessions: new SessionStore(options.sessionTtlMs) }
}
