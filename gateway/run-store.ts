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
import { selectNewest } from './_sql-filter.js'
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
}

export interface RunFilter { model?: string; version?: string; since?: string; q?: string; limit?: number }

interface RunRow { id: number; model: string; version: string; status: RunStatus; started_at: string; ended_at: string | null; params: string; metrics: string; tags: string; request_id: string | null }
interface ArtifactRow { run_id: number; name: string; size: number; content_type: string }

const ARTIFACT_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/
function iso(value: string | undefined, field = 'time'): string {
  if (!value) return new Date().toISOString()
  const time = new Date(value)
  // RFC 3339 allows a leap second (:60), which Date cannot hold.
  if (Number.isNaN(time.getTime())) throw createGatewayError('E_BODY_INVALID', `${field} "${value}" is not a time this server can store`, { path: `/${field}` })
  return time.toISOString()
}
const ended = (status: RunStatus) => status === 'finished' || status === 'failed'
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)

export class RunStore {
  private readonly statements

  constructor(private readonly db: Database.Database, private readonly dir: string) {
    this.statements = {
      insert: db.prepare('INSERT INTO runs (model, version, status, started_at, ended_at, params, metrics, tags, request_id) VALUES (@model, @version, @status, @started_at, @ended_at, @params, @metrics, @tags, @request_id)'),
      update: db.prepare('UPDATE runs SET status = @status, ended_at = @ended_at, params = @params, metrics = @metrics, tags = @tags, request_id = @request_id WHERE id = @id'),
      get: db.prepare('SELECT * FROM runs WHERE id = ?'),
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
    return this.withArtifacts([row])[0]!
  }

  /** Newest first. `q` matches params and tags (case-insensitive); `since` compares start times. */
  list(filter: RunFilter = {}): RunInfo[] {
    const pattern = filter.q ? `%${escapeLike(filter.q)}%` : undefined
    const rows = selectNewest(this.db, 'runs', [
      ['model = ?', filter.model],
      ['version = ?', filter.version],
      ['started_at >= ?', filter.since],
      ["(params LIKE ? ESCAPE '\\' OR tags LIKE ? ESCAPE '\\')", pattern, pattern],
    ], filter.limit ?? 100) as RunRow[]
    return this.withArtifacts(rows)
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
