/**
 * The state database's schema, as a list of migrations: entry i takes the schema from
 * `user_version` i to i + 1. Append only, never edit an entry that has shipped; each one runs in
 * a transaction with its `user_version` bump, so a crash leaves the schema at one version or the
 * next, never between.
 *
 * JSON columns are TEXT; times are ISO 8601 TEXT; tables are STRICT, so a wrong type is refused.
 * Instance states are deliberately not a CHECK: SQLite cannot alter a CHECK without rebuilding the
 * table, and a new state should not need a migration (the InstanceState type guards them).
 */
import type Database from 'better-sqlite3'
import { createDeployerError } from './errors.js'

/** Schema migrations, oldest first; the schema version is the list's length. */
export const MIGRATIONS: readonly string[] = Object.freeze([
  // 1: the first schema
  `
  CREATE TABLE packages (
    digest      TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    version     TEXT NOT NULL,
    size        INTEGER NOT NULL CHECK (size >= 0),
    created_at  TEXT NOT NULL,
    descriptor  TEXT NOT NULL,
    manifest    TEXT NOT NULL
  ) STRICT;

  CREATE TABLE versions (
    name              TEXT NOT NULL,
    version           TEXT NOT NULL,
    digest            TEXT NOT NULL REFERENCES packages (digest) ON DELETE RESTRICT,
    replicas          INTEGER NOT NULL CHECK (replicas >= 0),
    desired           TEXT NOT NULL CHECK (desired IN ('running', 'stopped')),
    state             TEXT NOT NULL,
    state_reason      TEXT,
    state_changed_at  TEXT NOT NULL,
    tagged            INTEGER NOT NULL CHECK (tagged IN (0, 1)),
    tagged_at         TEXT,
    created_at        TEXT NOT NULL,
    PRIMARY KEY (name, version)
  ) STRICT;
  CREATE INDEX versions_by_digest ON versions (digest);

  CREATE TABLE aliases (
    name        TEXT NOT NULL,
    alias       TEXT NOT NULL,
    version     TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (name, alias),
    FOREIGN KEY (name, version) REFERENCES versions (name, version) ON DELETE CASCADE
  ) STRICT;
  CREATE INDEX aliases_by_version ON aliases (name, version);

  CREATE TABLE processes (
    name        TEXT NOT NULL,
    version     TEXT NOT NULL,
    replica     INTEGER NOT NULL,
    pid         INTEGER NOT NULL,
    port        INTEGER NOT NULL,
    token       TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    PRIMARY KEY (name, version, replica),
    FOREIGN KEY (name, version) REFERENCES versions (name, version) ON DELETE CASCADE
  ) STRICT;

  -- No foreign key: the history of a deleted version stays. AUTOINCREMENT: ids are never reused,
  -- so a reader polling with afterId never skips an event after pruning.
  CREATE TABLE events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    time     TEXT NOT NULL,
    name     TEXT NOT NULL,
    version  TEXT NOT NULL,
    replica  INTEGER,
    type     TEXT NOT NULL,
    state    TEXT,
    reason   TEXT,
    details  TEXT NOT NULL
  ) STRICT;
  CREATE INDEX events_by_version ON events (name, version, id);
  `,
  // 2: per-model inference tokens (only their sha256 is kept)
  `
  CREATE TABLE model_tokens (
    name        TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  ) STRICT;
  `,
  // 3: rollouts: one row per attempt to bring a version to traffic, with its figures as JSON
  `
  CREATE TABLE rollouts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    candidate   TEXT NOT NULL,
    stable      TEXT,
    strategy    TEXT NOT NULL,
    status      TEXT NOT NULL,
    weight      INTEGER NOT NULL CHECK (weight BETWEEN 0 AND 100),
    failures    INTEGER NOT NULL CHECK (failures >= 0),
    config      TEXT NOT NULL,
    checks      TEXT NOT NULL,
    reason      TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    ended_at    TEXT
  ) STRICT;
  CREATE INDEX rollouts_by_name ON rollouts (name, id);
  `,
  // 4: who signed each package, as checked at upload (NULL: unsigned)
  `
  ALTER TABLE packages ADD COLUMN signer_key_id TEXT;
  ALTER TABLE packages ADD COLUMN signer_public_key TEXT;
  ALTER TABLE packages ADD COLUMN signer_name TEXT;
  ALTER TABLE packages ADD COLUMN signer_trusted INTEGER CHECK (signer_trusted IN (0, 1));
  ALTER TABLE packages ADD COLUMN signature TEXT;
  ALTER TABLE packages ADD COLUMN signature_verified_at TEXT;
  `,
])

/**
 * Brings the database's schema up to date; refuses a database written by a newer Ferry.
 * @example
 * const { from, to } = migrateDatabase(db, '/data/state.db') // { from: 0, to: 1 } on a new file
 */
export function migrateDatabase(db: Database.Database, file: string, migrations: readonly string[] = MIGRATIONS): { from: number; to: number } {
  const to = migrations.length
  const readVersion = (): number => db.pragma('user_version', { simple: true }) as number
  // Read and bump inside one write transaction, so two processes opening a new file never both migrate.
  const step = db.transaction((): boolean => {
    const current = readVersion()
    if (current >= to) return false
    db.exec(migrations[current]!)
    db.pragma(`user_version = ${current + 1}`)
    return true
  })
  const from = readVersion()
  if (from > to) {
    throw createDeployerError('E_STATE_DB_NEWER', `${file} has schema version ${from}; this Ferry knows versions up to ${to}`, { path: file, details: { schemaVersion: from, knownVersion: to } })
  }
  while (step.immediate()) { /* one migration per transaction */ }
  return { from, to }
}
