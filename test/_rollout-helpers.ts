/**
 * Helpers for rollout tests: variants of test/fixtures/packages/rollout-model (a version and its
 * env: FAIL_PERCENT, SLOW_MS, DIFFER_EVERY, ACCEPT_FAIL), an in-process gateway with fast timings,
 * and a load generator: a real HTTP client sending requests at a steady rate and counting every
 * answer by status and by the version that gave it (X-Ferry-Version).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { Agent, request } from 'undici'
import { startGateway, type RunningGateway } from '../gateway/server.js'
import { FAST, packVariant } from './_deployer-helpers.js'
import { makeTempDir } from './_helpers.js'

/** Packs rollout-model as `version` with `env` added to its descriptor (and `rollout` defaults, if given). */
export async function packRolloutModel(tmp: string, version: string, env: Record<string, string> = {}, extra: Record<string, unknown> = {}): Promise<string> {
  return packVariant('rollout-model', tmp, async (dir) => {
    const file = join(dir, 'descriptor.json')
    const descriptor = JSON.parse(await readFile(file, 'utf8'))
    descriptor.runtime.env = { ...descriptor.runtime.env, ...env }
    await writeFile(file, JSON.stringify({ ...descriptor, ...extra }, null, 2))
  }, { version })
}

/**
 * A gateway in this process on 127.0.0.1:0 with a fresh data directory and fast supervision (health
 * checked every second: under load on a shared machine, a 150 ms check budget would restart healthy replicas).
 */
export async function openTestGateway(t: TestContext, deployer: Record<string, unknown> = {}, dataDir?: string): Promise<{ gateway: RunningGateway; tmp: string; dataDir: string; api: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }> }> {
  const tmp = await makeTempDir(t, 'ferry-rollout-')
  const dir = dataDir ?? join(tmp, 'data')
  const gateway = await startGateway({ port: 0, host: '127.0.0.1', dataDir: dir, token: 'test-token-0123456789', deployer: { ...FAST, healthIntervalMs: 1000, unhealthyThreshold: 3, drainTimeoutMs: 10_000, streamGraceMs: 1000, ...deployer } })
  t.after(() => gateway.close())
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gateway.url}/api${path}`, {
      method, headers: { authorization: `Bearer ${gateway.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    return { status: response.status, body: text ? JSON.parse(text) : null }
  }
  return { gateway, tmp, dataDir: dir, api }
}

export interface LoadResult {
  sent: number
  /** Answers by status code. */
  statuses: Record<string, number>
  /** 2xx answers by the version that gave them. */
  byVersion: Record<string, number>
  /** Requests that got no HTTP answer at all (connection refused, reset, timeout). */
  errors: number
  errorMessages: string[]
  /** The first few non-2xx answers, for assertion messages. */
  failures: string[]
  /** Non-2xx answers plus errors. */
  failed: number
}

/**
 * Sends `rps` requests per second to `url` until stop(); `body(i)` makes the i-th JSON body
 * (POST), or undefined for GET.
 * @example
 * const load = startLoad(`${gateway.url}/models/m/predict`, 200, (i) => ({ i }))
 * … const result = await load.stop()
 */
export function startLoad(url: string, rps: number, body?: (i: number) => unknown, headers: (i: number) => Record<string, string> = () => ({})): { stop(): Promise<LoadResult>; snapshot(): LoadResult } {
  const dispatcher = new Agent({ connections: 128, keepAliveTimeout: 10_000 })
  const result: LoadResult = { sent: 0, statuses: {}, byVersion: {}, errors: 0, errorMessages: [], failures: [], failed: 0 }
  const pending = new Set<Promise<void>>()
  const started = Date.now()
  let stopped: Promise<LoadResult> | undefined
  const fire = () => {
    const i = result.sent++
    const payload = body?.(i)
    const work = request(url, {
      dispatcher, method: payload === undefined ? 'GET' : 'POST',
      headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers(i) },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
      headersTimeout: 20_000, bodyTimeout: 20_000,
    }).then(async (response) => {
      const text = await response.body.text()
      const status = String(response.statusCode)
      result.statuses[status] = (result.statuses[status] ?? 0) + 1
      if (response.statusCode >= 200 && response.statusCode < 300) {
        const version = String(response.headers['x-ferry-version'] ?? '?')
        result.byVersion[version] = (result.byVersion[version] ?? 0) + 1
      } else {
        result.failed += 1
        if (result.failures.length < 5) result.failures.push(`${status} ${String(response.headers['x-ferry-version'] ?? '')} ${text.slice(0, 300)}`)
      }
    }, (error: Error & { code?: string }) => {
      result.errors += 1
      result.failed += 1
      if (result.errorMessages.length < 10) result.errorMessages.push(`${error.code ?? ''} ${error.message}`)
    }).finally(() => pending.delete(work))
    pending.add(work)
  }
  // Catch up on the schedule each tick, so timer jitter does not lower the rate.
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / 1000) * rps)
    while (result.sent < due && pending.size < 200) fire()
  }, 5)
  return {
    snapshot: () => structuredClone(result),
    stop() {
      stopped ??= (async () => {
        clearInterval(timer)
        await Promise.all([...pending])
        await dispatcher.close()
        return result
      })()
      return stopped
    },
  }
}
