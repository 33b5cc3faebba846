/**
 * A real in-process gateway for the auth tests (real port, real deployer, real auth.db), and
 * small clients: `call` with any token, `createToken` through POST /api/tokens with the admin token.
 */
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { startGateway, type RunningGateway } from '../gateway/server.js'
import type { GatewayOptions } from '../gateway/options.js'
import { FAST } from './_deployer-helpers.js'
import { makeTempDir } from './_helpers.js'

export async function openAuthGateway(t: TestContext, options: GatewayOptions = {}): Promise<RunningGateway & { tmp: string }> {
  const tmp = await makeTempDir(t, 'ferry-auth-')
  const gateway = await startGateway({ port: 0, dataDir: join(tmp, 'data'), env: {}, deployer: FAST, ...options })
  t.after(() => gateway.close())
  return { ...gateway, tmp }
}

/** fetch() of `/api…` with `token` (undefined: none) and an optional JSON body. */
export function call(gateway: { url: string }, path: string, init: RequestInit & { token?: string | undefined; json?: unknown } = {}): Promise<Response> {
  const { token, json, ...rest } = init
  const headers = new Headers(rest.headers)
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`)
  if (json !== undefined) headers.set('content-type', 'application/json')
  return fetch(`${gateway.url}${path}`, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) })
}

export async function errorOf(response: Response): Promise<{ code: string; message: string; details?: Record<string, unknown>; path?: string }> {
  return ((await response.json()) as { error: { code: string; message: string } }).error
}

/** Creates a named token with the bootstrap admin token; returns its secret. */
export async function createToken(gateway: RunningGateway, name: string, role: string, model?: string): Promise<string> {
  const res = await call(gateway, '/api/tokens', { method: 'POST', token: gateway.token, json: { name, role, ...(model ? { model } : {}) } })
  if (res.status !== 201) throw new Error(`POST /api/tokens answered ${res.status}: ${await res.text()}`)
  return ((await res.json()) as { token: string }).token
}
