/**
 * Calling a running gateway's management API from tests: the admin token added, a `json` body
 * encoded with its content type, and the error code of a refusal read back.
 */
import type { RunningGateway } from '../gateway/server.js'

/** `fetch` of `<gateway>/api<path>` with the admin token (unless the caller sets one). */
export function api(gateway: Pick<RunningGateway, 'url' | 'token'>, path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  if (!headers.has('authorization')) headers.set('authorization', `Bearer ${gateway.token}`)
  if (init.json !== undefined) headers.set('content-type', 'application/json')
  return fetch(`${gateway.url}/api${path}`, { ...init, headers, ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}) })
}

/** The `error.code` of a JSON error answer. */
export async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code
}
