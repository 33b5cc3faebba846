/**
 * The newest-first listing both tracking tables offer: each given filter becomes one `AND`ed
 * condition with its bound values; absent filters are left out.
 */
import type Database from 'better-sqlite3'

/** A condition with `?` placeholders and its values; `undefined` (or '') as the first value drops it. */
export type SqlCondition = [sql: string, ...values: unknown[]]

/** @example selectNewest(db, 'requests', [['model = ?', 'ocr'], ['time >= ?', undefined]], 100) */
export function selectNewest(db: Database.Database, table: string, conditions: SqlCondition[], limit: number): unknown[] {
  const kept = conditions.filter(([, first]) => first !== undefined && first !== '')
  const where = kept.length ? `WHERE ${kept.map(([sql]) => sql).join(' AND ')}` : ''
  return db.prepare(`SELECT * FROM ${table} ${where} ORDER BY id DESC LIMIT ?`).all(...kept.flatMap(([, ...values]) => values), limit)
}
