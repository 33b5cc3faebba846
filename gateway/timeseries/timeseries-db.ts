/**
 * The time series' own database, `<data dir>/timeseries.db`: one row per model@version per
 * sample (the last hour) and per minute (the last day), and the markers drawn on the time axis.
 * Kept apart from state.db and tracking.db so a sample never waits on a deploy or a run. Nobody
 * was promised these writes, so commits are not synced (synchronous=NORMAL; WAL keeps the file
 * whole through a crash).
 */
import type Database from 'better-sqlite3'
import { join } from 'node:path'
import { openSqliteDatabase } from '../../deployer/index.js'

export const TIMESERIES_DB_FILE = 'timeseries.db'

/** Schema migrations, oldest first; append only. */
export const TIMESERIES_MIGRATIONS: readonly string[] = Object.freeze([
  // 1: samples (resolution 0: one per sample; 60000: one per minute) and markers
  `
  CREATE TABLE samples (
    resolution     INTEGER NOT NULL,
    t              INTEGER NOT NULL,
    model          TEXT NOT NULL,
    version        TEXT NOT NULL,
    seconds        REAL NOT NULL CHECK (seconds > 0),
    requests       INTEGER NOT NULL,
    errors         INTEGER NOT NULL,
    client_errors  INTEGER NOT NULL,
    buckets        TEXT NOT NULL,
    p50            REAL,
    p95            REAL,
    p99            REAL,
    replicas       INTEGER NOT NULL,
    weight         REAL,
    PRIMARY KEY (resolution, model, t, version)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX samples_by_time ON samples (resolution, t);

  CREATE TABLE markers (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    t        INTEGER NOT NULL,
    model    TEXT NOT NULL,
    version  TEXT NOT NULL,
    kind     TEXT NOT NULL,
    detail   TEXT NOT NULL
  ) STRICT;
  CREATE INDEX markers_by_model ON markers (model, t);
  CREATE INDEX markers_by_time ON markers (t);
  `,
])

/** @example const db = openTimeseriesDatabase('/data') */
export function openTimeseriesDatabase(dataDir: string): Database.Database {
  return openSqliteDatabase(join(dataDir, TIMESERIES_DB_FILE), TIMESERIES_MIGRATIONS, { synchronous: 'NORMAL' })
}
