/**
 * Jobs in jobs.db: a job and all its inputs are written in one transaction (a job exists whole or
 * not at all), each result in its own (committed with synchronous=FULL before anyone is told of
 * it: that commit is what "acknowledged" means). A result is keyed by (job, input index), so an
 * input is never recorded twice.
 */
import type Database from 'better-sqlite3'

export type JobStatus = 'running' | 'finished' | 'cancelled'
export type JobKind = 'json' | 'files'

export interface JobRecord {
  id: number
  model: string
  endpoint: string
  kind: JobKind
  status: JobStatus
  total: number
  concurrency: number
  createdAt: string
  endedAt: string | null
  createdBy: string | null
}

/** One input as stored: a JSON value's text, or a file's name, content type and size (its bytes are on disk). */
export interface StoredInput {
  index: number
  body: string | null
  name: string | null
  contentType: string | null
  size: number
}

export interface NewInput { body?: string; name?: string; contentType?: string; size: number }

export interface JobResult {
  seq: number
  index: number
  ok: boolean
  /** The model's HTTP status, or null when no answer came (connection refused, timeout). */
  status: number | null
  version: string | null
  /** The answer: its JSON, or `{contentType, base64}` for another type. */
  output: unknown
  error: { code: string; message: string } | null
  durationMs: number
  finishedAt: string
}

export interface NewResult { index: number; ok: boolean; status: number | null; version: string | null; output: unknown; error: { code: string; message: string } | null; durationMs: number }

interface JobRow { id: number; model: string; endpoint: string; kind: JobKind; status: JobStatus; total: number; concurrency: number; created_at: string; ended_at: string | null; created_by: string | null }
interface ResultRow { seq: number; idx: number; ok: number; status: number | null; version: string | null; output: string | null; error: string | null; duration_ms: number; finished_ms: number }
interface InputRow { idx: number; body: string | null; name: string | null; content_type: string | null; size: number }

const toJob = (r: JobRow): JobRecord => ({ id: r.id, model: r.model, endpoint: r.endpoint, kind: r.kind, status: r.status, total: r.total, concurrency: r.concurrency, createdAt: r.created_at, endedAt: r.ended_at, createdBy: r.created_by })
const toInput = (r: InputRow): StoredInput => ({ index: r.idx, body: r.body, name: r.name, contentType: r.content_type, size: r.size })
const toResult = (r: ResultRow): JobResult => ({
  seq: r.seq, index: r.idx, ok: r.ok === 1, status: r.status, version: r.version,
  output: r.output === null ? null : JSON.parse(r.output), error: r.error === null ? null : JSON.parse(r.error),
  durationMs: r.duration_ms, finishedAt: new Date(r.finished_ms).toISOString(),
})

export class JobStore {
  private readonly statements

  constructor(private readonly db: Database.Database) {
    this.statements = {
      insertJob: db.prepare('INSERT INTO jobs (model, endpoint, kind, status, total, concurrency, created_at, created_by) VALUES (?, ?, ?, \'running\', ?, ?, ?, ?)'),
      insertInput: db.prepare('INSERT INTO job_inputs (job_id, idx, body, name, content_type, size) VALUES (?, ?, ?, ?, ?, ?)'),
      get: db.prepare('SELECT * FROM jobs WHERE id = ?'),
      list: db.prepare('SELECT * FROM jobs ORDER BY id DESC LIMIT ?'),
      running: db.prepare('SELECT * FROM jobs WHERE status = \'running\' ORDER BY id'),
      counts: db.prepare('SELECT count(*) AS done, coalesce(sum(1 - ok), 0) AS failed FROM job_results WHERE job_id = ?'),
      pending: db.prepare('SELECT idx FROM job_inputs i WHERE job_id = ? AND NOT EXISTS (SELECT 1 FROM job_results r WHERE r.job_id = i.job_id AND r.idx = i.idx) ORDER BY idx'),
      input: db.prepare('SELECT idx, body, name, content_type, size FROM job_inputs WHERE job_id = ? AND idx = ?'),
      record: db.prepare('INSERT OR IGNORE INTO job_results (job_id, idx, ok, status, version, output, error, duration_ms, finished_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      setStatus: db.prepare('UPDATE jobs SET status = ?, ended_at = ? WHERE id = ? AND status = \'running\''),
      results: db.prepare('SELECT r.*, i.name AS input_name, CASE WHEN r.ok = 0 THEN i.body END AS input_body FROM job_results r JOIN job_inputs i ON i.job_id = r.job_id AND i.idx = r.idx WHERE r.job_id = ? AND r.seq > ? ORDER BY r.seq LIMIT ?'),
      failures: db.prepare('SELECT r.*, i.body AS input_body, i.name AS input_name FROM job_results r JOIN job_inputs i ON i.job_id = r.job_id AND i.idx = r.idx WHERE r.job_id = ? AND r.ok = 0 ORDER BY r.seq LIMIT ?'),
      since: db.prepare('SELECT count(*) AS n, min(finished_ms) AS first, max(finished_ms) AS last FROM job_results WHERE job_id = ? AND finished_ms >= ?'),
      span: db.prepare('SELECT min(finished_ms) AS first, max(finished_ms) AS last FROM job_results WHERE job_id = ?'),
      remove: db.prepare('DELETE FROM jobs WHERE id = ?'),
    }
  }

