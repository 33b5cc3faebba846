/**
 * The management API client: every call goes with the session cookie (sent by the browser, never
 * seen here) and the session's CSRF header; answers are parsed as JSON, and
 * an error answer becomes an ApiError with the gateway's code, message, hint and details (the
 * shape of gateway/errors.ts). A 401 signs the console out. Package uploads go through
 * XMLHttpRequest, whose upload events give a progress bar.
 */
import { clearSession, currentSession } from './auth.js'
import type { PackageSummary } from './types.js'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly details?: Record<string, unknown>,
    readonly path?: string,
  ) {
    super(message)
  }
}

type Listener = () => void
const unauthorizedListeners = new Set<Listener>()

/** Called whenever the server refuses the token (the app goes back to sign-in). */
export function onUnauthorized(listener: Listener): void {
  unauthorizedListeners.add(listener)
}

export function signOutOn401(status: number): void {
  if (status !== 401) return
  clearSession()
  for (const listener of unauthorizedListeners) listener()
}

/** Builds an ApiError from an error body (or from whatever came instead). */
export function toApiError(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string; hint?: string; details?: Record<string, unknown>; path?: string } }
    const e = body.error
    if (e && typeof e.message === 'string') return new ApiError(status, e.code ?? `HTTP_${status}`, e.message, e.hint, e.details, e.path)
  } catch { /* not JSON */ }
  return new ApiError(status, `HTTP_${status}`, text.trim().slice(0, 300) || `the server answered ${status}`)
}

/** The session's CSRF header (the server wants it on writes; harmless on reads). */
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const csrf = currentSession()?.csrf
  return csrf ? { 'x-ferry-csrf': csrf, ...extra } : extra
}

/** What a request that never got an answer (server stopped, browser offline) is shown as, instead of "Failed to fetch". */
export function networkError(): ApiError {
  const offline = typeof navigator !== 'undefined' && navigator.onLine === false
  return new ApiError(0, 'E_NETWORK', offline ? 'This browser is offline: the Ferry server could not be reached.' : 'The Ferry server did not answer: it may be stopped or restarting.',
    offline ? 'Reconnect, then retry.' : 'Start it again (`ferry serve` or `npm start`) and retry; nothing was changed by this attempt that you cannot see once it answers.')
}

/** fetch() with the session; throws ApiError on a non-2xx answer, E_NETWORK when none came. */
export async function request(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const { json, ...rest } = init
  const headers = authHeaders({ ...(json !== undefined ? { 'content-type': 'application/json' } : {}), ...(rest.headers as Record<string, string> | undefined) })
  let response: Response
  try {
    response = await fetch(path, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) })
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error
    throw networkError()
  }
  if (!response.ok) {
    signOutOn401(response.status)
    throw toApiError(response.status, await response.text())
  }
  return response
}

async function call<T>(method: string, path: string, json?: unknown): Promise<T> {
  const response = await request(`/api${path}`, { method, json })
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}

export const api = {
  get: <T>(path: string) => call<T>('GET', path),
  post: <T>(path: string, json?: unknown) => call<T>('POST', path, json ?? {}),
  put: <T>(path: string, json?: unknown) => call<T>('PUT', path, json ?? {}),
  patch: <T>(path: string, json?: unknown) => call<T>('PATCH', path, json ?? {}),
  del: <T>(path: string) => call<T>('DELETE', path),
}

/** `/api` path segment for a name or a ref, encoded. */
export const seg = (value: string) => encodeURIComponent(value)

/**
 * Uploads a package zip with progress (0..1, or null when the size is unknown), with the text of
 * its .sig file when it is signed. Sent as a form, so a refusal names the file as the user chose it.
 * @example
 * const pkg = await uploadPackage(file, (p) => { bar.value = p ?? 0 })
 */
export function uploadPackage(file: File, onProgress: (fraction: number | null) => void, signature?: string): Promise<PackageSummary> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', '/api/packages')
    // The signature field comes before the file (gateway/trust/upload-signature.ts reads it first).
    const form = new FormData()
    if (signature) form.append('signature', btoa(signature))
    form.append('package', file, file.name)
    for (const [key, value] of Object.entries(authHeaders())) xhr.setRequestHeader(key, value)
    xhr.upload.onprogress = (event) => onProgress(event.lengthComputable ? event.loaded / event.total : null)
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText) as PackageSummary)
      else {
        signOutOn401(xhr.status)
        reject(toApiError(xhr.status, xhr.responseText))
      }
    }
    xhr.onerror = () => reject(networkError())
    xhr.send(form)
  })
}
