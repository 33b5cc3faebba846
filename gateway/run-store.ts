/**
 * Tracked runs, as an experiment tracker keeps them: one inference of model@version with its
 * params, metrics, tags and artifact files. Rows live in tracking.db; artifact bytes in
 * `<data dir>/runs/<id>/<name>`, written to a temp file and renamed, so a half-sent artifact never
 * shows. Ids are never reused.
 */
import { createHash, randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type Database from 'better-sqlite3'
import { createGatewayError } from './errors.js'
import { selectNewest, type SqlCondition } from './_sql-filter.js'
import { makeSnippet, queryWords, toMatchExpression, type SnippetPart } from './search/run-search.js'
import type { RunInput, RunStatus } from './_run-input.js'
import type { TrackingScope } from './tracking-token.js'

export interface ArtifactInfo { name: string; size: number; contentType: string; url: string }

export interface RunInfo {
  id: number
  model: string
  version: string
  status: RunStatus
  startedAt: string
  endedAt: string | null
  params: Record<string, string | number | boolean>
  metrics: Record<string, number>
  tags: Record<string, string>
  requestId: string | null
  artifacts: ArtifactInfo[]
  /** The text the run recorded; only when one run is read (`GET /api/runs/:id`). */
  text?: string
}

/** A run found by `q`: its BM25 score (lower is better) and where the words matched. */
export interface RunMatch extends RunInfo { score: number; snippet: SnippetPart[] }

export interface RunFilter { model?: string; version?: string; since?: string; /** Words to search for (full text). */ q?: string; limit?: number }

interface RunRow { id: number; model: string; version: string; status: RunStatus; started_at: string; ended_at: string | null; params: string; metrics: string; tags: string; request_id: string | null; text: string }
interface ArtifactRow { run_id: number; name: string; size: number; content_type: string }

const ARTIFACT_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/
function iso(value: string | undefined, field = 'time'): string {
  if (!value) return new Date().toISOString()
  const time = new Date(value)
  // RFC 3339 allows a leap second (:60), which Date cannot hold.
  if (Number.isNaN(time.getTime())) throw createGatewayError('E_BODY_INVALID', `${field} "${value}" is not a time this server can store`, { path: `/${field}` })
  return time.toISOString()
}
/** How many of the newest matches a search ranks (see list). */
export const RANKED_WINDOW = 2000
const ended = (status: RunStatus) => status === 'finished' || status === 'failed'

export class RunStore {
  private readonly statements

  constructor(private readonly db: Database.Database, private readonly dir: string) {
    this.statements = {
      insert: db.prepare('INSERT INTO runs (model, version, status, started_at, ended_at, params, metrics, tags, request_id, text) VALUES (@model, @version, @status, @started_at, @ended_at, @params, @metrics, @tags, @request_id, @text)'),
      update: db.prepare('UPDATE runs SET status = @status, ended_at = @ended_at, params = @params, metrics = @metrics, tags = @tags, request_id = @request_id, text = @text WHERE id = @id'),
      get: db.prepare('SELECT * FROM runs WHERE id = ?'),
      getMany: db.prepare('SELECT * FROM runs WHERE id IN (SELECT value FROM json_each(?))'),
      searchCutoff: db.prepare('SELECT rowid AS id FROM runs_fts WHERE runs_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?'),
      searchRanked: db.prepare('SELECT rowid AS id, bm25(runs_fts) AS score FROM runs_fts WHERE runs_fts MATCH ? AND rowid >= ? ORDER BY score LIMIT ?'),
      artifactsOf: db.prepare("SELECT run_id, name, size, content_type FROM run_artifacts WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY name"),
      upsertArtifact: db.prepare('INSERT INTO run_artifacts (run_id, name, size, content_type, sha256, created_at) VALUES (@run_id, @name, @size, @content_type, @sha256, @created_at) ON CONFLICT (run_id, name) DO UPDATE SET size = excluded.size, content_type = excluded.content_type, sha256 = excluded.sha256, created_at = excluded.created_at'),
    }
  }

  /** Records a new run; `scope` is the model@version it belongs to. */
  create(scope: TrackingScope, input: RunInput): RunInfo {
    const status = input.status ?? 'running'
    const row = {
      model: scope.model, version: scope.version, status,
      started_at: iso(input.startedAt, 'startedAt'),
      ended_at: input.endedAt ? iso(input.endedAt, 'endedAt') : ended(status) ? iso(undefined) : null,
      params: JSON.stringify(input.params ?? {}), metrics: JSON.stringify(input.metrics ?? {}), tags: JSON.stringify(input.tags ?? {}),
      request_id: input.requestId ?? null,
      text: input.text ?? '',
    }
    const { lastInsertRowid } = this.statements.insert.run(row)
    return this.get(Number(lastInsertRowid))
  }

  /** Merges `input` into run `id`; with a scope, the run must belong to it. */
  update(id: number, input: RunInput, scope?: TrackingScope): RunInfo {
    const run = this.get(id, scope)
    const status = input.status ?? run.status
    this.statements.update.run({
      id, status,
      ended_at: input.endedAt ? iso(input.endedAt, 'endedAt') : run.endedAt ?? (ended(status) ? iso(undefined) : null),
      params: JSON.stringify({ ...run.params, ...input.params }),
      metrics: JSON.stringify({ ...run.metrics, ...input.metrics }),
      tags: JSON.stringify({ ...run.tags, ...input.tags }),
      request_id: input.requestId ?? run.requestId,
      text: input.text ?? run.text ?? '',
    })
    return this.get(id)
  }

  /** Run `id`, or E_RUN_NOT_FOUND; E_FORBIDDEN when it is outside `scope`. */
  get(id: number, scope?: TrackingScope): RunInfo {
    const row = this.statements.get.get(id) as RunRow | undefined
    if (!row) throw createGatewayError('E_RUN_NOT_FOUND', `no run ${id}`, { details: { id } })
    if (scope && (row.model !== scope.model || row.version !== scope.version)) {
      throw createGatewayError('E_FORBIDDEN', `run ${id} belongs to ${row.model}@${row.version}, not ${scope.model}@${scope.version}`, { details: { id } })
    }
    return { ...this.withArtifacts([row])[0]!, text: row.text }
  }

  /**
   * Newest first; `since` compares start times. With `q`, a full-text search over the values of
   * params and tags and the recorded text: best match first, each with its snippet.
   */
  list(filter: RunFilter = {}): RunInfo[] | RunMatch[] {
    const conditions: SqlCondition[] = [['runs.model = ?', filter.model], ['runs.version = ?', filter.version], ['runs.started_at >= ?', filter.since]]
    if (filter.q === undefined) return this.withArtifacts(selectNewest(this.db, 'runs', conditions, filter.limit ?? 100) as RunRow[])
    const kept = conditions.filter(([, value]) => value !== undefined && value !== '')
    const match = toMatchExpression(filter.q)
    // Rank the newest RANKED_WINDOW matches only: FTS5 walks its index newest first and stops, so a
    // word in every run costs what a rare one does; the best of them comes first (BM25, on the
    // index alone), then only the page's rows and snippets are read.
    const cutoff = (this.statements.searchCutoff.get(match, RANKED_WINDOW - 1) as { id: number } | undefined)?.id ?? 0
    const ranked = (kept.length === 0
      ? this.statements.searchRanked.all(match, cutoff, filter.limit ?? 100)
      : this.db.prepare(`SELECT runs.id AS id, bm25(runs_fts) AS score FROM runs_fts JOIN runs ON runs.id = runs_fts.rowid WHERE runs_fts MATCH ? AND runs_fts.rowid >= ?${kept.map(([sql]) => ` AND ${sql}`).join('')} ORDER BY score LIMIT ?`)
        .all(match, cutoff, ...kept.map(([, value]) => value), filter.limit ?? 100)) as Array<{ id: number; score: number }>
    if (ranked.length === 0) return []
    const rows = new Map((this.statements.getMany.all(JSON.stringify(ranked.map((r) => r.id))) as RunRow[]).map((r) => [r.id, r]))
    const words = queryWords(filter.q)
    const runs = this.withArtifacts(ranked.map((r) => rows.get(r.id)!))
    return runs.map((run, i) => {
      const row = rows.get(run.id)!
      return { ...run, score: ranked[i]!.score, snippet: makeSnippet([row.text, ...Object.values(run.params).map(String), ...Object.values(run.tags)], words) }
    })
  }

  /**
   * The mean of metric `metric` over the runs of `model@version` started in [fromMs, toMs), for a
   * canary's metric thresholds; undefined when no such run reported it.
   */
  metricMean(model: string, version: string, metric: string, fromMs: number, toMs: number): { mean: number; runs: number } | undefined {
    const path = `$."${metric.replace(/["\\]/g, '')}"`
    const row = this.db.prepare('SELECT avg(json_extract(metrics, ?)) AS mean, count(json_extract(metrics, ?)) AS runs FROM runs WHERE model = ? AND version = ? AND started_at >= ? AND started_at < ?')
      .get(path, path, model, version, new Date(fromMs).toISOString(), new Date(toMs).toISOString()) as { mean: number | null; runs: number }
    return row.runs > 0 && row.mean !== null ? { mean: row.mean, runs: row.runs } : undefined
  }

  /** Streams `body` into artifact `name` of run `id` (replacing one of that name), at most `maxBytes`. */
  async putArtifact(id: number, name: string, contentType: string, body: AsyncIterable<Uint8Array>, maxBytes: number, scope?: TrackingScope): Promise<ArtifactInfo> {
    if (!ARTIFACT_NAME.test(name)) throw createGatewayError('E_ARTIFACT_NAME_INVALID', `"${name}" is not a valid artifact name`, { details: { name } })
    this.get(id, scope)
    const folder = join(this.dir, String(id))
    await mkdir(folder, { recursive: true, mode: 0o700 })
    const temp = join(folder, `.${name}.partial-${randomUUID()}`)
    const hash = createHash('sha256')
    let size = 0
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length
        if (size > maxBytes) return done(createGatewayError('E_PAYLOAD_TOO_LARGE', `artifacts are limited to ${maxBytes} bytes`, { details: { limit: maxBytes } }))
        hash.update(chunk)
        done(null, chunk)
      },
    })
    try {
      await pipeline(body, meter, createWriteStream(temp, { mode: 0o600 }))
      await rename(temp, join(folder, name))
    } catch (error) {
      await rm(temp, { force: true })
      throw error
    }
    this.statements.upsertArtifact.run({ run_id: id, name, size, content_type: contentType, sha256: hash.digest('hex'), created_at: new Date().toISOString() })
    return { name, size, contentType, url: `/api/runs/${id}/artifacts/${name}` }
  }

  /** Where artifact `name` of run `id` is on disk, with its record; E_ARTIFACT_NOT_FOUND otherwise. */
  artifact(id: number, name: string): { info: ArtifactInfo; path: string } {
    const info = this.get(id).artifacts.find((a) => a.name === name)
    if (!info) throw createGatewayError('E_ARTIFACT_NOT_FOUND', `run ${id} has no artifact "${name}"`, { details: { id, name } })
    return { info, path: join(this.dir, String(id), name) }
  }

  private withArtifacts(rows: RunRow[]): RunInfo[] {
    const artifacts = new Map<number, ArtifactInfo[]>()
    const found = rows.length ? (this.statements.artifactsOf.all(JSON.stringify(rows.map((r) => r.id))) as ArtifactRow[]) : []
    for (const a of found) {
      const list = artifacts.get(a.run_id) ?? []
      list.push({ name: a.name, size: a.size, contentType: a.content_type, url: `/api/runs/${a.run_id}/artifacts/${a.name}` })
      artifacts.set(a.run_id, list)
    }
    return rows.map((r) => ({
      id: r.id, model: r.model, version: r.version, status: r.status, startedAt: r.started_at, endedAt: r.ended_at,
      params: JSON.parse(r.params), metrics: JSON.parse(r.metrics), tags: JSON.parse(r.tags), requestId: r.request_id,
      artifacts: artifacts.get(r.id) ?? [],
    }))
  }
}
