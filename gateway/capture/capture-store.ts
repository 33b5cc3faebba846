/**
 * Body capture (off by default): per model, whether the request and response bodies of its
 * inference requests are kept, and up to how many bytes each; and the bodies kept, by request id,
 * so a failing request can be read and replayed in Try it. In its own SQLite file
 * (`<data>/captures.db`): bodies are not the prediction history, and can be dropped with it.
 * Only the newest MAX_KEPT captures are kept; settings are read once and cached. Captures are
 * queued and written in one transaction every FLUSH_MS (two statements and a commit per request
 * held the event loop on every captured request); a reader writes the queue first, so a request
 * that has finished is always found.
 */
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { openSqliteDatabase } from '../../deployer/sqlite-database.js'
import { BatchQueue } from '../_batch-queue.js'

export const CAPTURE_DB_FILE = 'captures.db'
/** The default and the largest cap per body. */
export const DEFAULT_CAPTURE_BYTES = 64 * 1024
export const MAX_CAPTURE_BYTES = 1024 * 1024
const MAX_KEPT = 2000
const FLUSH_MS = 25

const MIGRATIONS: readonly string[] = Object.freeze([`
  CREATE TABLE capture_settings (model TEXT PRIMARY KEY, max_bytes INTEGER NOT NULL) STRICT;
  CREATE TABLE captures (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id          TEXT NOT NULL UNIQUE,
    time                TEXT NOT NULL,
    model               TEXT NOT NULL,
    version             TEXT,
    method              TEXT NOT NULL,
    path                TEXT NOT NULL,
    status              INTEGER NOT NULL,
    request_type        TEXT,
    request_body        BLOB NOT NULL,
    request_bytes       INTEGER NOT NULL,
    response_type       TEXT,
    response_body       BLOB NOT NULL,
    response_bytes      INTEGER NOT NULL
  ) STRICT;
`])

export interface CaptureSettings { model: string; enabled: boolean; maxBytes: number }

export interface CapturedExchange {
  requestId: string
  time: string
  model: string
  version: string | null
  method: string
  path: string
  status: number
  request: { contentType: string | null; body: Buffer; bytes: number }
  response: { contentType: string | null; body: Buffer; bytes: number }
}

/** A capture as the API shows it: text bodies as text, others base64, and whether each was cut. */
export function viewCapture(c: CapturedExchange): Record<string, unknown> {
  const side = (s: CapturedExchange['request']) => {
    const text = /^(text\/|application\/(json|x-www-form-urlencoded|xml)|[^;]*\+json)/i.test(s.contentType ?? '')
    return { contentType: s.contentType, bytes: s.bytes, truncated: s.bytes > s.body.length, ...(text ? { text: s.body.toString('utf8') } : { base64: s.body.toString('base64') }) }
  }
  return { requestId: c.requestId, time: c.time, model: c.model, version: c.version, method: c.method, path: c.path, status: c.status, request: side(c.request), response: side(c.response) }
}

interface CaptureRow { request_id: string; time: string; model: string; version: string | null; method: string; path: string; status: number; request_type: string | null; request_body: Buffer; request_bytes: number; response_type: string | null; response_body: Buffer; response_bytes: number }

export class CaptureStore {
  private readonly limits = new Map<string, number | null>()
  private readonly db: Database.Database
  // Prepared once: the proxy saves on every captured request and asks the limit of every model.
  private readonly selectLimit: Database.Statement
  private readonly insert: Database.Statement
  private readonly trim: Database.Statement
  private readonly writeBatch: (captures: CapturedExchange[]) => void
  private readonly queue = new BatchQueue<CapturedExchange>(FLUSH_MS, (captures) => this.write(captures))

