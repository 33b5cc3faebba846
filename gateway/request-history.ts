/**
 * Prediction history: one row per proxied inference request (time, model, version, status,
 * latency, sizes, request id), kept up to a retention limit. Rows are buffered and written in one
 * transaction every `flushMs`, so the proxy's hot path costs an array push, never a disk sync; a
 * reader flushes first and so always sees every request that has finished.
 */
import type Database from 'better-sqlite3'
import type { ProxyRecord } from './proxy/model-proxy.js'
import { BatchQueue } from './_batch-queue.js'
import { countMatching, selectNewest, type SqlCondition } from './_sql-filter.js'

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

export interface RequestFilter {
  model?: string
  version?: string
  /** ISO times: from `since` (inclusive) to `until` (exclusive). */
  since?: string
  until?: string
  /** Status classes ('2xx'…'5xx'), 'error' (400 and up) or exact codes; any of them matches. */
  status?: string[]
  /** Time taken, in milliseconds: at least `minMs`, at most `maxMs`. */
  minMs?: number
  maxMs?: number
  /** Paging: only rows older than this id (the `next` of the previous page). */
  before?: number
  limit?: number
}

/** A page of the history: newest first; `next` is the `before` of the next (older) page, null at the end. */
export interface RequestPage { requests: RequestEntry[]; next: number | null; total: number }

/** What `status` may hold, each word as SQL over the status column. */
export const STATUS_FILTER = /^(?:[1-5]xx|error|[1-5]\d\d)$/

function statusCondition(words: string[] | undefined): SqlCondition {
  if (!words?.length) return ['', undefined]
  const parts: string[] = []
  const values: number[] = []
  for (const word of words) {
    if (word === 'error') { parts.push('status >= ?'); values.push(400) }
    else if (word.endsWith('xx')) { parts.push('(status >= ? AND status < ?)'); values.push(Number(word[0]) * 100, Number(word[0]) * 100 + 100) }
    else { parts.push('status = ?'); values.push(Number(word)) }
  }
  return [`(${parts.join(' OR ')})`, ...values]
}

export interface RequestHistoryOptions {
  /** Rows kept; the oldest go first (FERRY_REQUEST_HISTORY, default 100,000). */
  retain: number
  /**
   * How long a finished request may wait in memory before it is written (default 25 ms). A batch
   * holds the event loop while it is written (about 3.5 µs a row): at 9k req/s, 250 ms of rows held
   * it for ~8 ms and added about 3 ms to the Node plane's p99 in the proxy bench (three runs each).
   */
  flushMs?: number
}

/** A row in the column order of the INSERT. */
type QueuedRow = [string, string, string | null, string, string, number, number, number, number, string | null]

interface RequestRow { id: number; time: string; model: string; version: string | null; method: string; path: string; status: number; duration_ms: number; request_bytes: number; response_bytes: number; request_id: string | null }

const FLUSH_MS = 25

export class RequestHistory {
  private readonly writeBatch: (rows: QueuedRow[]) => void
  private readonly queue: BatchQueue<QueuedRow>

  constructor(private readonly db: Database.Database, private readonly options: RequestHistoryOptions) {
    // One prepared statement run per row inside the batch's transaction: 3.3–3.7 µs a row here,
    // against 4.3–5.0 µs for one statement over the batch as a JSON array (json_each).
    const insert = db.prepare(`INSERT INTO requests (time, model, version, method, path, status, duration_ms, request_bytes, response_bytes, request_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    const prune = db.prepare('DELETE FROM requests WHERE id <= (SELECT MAX(id) FROM requests) - ?')
    this.writeBatch = db.transaction((rows: QueuedRow[]) => {
      for (const row of rows) insert.run(row)
      prune.run(options.retain)
    })
    this.queue = new BatchQueue(options.flushMs ?? FLUSH_MS, (rows) => this.write(rows))
  }

  /** Queues one finished request (`endedAt` as a Date or already as an ISO string). */
  record(record: ProxyRecord, endedAt: Date | string = new Date()): void {
    this.queue.push([
      typeof endedAt === 'string' ? endedAt : endedAt.toISOString(), record.model, record.version, record.method, record.path, record.status,
      Math.round(record.durationMs * 1000) / 1000, record.requestBytes, record.responseBytes, record.requestId || null,
    ])
  }

  /** Writes what is queued. */
  flush(): void {
    this.queue.flush()
  }

  private write(rows: QueuedRow[]): void {
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
    return this.page(filter).requests
  }

  /**
   * One page of the rows that match every filter given, newest first, with the cursor of the next
   * page and how many rows match in all.
   * @example history.page({ model: 'ocr', status: ['error'], minMs: 500, limit: 20 }) // { requests, next, total }
   */
  page(filter: RequestFilter = {}): RequestPage {
    this.flush()
    const matching: SqlCondition[] = [['model = ?', filter.model], ['version = ?', filter.version], ['time >= ?', filter.since], ['time < ?', filter.until],
      statusCondition(filter.status), ['duration_ms >= ?', filter.minMs], ['duration_ms <= ?', filter.maxMs]]
    const limit = filter.limit ?? 100
    const rows = selectNewest(this.db, 'requests', [...matching, ['id < ?', filter.before]], limit + 1) as RequestRow[]
    const requests = rows.slice(0, limit).map((r) => ({
      id: r.id, time: r.time, model: r.model, version: r.version, method: r.method, path: r.path, status: r.status,
      durationMs: r.duration_ms, requestBytes: r.request_bytes, responseBytes: r.response_bytes, requestId: r.request_id,
    }))
    return { requests, next: rows.length > limit ? requests.at(-1)!.id : null, total: countMatching(this.db, 'requests', matching) }
  }

  close(): void {
    this.flush()
  }
}
