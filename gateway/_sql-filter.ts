/**
 * The newest-first listing both tracking tables offer: each given filter becomes one `AND`ed
 * condition with its bound values; absent filters are left out.
 */
import type Database from 'better-sqlite3'

/** A condition with `?` placeholders and its values; `undefined` (or '') as the first value drops it. */
export type SqlCondition = [sql: string, ...values: unknown[]]

function whereOf(conditions: SqlCondition[]): { where: string; values: unknown[] } {
  const kept = conditions.filter(([, first]) => first !== undefined && first !== '')
  return { where: kept.length ? `WHERE ${kept.map(([sql]) => sql).join(' AND ')}` : '', values: kept.flatMap(([, ...values]) => values) }
}

/** @example selectNewest(db, 'requests', [['model = ?', 'ocr'], ['time >= ?', undefined]], 100) */
export function selectNewest(db: Database.Database, table: string, conditions: SqlCondition[], limit: number): unknown[] {
  const { where, values } = whereOf(conditions)
  return db.prepare(`SELECT * FROM ${table} ${where} ORDER BY id DESC LIMIT ?`).all(...values, limit)
}

/** How many rows match (the same conditions as selectNewest). */
export function countMatching(db: Database.Database, table: string, conditions: SqlCondition[]): number {
  const { where, values } = whereOf(conditions)
  return (db.prepare(`SELECT COUNT(*) AS n FROM ${table} ${where}`).get(...values) as { n: number }).n
}