  /**
   * Writes a job with all its inputs in one transaction and returns it; `beforeCommit` (e.g. moving
   * its files into place) runs inside it, and when it throws nothing is written.
   */
  create(spec: { model: string; endpoint: string; kind: JobKind; concurrency: number; createdBy?: string }, inputs: NewInput[], beforeCommit?: (id: number) => void): JobRecord {
    const s = this.statements
    const id = this.db.transaction(() => {
      const { lastInsertRowid } = s.insertJob.run(spec.model, spec.endpoint, spec.kind, inputs.length, spec.concurrency, new Date().toISOString(), spec.createdBy ?? null)
      inputs.forEach((input, index) => s.insertInput.run(lastInsertRowid, index, input.body ?? null, input.name ?? null, input.contentType ?? null, input.size))
      beforeCommit?.(Number(lastInsertRowid))
      return Number(lastInsertRowid)
    })()
    return this.get(id)!
  }

  get(id: number): JobRecord | undefined {
    const row = this.statements.get.get(id) as JobRow | undefined
    return row && toJob(row)
  }

  list(limit: number): JobRecord[] {
    return (this.statements.list.all(limit) as JobRow[]).map(toJob)
  }

  /** Jobs that were running when the server last stopped (or still are). */
  running(): JobRecord[] {
    return (this.statements.running.all() as JobRow[]).map(toJob)
  }

  counts(id: number): { done: number; failed: number } {
    return this.statements.counts.get(id) as { done: number; failed: number }
  }

  /** The indices of the inputs with no result yet, in order. */
  pending(id: number): number[] {
    return (this.statements.pending.all(id) as Array<{ idx: number }>).map((r) => r.idx)
  }

  input(id: number, index: number): StoredInput | undefined {
    const row = this.statements.input.get(id, index) as InputRow | undefined
    return row && toInput(row)
  }

  /** Commits one result; false when that input already had one (it is then left as it was). */
  record(id: number, result: NewResult): boolean {
    const output = result.output === undefined || result.output === null ? null : JSON.stringify(result.output)
    const info = this.statements.record.run(id, result.index, result.ok ? 1 : 0, result.status, result.version, output, result.error ? JSON.stringify(result.error) : null, result.durationMs, Date.now())
    return info.changes === 1
  }

  /** Ends a running job; false when it had already ended. */
  end(id: number, status: 'finished' | 'cancelled'): boolean {
    return this.statements.setStatus.run(status, new Date().toISOString(), id).changes === 1
  }

  /** Results after `afterSeq`, in the order they were kept, each with its file's name; a failure with its input. */
  results(id: number, afterSeq: number, limit: number): Array<JobResult & { name: string | null; input?: unknown }> {
    return (this.statements.results.all(id, afterSeq, limit) as Array<ResultRow & { input_name: string | null; input_body: string | null }>).map((r) => ({
      ...toResult(r), name: r.input_name, ...(r.ok === 0 ? { input: r.input_name ?? (r.input_body === null ? null : JSON.parse(r.input_body)) } : {}),
    }))
  }

  /** The first failures, each with its input (a JSON input's value, or a file's name). */
  failures(id: number, limit: number): Array<JobResult & { input: unknown }> {
    return (this.statements.failures.all(id, limit) as Array<ResultRow & { input_body: string | null; input_name: string | null }>).map((r) => ({
      ...toResult(r), input: r.input_name ?? (r.input_body === null ? null : JSON.parse(r.input_body)),
    }))
  }

  /** How many results were kept since `sinceMs`, and the times of the first and last of them. */
  since(id: number, sinceMs: number): { n: number; first: number | null; last: number | null } {
    return this.statements.since.get(id, sinceMs) as { n: number; first: number | null; last: number | null }
  }

  span(id: number): { first: number | null; last: number | null } {
    return this.statements.span.get(id) as { first: number | null; last: number | null }
  }

  /** Deletes the job, its inputs and results. */
  remove(id: number): void {
    this.statements.remove.run(id)
  }
}
