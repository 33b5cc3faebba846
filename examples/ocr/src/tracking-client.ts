/**
 * A client for Ferry's tracked-runs API (`FERRY_TRACKING_URL`, e.g. http://127.0.0.1:8080/api/runs,
 * with `Authorization: Bearer FERRY_TRACKING_TOKEN`): create a run, upload an artifact, update it.
 * Each call has a time limit; failures throw, and the caller decides they do not matter.
 */

export interface RunFields {
  params?: Record<string, string | number | boolean>
  metrics?: Record<string, number>
  tags?: Record<string, string>
  status?: 'running' | 'finished' | 'failed'
  startedAt?: string
  endedAt?: string
  requestId?: string
  /** The text recognised, searched by GET /api/runs?q= (the gateway keeps up to 500,000 characters). */
  text?: string
}

export interface TrackingClient {
  /** POST /api/runs → the new run's id. */
  createRun(fields: RunFields): Promise<string>
  /** PUT /api/runs/:id/artifacts/:name with the raw bytes. */
  uploadArtifact(runId: string, name: string, contentType: string, body: Buffer): Promise<void>
  /** PATCH /api/runs/:id. */
  updateRun(runId: string, fields: RunFields): Promise<void>
}

const CALL_TIMEOUT_MS = 10_000

/**
 * @example
 * const tracking = createTrackingClient({ url: process.env.FERRY_TRACKING_URL, token: process.env.FERRY_TRACKING_TOKEN })
 * const id = await tracking.createRun({ params: { words: 'hello' }, status: 'running' })
 */
export function createTrackingClient(options: { url: string; token: string }): TrackingClient {
  const call = async (method: string, path: string, body: string | Buffer, contentType: string): Promise<unknown> => {
    const response = await fetch(options.url + path, {
      method,
      headers: { authorization: `Bearer ${options.token}`, 'content-type': contentType },
      body,
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`${method} ${options.url}${path} answered ${response.status}: ${text.slice(0, 300)}`)
    return text === '' ? null : JSON.parse(text)
  }
  return {
    async createRun(fields) {
      const run = (await call('POST', '', JSON.stringify(fields), 'application/json')) as { id?: unknown } | null
      if (typeof run?.id !== 'string' && typeof run?.id !== 'number') throw new Error(`POST ${options.url} gave no run id`)
      return String(run.id)
    },
    async uploadArtifact(runId, name, contentType, body) {
      await call('PUT', `/${encodeURIComponent(runId)}/artifacts/${encodeURIComponent(name)}`, body, contentType)
    },
    async updateRun(runId, fields) {
      await call('PATCH', `/${encodeURIComponent(runId)}`, JSON.stringify(fields), 'application/json')
    },
  }
}