  constructor(dataDir: string) {
    this.db = openSqliteDatabase(join(dataDir, CAPTURE_DB_FILE), MIGRATIONS, { synchronous: 'NORMAL' })
    this.selectLimit = this.db.prepare('SELECT max_bytes FROM capture_settings WHERE model = ?')
    this.insert = this.db.prepare(`INSERT OR REPLACE INTO captures (request_id, time, model, version, method, path, status, request_type, request_body, request_bytes, response_type, response_body, response_bytes)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    this.trim = this.db.prepare('DELETE FROM captures WHERE id <= (SELECT MAX(id) FROM captures) - ?')
    this.writeBatch = this.db.transaction((captures: CapturedExchange[]) => {
      for (const c of captures) {
        this.insert.run(c.requestId, c.time, c.model, c.version, c.method, c.path, c.status, c.request.contentType, c.request.body, c.request.bytes, c.response.contentType, c.response.body, c.response.bytes)
      }
      this.trim.run(MAX_KEPT)
    })
  }

  /** The cap per body when `model`'s bodies are captured, undefined when not (cached: the proxy asks on every request). */
  limitFor(model: string): number | undefined {
    if (!this.limits.has(model)) {
      const row = this.selectLimit.get(model) as { max_bytes: number } | undefined
      this.limits.set(model, row?.max_bytes ?? null)
    }
    return this.limits.get(model) ?? undefined
  }

  settings(model: string): CaptureSettings {
    const limit = this.limitFor(model)
    return { model, enabled: limit !== undefined, maxBytes: limit ?? DEFAULT_CAPTURE_BYTES }
  }

  /** Turns capture on (with its cap) or off for `model`; off also forgets what was kept for it. */
  set(model: string, enabled: boolean, maxBytes = DEFAULT_CAPTURE_BYTES): CaptureSettings {
    this.flush()
    if (enabled) this.db.prepare('INSERT INTO capture_settings (model, max_bytes) VALUES (?, ?) ON CONFLICT (model) DO UPDATE SET max_bytes = excluded.max_bytes').run(model, maxBytes)
    else this.db.transaction(() => {
      this.db.prepare('DELETE FROM capture_settings WHERE model = ?').run(model)
      this.db.prepare('DELETE FROM captures WHERE model = ?').run(model)
    })()
    this.limits.delete(model)
    return this.settings(model)
  }

  /** Queues one finished exchange (written within FLUSH_MS, or before the next read). */
  save(c: CapturedExchange): void {
    this.queue.push(c)
  }

  /** Writes what is queued. */
  flush(): void {
    this.queue.flush()
  }

  private write(captures: CapturedExchange[]): void {
    try {
      this.writeBatch(captures)
    } catch {
      // One bad row must not lose the others: each is tried alone. Like the history, a capture is a
      // record nobody was promised: one that still fails is logged, never fatal.
      for (const capture of captures) {
        try {
          this.writeBatch([capture])
        } catch (error) {
          console.error(`body capture: could not keep request ${capture.requestId}: ${(error as Error).message}`)
        }
      }
    }
  }

  get(requestId: string): CapturedExchange | undefined {
    this.flush()
    const r = this.db.prepare('SELECT * FROM captures WHERE request_id = ?').get(requestId) as CaptureRow | undefined
    return r && {
      requestId: r.request_id, time: r.time, model: r.model, version: r.version, method: r.method, path: r.path, status: r.status,
      request: { contentType: r.request_type, body: r.request_body, bytes: r.request_bytes },
      response: { contentType: r.response_type, body: r.response_body, bytes: r.response_bytes },
    }
  }

  /** Which of these request ids have a capture. */
  captured(requestIds: string[]): Set<string> {
    if (requestIds.length === 0) return new Set()
    this.flush()
    const rows = this.db.prepare(`SELECT request_id FROM captures WHERE request_id IN (${requestIds.map(() => '?').join(',')})`).all(...requestIds) as Array<{ request_id: string }>
    return new Set(rows.map((r) => r.request_id))
  }

  close(): void {
    this.flush()
    this.db.close()
  }
}
