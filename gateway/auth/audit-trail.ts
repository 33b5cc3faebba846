/**
 * The audit trail: one row per management action (every non-GET under /api) and per refusal
 * (401/403 of any method), appended to auth.db and synced before the answer leaves (FULL), so it
 * survives SIGKILL. Nothing updates or deletes a row (the table's triggers refuse it).
 */
import type Database from 'better-sqlite3'
import { selectNewest } from '../_sql-filter.js'

export interface AuditEntry {
  id: number
  time: string
  /** The token's name (null when none was accepted). */
  token: string | null
  role: string | null
  /** Method and route pattern, e.g. `POST /api/instances/:ref/stop`. */
  action: string
  path: string
  /** What the action was on, e.g. `echo@1.0.0` (the route's parameters, or what the route names). */
  target: string | null
  status: number
  code: string | null
  requestId: string
  client: string | null
}

export type AuditRecord = Omit<AuditEntry, 'id' | 'action'> & { method: string; route: string }

/** `before`: an entry id, for the page after the one that ended with it. `outcome`: `ok` (2xx/3xx), `refused` (401/403), `failed` (other 4xx/5xx), or one status code. */
export interface AuditQuery { since?: string | undefined; until?: string | undefined; token?: string | undefined; action?: string | undefined; outcome?: string | undefined; before?: number | undefined; limit: number }

interface Row { id: number; time: string; token_name: string | null; role: string | null; method: string; route: string; path: string; target: string | null; status: number; code: string | null; request_id: string; client: string | null }

export class AuditTrail {
  readonly #db: Database.Database
  readonly #insert: Database.Statement

  constructor(db: Database.Database) {
    this.#db = db
    this.#insert = db.prepare('INSERT INTO audit (time, token_name, role, method, route, path, target, status, code, request_id, client) VALUES (@time, @token, @role, @method, @route, @path, @target, @status, @code, @requestId, @client)')
  }

  /** Appends one entry; returns its id. */
  append(record: AuditRecord): number {
    return Number(this.#insert.run(record).lastInsertRowid)
  }

  /** Entries newest first, filtered (all filters ANDed). */
  list(query: AuditQuery): AuditEntry[] {
    const outcome = query.outcome
    const [method, ...routeParts] = (query.action ?? '').split(' ')
    const rows = selectNewest(this.#db, 'audit', [
      ['time >= ?', query.since],
      ['time <= ?', query.until],
      ['id < ?', query.before],
      ['token_name = ?', query.token],
      ['method = ?', query.action ? method!.toUpperCase() : undefined],
      ['route = ?', routeParts.length ? routeParts.join(' ') : undefined],
      ['status IN (401, 403) AND ? IS NOT NULL', outcome === 'refused' ? 1 : undefined],
      ['status < 400 AND ? IS NOT NULL', outcome === 'ok' ? 1 : undefined],
      ['status >= 400 AND status NOT IN (401, 403) AND ? IS NOT NULL', outcome === 'failed' ? 1 : undefined],
      ['status = ?', outcome !== undefined && /^\d{3}$/.test(outcome) ? Number(outcome) : undefined],
    ], query.limit) as Row[]
    return rows.map((r) => ({ id: r.id, time: r.time, token: r.token_name, role: r.role, action: `${r.method} ${r.route}`, path: r.path, target: r.target, status: r.status, code: r.code, requestId: r.request_id, client: r.client }))
  }
}
