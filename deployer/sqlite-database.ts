/**
 * Opens a SQLite file the way every Ferry database is opened: WAL, synchronous=FULL (an
 * acknowledged write survives a crash, even of the machine; NORMAL only for data nobody was promised), foreign keys on, a busy timeout, and the schema migrated
 * to the given list (see _migrations.ts). A damaged file is a FerryError, E_STATE_DB_INVALID.
 */
import Database from 'better-sqlite3'
import { migrateDatabase } from './_migrations.js'
import { createDeployerError } from './errors.js'

/** @example const db = openSqliteDatabase('/data/state.db', MIGRATIONS) */
export function openSqliteDatabase(file: string, migrations: readonly string[], options: { synchronous?: 'FULL' | 'NORMAL' } = {}): Database.Database {
  const db = new Database(file)
  try {
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`)
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    migrateDatabase(db, file, migrations)
    return db
  } catch (error) {
    db.close()
    const code = (error as { code?: unknown }).code
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw createDeployerError('E_STATE_DB_INVALID', `${file} is not a readable SQLite database (${(error as Error).message})`, { path: file, cause: error })
    }
    throw error
  }
}
