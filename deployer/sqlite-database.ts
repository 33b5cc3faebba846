/**
 * Opens a SQLite file the way every Ferry database is opened: WAL, synchronous=FULL (an
 * acknowledged write survives a crash, even of the machine; NORMAL only for data nobody was
 * promised), foreign keys on, a busy timeout, and the schema migrated to the given list (see
 * _migrations.ts).
 *
 * A database is created whole or not at all: a new one is built under a temporary name, migrated,
 * checkpointed and only then renamed into place. So a file at the real name is always a database
 * that was once complete, and one that is not (empty, truncated, overwritten) is refused with
 * E_STATE_DB_INVALID instead of being silently started afresh: SQLite would take a zero-byte file
 * for a new, empty database and the server would come up with no versions at all.
 */
import { chmodSync, closeSync, existsSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs'
import Database from 'better-sqlite3'
import { migrateDatabase } from './_migrations.js'
import { createDeployerError } from './errors.js'

const HEADER = Buffer.from('SQLite format 3\0', 'latin1')
const EMPTY = 'it is empty (0 bytes)'

/** Why `file` is not a SQLite database, or undefined when its header says it is. */
function checkHeader(file: string): string | undefined {
  const fd = openSync(file, 'r')
  try {
    const head = Buffer.alloc(100)
    const read = readSync(fd, head, 0, head.length, 0)
    if (read === 0) return EMPTY
    if (read < head.length || !head.subarray(0, HEADER.length).equals(HEADER)) return `it does not start with a SQLite header (${read < head.length ? `only ${read} bytes` : 'other content'})`
    return undefined
  } finally {
    closeSync(fd)
  }
}

function configure(db: Database.Database, file: string, migrations: readonly string[], synchronous: 'FULL' | 'NORMAL'): void {
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${synchronous}`)
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  migrateDatabase(db, file, migrations)
}

/** Builds a new database at `file` through a temporary name, so a crash leaves no half-made one. */
function createDatabase(file: string, migrations: readonly string[], synchronous: 'FULL' | 'NORMAL'): void {
  const temp = `${file}.new`
  for (const suffix of ['', '-wal', '-shm']) rmSync(temp + suffix, { force: true })
  const db = new Database(temp)
  try {
    configure(db, file, migrations, synchronous)
    db.pragma('wal_checkpoint(TRUNCATE)')
  } finally {
    db.close()
  }
  chmodSync(temp, 0o600)
  renameSync(temp, file)
}

function invalid(file: string, why: string, cause?: unknown): never {
  throw createDeployerError('E_STATE_DB_INVALID', `${file} is not a readable SQLite database: ${why}`, { path: file, ...(cause === undefined ? {} : { cause }) })
}

/** @example const db = openSqliteDatabase('/data/state.db', MIGRATIONS) */
export function openSqliteDatabase(file: string, migrations: readonly string[], options: { synchronous?: 'FULL' | 'NORMAL' } = {}): Database.Database {
  const synchronous = options.synchronous ?? 'FULL'
  if (!existsSync(file)) createDatabase(file, migrations, synchronous)
  const problem = checkHeader(file)
  // A database made by an older Ferry and killed before its first checkpoint: everything is in the WAL.
  const inWal = problem === EMPTY && statSync(`${file}-wal`, { throwIfNoEntry: false })?.size
  if (problem && !inWal) invalid(file, `${problem}; it was damaged or replaced`)
  const db = new Database(file)
  try {
    configure(db, file, migrations, synchronous)
    return db
  } catch (error) {
    db.close()
    const code = (error as { code?: unknown }).code
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') invalid(file, (error as Error).message, error)
    throw error
  }
}
