/**
 * The jobs database, `<data dir>/jobs.db`: batch jobs, their inputs and every result kept so far.
 * Its own file, apart from tracking.db, so a job writing a result per input never contends with
 * the prediction history or run search. Opened like every Ferry database (created whole, WAL,
 * synchronous=FULL: a result is acknowledged only once its commit is on disk), migrations append only.
 */
import type Database from 'better-sqlite3'
import { join } from 'node:path'
import { openSqliteDatabase } from '../../deployer/index.js'

export const JOBS_DB_FILE = 'jobs.db'

/** Schema migrations, oldest first; append only. */
export const JOBS_MIGRATIONS: readonly string[] = Object.freeze([
  // 1: jobs, their inputs (JSON values, or files kept under <data dir>/jobs/<id>/), their results
  `
  CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    model        TEXT NOT NULL,
    endpoint     TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('json', 'files')),
    status       TEXT NOT NULL CHECK (status IN ('running', 'finished', 'cancelled')),
    total        INTEGER NOT NULL CHECK (total > 0),
    concurrency  INTEGER NOT NULL CHECK (concurrency > 0),
    created_at   TEXT NOT NULL,
    ended_at     TEXT,
    created_by   TEXT
  ) STRICT;
  CREATE INDEX jobs_by_status ON jobs (status, id);

  CREATE TABLE job_inputs (
    job_id        INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    idx           INTEGER NOT NULL CHECK (idx >= 0),
    body          TEXT,
    name          TEXT,
    content_type  TEXT,
    size          INTEGER NOT NULL CHECK (size >= 0),
    PRIMARY KEY (job_id, idx)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE job_results (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id       INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    idx          INTEGER NOT NULL,
    ok           INTEGER NOT NULL CHECK (ok IN (0, 1)),
    status       INTEGER,
    version      TEXT,
    output       TEXT,
    error        TEXT,
    duration_ms  REAL NOT NULL,
    finished_ms  INTEGER NOT NULL,
    UNIQUE (job_id, idx)
  ) STRICT;
  CREATE INDEX job_results_by_time ON job_results (job_id, finished_ms);
  `,
])

/** @example const db = openJobsDatabase('/data') */
export function openJobsDatabase(dataDir: string): Database.Database {
  return openSqliteDatabase(join(dataDir, JOBS_DB_FILE), JOBS_MIGRATIONS, { synchronous: 'FULL' })
}
