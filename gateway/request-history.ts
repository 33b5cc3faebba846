/**
 * Prediction history: one row per proxied inference request (time, model, version, status,
 * latency, sizes, request id), kept up to a retention limit. Rows are buffered and written in one
 * transaction every `flushMs`, so the proxy's hot path costs an array push, never a disk sync; a
 * reader flushes first and so always sees every request that has finished.
 */
import type Database from 'better-sqlite3'
import type { ProxyRecord } from './model-proxy.js'

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

interface RequestRow { id: number; time: string; model: string; version: string | null; method: string; path: string; status: number; duration_ms: number; request_bytes: number; response_bytes: number; request_id: string | null }

export class RequestHistory {
  private buffer: Array<Omit<RequestRow, 'id'>> = []
  private timer: NodeJS.Timeout | undefined
  private readonly writeBatch: (rows: Array<Omit<RequestRow, 'id'>>) => void

  constructor(private readonly db: Database.Database, private readonly options: RequestHistoryOptions) {
    const insert = db.prepare('INSERT INTO requests (time, model, version, method, path, status, duration_ms, request_bytes, response_bytes, request_id) VALUES (@time, @model, @version, @method, @path, @status, @duration_ms, @request_bytes, @response_bytes, @request_id)')
    const prune = db.prepare('DELETE FROM requests WHERE id <= (SELECT MAX(id) FROM requests) - ?')
    this.writeBatch = db.transaction((rows: Array<Omit<RequestRow, 'id'>>) => {
      for (const row of rows) insert.run(row)
      prune.run(options.retain)
    })
  }

  /** Queues one finished request. */
  record(record: ProxyRecord, endedAt = new Date()): void {
    this.buffer.push({
      time: endedAt.toISOString(), model: record.model, version: record.version, method: record.method, path: record.path,
      status: record.status, duration_ms: Math.round(record.durationMs * 1000) / 1000,
      request_bytes: record.requestBytes, response_bytes: record.responseBytes, request_id: record.requestId || null,
    })
    this.timer ??= setTimeout(() => this.flush(), this.options.flushMs ?? 250).unref()
  }

  /** Writes what is queued. */
  flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.buffer.length === 0) return
    const rows = this.buffer
    this.buffer = []
    this.writeBatch(rows)
  }

  /** Newest first. */
  list(filter: RequestFilter = {}): RequestEntry[] {
    this.flush()
    const where: string[] = []
    const values: unknown[] = []
    if (filter.model) { where.push('model = ?'); values.push(filter.model) }
    if (filter.version) { where.push('version = ?'); values.push(filter.version) }
    if (filter.since) { where.push('time >= ?'); values.push(filter.since) }
    const sql = `SELECT * FROM requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`
    return (this.db.prepare(sql).all(...values, filter.limit ?? 100) as RequestRow[]).map((r) => ({
      id: r.id, time: r.time, model: r.model, version: r.version, method: r.method, path: r.path, status: r.status,
      durationMs: r.duration_ms, requestBytes: r.request_bytes, responseBytes: r.response_bytes, requestId: r.request_id,
    }))
  }

  close(): void {
    this.flush()
  }
}
