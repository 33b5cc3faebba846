/**
 * `<data dir>/auth.db`: named tokens (only their sha256) and the audit trail. Its own file, so
 * the trail's fsyncs never contend with deploys or inference history. WAL and synchronous=FULL:
 * an acknowledged token or audit row survives SIGKILL. The audit table refuses UPDATE and DELETE.
 */
import type Database from 'better-sqlite3'
import { join } from 'node:path'
import { openSqliteDatabase } from '../../deployer/index.js'

export const AUTH_DB_FILE = 'auth.db'

/** Schema migrations, oldest first; append only. */
export const AUTH_MIGRATIONS: readonly string[] = Object.freeze([
  // 1: tokens and the audit trail
  `
  CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'deployer', 'viewer', 'inference')),
    model       TEXT,
    hash        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    created_by  TEXT,
    revoked_at  TEXT
  ) STRICT;
  CREATE UNIQUE INDEX tokens_active_name ON tokens (name) WHERE revoked_at IS NULL;

  CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    time        TEXT NOT NULL,
    token_name  TEXT,
    role        TEXT,
    method      TEXT NOT NULL,
    route       TEXT NOT NULL,
    path        TEXT NOT NULL,
    target      TEXT,
    status      INTEGER NOT NULL,
    code        TEXT,
    request_id  TEXT NOT NULL,
    client      TEXT
  ) STRICT;
  CREATE INDEX audit_by_time ON audit (time);
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
  `,
])

/** @example const db = openAuthDatabase('/data') */
export function openAuthDatabase(dataDir: string): Database.Database {
  return openSqliteDatabase(join(dataDir, AUTH_DB_FILE), AUTH_MIGRATIONS, { synchronous: 'FULL' })
}
