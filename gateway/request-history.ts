/**
 * Prediction history: one row per proxied inference request (time, model, version, status,
 * latency, sizes, request id), kept up to a retention limit. Rows are buffered and written in one
 * transaction every `flushMs`, so the proxy's hot path costs an array push, never a disk sync; a
 * reader flushes first and so always sees every request that has finished.
 */
import type Database from 'better-sqlite3'
import type { ProxyRecord } from './proxy/model-proxy.js'
import { selectNewest, type SqlCondition } from './_sql-filter.js'

export interface RequestEntry {
  id: number
  time: string
  model: string
  version: string | null
  method: string
  path: string
  status: number
  durationMs: number
  requestBytes: number
  responseBytes: number
  requestId: string | null
}

export interface RequestFilter { model?: string; version?: string; since?: string; limit?: number }

export interface RequestHistoryOptions {
  /** Rows kept; the oldest go first (FERRY_REQUEST_HISTORY, default 100,000). */
  retain: number
  /** How long a finished request may wait in memory before it is written (default 250 ms). */
  flushMs?: number
}

/** A row in the column order of the INSERT. */
type QueuedRow = [string, string, string | null, string, string, number, number, number, number, string | null]

interface RequestRow { id: number; time: string; model: string; version: string | null; method: string; path: string; status: number; duration_ms: number; request_bytes: number; response_bytes: number; request_id: string | null }

export class RequestHistory {
  private buffer: QueuedRow[] = []
  private timer: NodeJS.Timeout | undefined
  private readonly writeBatch: (rows: QueuedRow[]) => void

  constructor(private readonly db: Database.Database, private readonly options: RequestHistoryOptions) {
    // One statement per batch: SQLite unpacks the JSON array itself, far cheaper than a call per row.
    const insert = db.prepare(`INSERT INTO requests (time, model, version, method, path, status, duration_ms, request_bytes, response_bytes, request_id)
      SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8, value ->> 9 FROM json_each(?)`)
    const prune = db.prepare('DELETE FROM requests WHERE id <= (SELECT MAX(id) FROM requests) - ?')
    this.writeBatch = db.transaction((rows: QueuedRow[]) => {
      insert.run(JSON.stringify(rows))
      prune.run(options.retain)
    })
  }

  /** Queues one finished request (`endedAt` as a Date or already as an ISO string). */
  record(record: ProxyRecord, endedAt: Date | string = new Date()): void {
    this.buffer.push([
      typeof endedAt === 'string' ? endedAt : endedAt.toISOString(), record.model, record.version, record.method, record.path, record.status,
      Math.round(record.durationMs * 1000) / 1000, record.requestBytes, record.responseBytes, record.requestId || null,
    ])
    this.timer ??= setTimeout(() => this.flush(), this.options.flushMs ?? 250).unref()
  }

  /** Writes what is queued. */
  flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.buffer.length === 0) return
    const rows = this.buffer
    this.buffer = []
    try {
      this.writeBatch(rows)
    } catch (error) {
      // The history is a record, not a promise made to anyone: a write that fails (disk full, I/O
      // error) drops that batch and is logged; it must never take the gateway down.
      console.error(`request history: could not write ${rows.length} request(s): ${(error as Error).message}`)
    }
  }

  /** Newest first. */
  list(filter: RequestFilter = {}): RequestEntry[] {
    this.flush()
    const conditions: SqlCondition[] = [['model = ?', filter.model], ['version = ?', filter.version], ['time >= ?', filter.since]]
    return (selectNewest(this.db, 'requests', conditions, filter.limit ?? 100) as RequestRow[]).map((r) => ({
      id: r.id, time: r.time, model: r.model, version: r.version, method: r.method, path: r.path, status: r.status,
      durationMs: r.duration_ms, requestBytes: r.request_bytes, responseBytes: r.response_bytes, requestId: r.request_id,
    }))
  }

  close(): void {
    this.flush()
  }
}
