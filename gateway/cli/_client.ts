/**
 * The CLI's client for the gateway's management API. Where the gateway is and which token to send
 * are resolved once: --gateway / FERRY_GATEWAY (default http://127.0.0.1:8080), --token /
 * FERRY_TOKEN, else the token file of the local data directory (FERRY_HOME or ./.ferry).
 * Error responses become FerryErrors with the server's code, so the CLI prints them as its own.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { FerryError } from '../../packager/ferry-error.js'
import type { OptionSpec } from './command.js'
import { createGatewayError } from '../errors.js'

export const CLIENT_OPTIONS: Record<string, OptionSpec> = {
  gateway: { type: 'string', value: 'URL', description: 'the gateway (default FERRY_GATEWAY, else http://127.0.0.1:8080)' },
  token: { type: 'string', value: 'TOKEN', description: 'the admin token or a named one with the role needed (default FERRY_TOKEN, else the local data directory\'s token file)' },
}

export interface ApiClient {
  readonly gateway: string
  call<T>(method: string, path: string, init?: { json?: unknown; body?: RequestInit['body']; headers?: Record<string, string>; duplex?: 'half' }): Promise<T>
  /** A GET whose body the caller reads itself (e.g. JSON lines), an error answer thrown as for `call`. */
  raw(method: string, path: string, signal: AbortSignal): Promise<Response>
  /** Reads a server-sent-event stream, calling `onData` with each event's data, until `signal` aborts. */
  stream(path: string, signal: AbortSignal, onData: (data: string) => void): Promise<void>
}

/** The client for these command-line values and this environment. */
export function createApiClient(values: Record<string, unknown>, context: { cwd: string; env: NodeJS.ProcessEnv }): ApiClient {
  const gateway = String(values['gateway'] ?? context.env['FERRY_GATEWAY'] ?? 'http://127.0.0.1:8080').replace(/\/+$/, '')
  const token = (values['token'] as string | undefined) ?? context.env['FERRY_TOKEN'] ?? (() => {
    try { return readFileSync(join(resolve(context.cwd, context.env['FERRY_HOME'] ?? '.ferry'), 'token'), 'utf8').trim() } catch { return undefined }
  })()
  return {
    gateway,
    async call<T>(method: string, path: string, init: { json?: unknown; body?: RequestInit['body']; headers?: Record<string, string>; duplex?: 'half' } = {}): Promise<T> {
      const headers: Record<string, string> = { ...init.headers }
      if (token) headers['authorization'] = `Bearer ${token}`
      if (init.json !== undefined) headers['content-type'] = 'application/json'
      let response: Response
      try {
        response = await fetch(`${gateway}/api${path}`, { method, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body ?? null, ...(init.duplex ? { duplex: init.duplex } : {}) } as RequestInit)
      } catch (error) {
        throw createGatewayError('E_GATEWAY_UNREACHABLE', `cannot reach the gateway at ${gateway}: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`, { cause: error })
      }
      if (response.status === 204) return undefined as T
      const body = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string; hint?: string; details?: Record<string, unknown> } }
      if (!response.ok) {
        const error = body.error ?? { code: 'E_INTERNAL', message: `HTTP ${response.status}` }
        throw new FerryError(error.code, { status: response.status, hint: error.hint ?? '' }, error.message, error.details ? { details: error.details } : {})
      }
      return body as T
    },
    async raw(method, path, signal) {
      let response: Response
      try {
        response = await fetch(`${gateway}/api${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {}, signal })
      } catch (error) {
        throw createGatewayError('E_GATEWAY_UNREACHABLE', `cannot reach the gateway at ${gateway}: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`, { cause: error })
      }
      if (!response.ok) {
        const error = ((await response.json().catch(() => ({}))) as { error?: { code: string; message: string; hint?: string; details?: Record<string, unknown> } }).error ?? { code: 'E_INTERNAL', message: `HTTP ${response.status}` }
        throw new FerryError(error.code, { status: response.status, hint: error.hint ?? '' }, error.message, error.details ? { details: error.details } : {})
      }
      return response
    },
    async stream(path, signal, onData) {
      let response: Response
      try {
        response = await fetch(`${gateway}/api${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal })
      } catch (error) {
        if (signal.aborted) return
        throw createGatewayError('E_GATEWAY_UNREACHABLE', `cannot reach the gateway at ${gateway}: ${(error as Error).message}`, { cause: error })
      }
      if (!response.ok) {
        const error = ((await response.json().catch(() => ({}))) as { error?: { code: string; message: string; hint?: string } }).error ?? { code: 'E_INTERNAL', message: `HTTP ${response.status}` }
        throw new FerryError(error.code, { status: response.status, hint: error.hint ?? '' }, error.message)
      }
      let buffer = ''
      try {
        for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) {
          buffer += chunk
          let cut: number
          while ((cut = buffer.indexOf('\n\n')) !== -1) {
            const data = buffer.slice(0, cut).split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n')
            buffer = buffer.slice(cut + 2)
            if (data) onData(data)
          }
        }
      } catch (error) {
        if (!signal.aborted) throw error
      }
    },
  }
}
