/**
 * The gateway's own database, `<data dir>/tracking.db`: tracked runs with their artifacts, and the
 * prediction history (one row per proxied request). Kept apart from the deployer's state.db so
 * inference traffic never contends with deploys. Same opening rules (WAL, synchronous=FULL,
 * append-only migrations).
 */
import type Database from 'better-sqlite3'
import { join } from 'node:path'
import { openSqliteDatabase } from '../deployer/index.js'

export const TRACKING_DB_FILE = 'tracking.db'

/** Schema migrations, oldest first; append only. */
export const TRACKING_MIGRATIONS: readonly string[] = Object.freeze([
  // 1: runs, their artifacts, and the prediction history
  `
  CREATE TABLE runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    model       TEXT NOT NULL,
    version     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    params      TEXT NOT NULL,
    metrics     TEXT NOT NULL,
    tags        TEXT NOT NULL,
    request_id  TEXT
  ) STRICT;
  CREATE INDEX runs_by_model ON runs (model, version, id);
  CREATE INDEX runs_by_start ON runs (started_at);

  CREATE TABLE run_artifacts (
    run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    size          INTEGER NOT NULL CHECK (size >= 0),
    content_type  TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (run_id, name)
  ) STRICT;

  CREATE TABLE requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    time            TEXT NOT NULL,
    model           TEXT NOT NULL,
    version         TEXT,
    method          TEXT NOT NULL,
    path            TEXT NOT NULL,
    status          INTEGER NOT NULL,
    duration_ms     REAL NOT NULL,
    request_bytes   INTEGER NOT NULL,
    response_bytes  INTEGER NOT NULL,
    request_id      TEXT
  ) STRICT;
  CREATE INDEX requests_by_model ON requests (model, version, id);
  `,
  // 2: full-text search over runs (gateway/search/): the values of params and tags, and the text a
  // run recorded (e.g. what OCR read), kept in step with runs by triggers.
  `
  ALTER TABLE runs ADD COLUMN text TEXT NOT NULL DEFAULT '';
  CREATE VIRTUAL TABLE runs_fts USING fts5(params, tags, text, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
  CREATE TRIGGER runs_fts_insert AFTER INSERT ON runs BEGIN
    INSERT INTO runs_fts (rowid, params, tags, text) VALUES (new.id,
      (SELECT group_concat(value, ' ') FROM json_each(new.params)), (SELECT group_concat(value, ' ') FROM json_each(new.tags)), new.text);
  END;
  CREATE TRIGGER runs_fts_update AFTER UPDATE OF params, tags, text ON runs BEGIN
    DELETE FROM runs_fts WHERE rowid = old.id;
    INSERT INTO runs_fts (rowid, params, tags, text) VALUES (new.id,
      (SELECT group_concat(value, ' ') FROM json_each(new.params)), (SELECT group_concat(value, ' ') FROM json_each(new.tags)), new.text);
  END;
  CREATE TRIGGER runs_fts_delete AFTER DELETE ON runs BEGIN
    DELETE FROM runs_fts WHERE rowid = old.id;
  END;
  INSERT INTO runs_fts (rowid, params, tags, text)
    SELECT id, (SELECT group_concat(value, ' ') FROM json_each(params)), (SELECT group_concat(value, ' ') FROM json_each(tags)), text FROM runs;
  `,
])

/**
 * Opens tracking.db. Runs are acknowledged to their sender, so their connection syncs every commit
 * (FULL); the prediction history is nobody's acknowledged write, so its own connection uses NORMAL
 * (WAL keeps it intact through a process crash; a machine crash may drop the last batch) and its
 * batches never block the event loop on an fsync.
 * @example const db = openTrackingDatabase('/data'); const history = openTrackingDatabase('/data', 'history')
 */
export function openTrackingDatabase(dataDir: string, use: 'runs' | 'history' = 'runs'): Database.Database {
  return openSqliteDatabase(join(dataDir, TRACKING_DB_FILE), TRACKING_MIGRATIONS, { synchronous: use === 'runs' ? 'FULL' : 'NORMAL' })
}
