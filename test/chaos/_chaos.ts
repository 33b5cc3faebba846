/**
 * What the chaos scenarios share: a real `ferry serve` (its own process, on a fixed free port so a
 * restart keeps its URL), the CLI to deploy and roll back, the rollout-model variants, and the
 * check run after every scenario: no process left that no running version owns, and exactly the
 * versions that should run do.
 */
import assert from 'node:assert/strict'
import { realpath } from 'node:fs/promises'
import type { TestContext } from 'node:test'
import { findLeftoverProcesses } from '../../deployer/_leftover-processes.js'
import { resolveDeployerOptions } from '../../deployer/options.js'
import { getFreePort } from '../../deployer/port-pool.js'
import { waitFor } from '../_deployer-helpers.js'
import { runFerry } from '../_helpers.js'
import { startFerryServe, type FerryServe } from '../_serve-helpers.js'

/** Fast drains and stops, so a scenario takes seconds. */
export const CHAOS_ENV = { FERRY_STOP_GRACE_MS: '2000', FERRY_DRAIN_TIMEOUT_MS: '10000', FERRY_STREAM_GRACE_MS: '1000' }

export async function startChaosServer(t: TestContext, dataDir?: string, port?: number): Promise<FerryServe & { port: number }> {
  const chosen = port ?? await getFreePort('127.0.0.1')
  const ferry = await startFerryServe(t, { env: CHAOS_ENV, args: ['--port', String(chosen)], ...(dataDir ? { dataDir } : {}) })
  return Object.assign(ferry, { port: chosen })
}

/** `ferry <args> --gateway … --token … --json`; resolves to the parsed JSON result. */
export async function ferryCli(ferry: FerryServe, args: string[]): Promise<any> {
  const run = await runFerry([...args, '--gateway', ferry.url, '--token', ferry.token, '--json'])
  assert.equal(run.code, 0, `ferry ${args.join(' ')}: ${run.stderr}${run.stdout}`)
  return JSON.parse(run.stdout)
}

export async function getJson(ferry: FerryServe, path: string): Promise<any> {
  const response = await ferry.api(path)
  assert.ok(response.ok, `${path}: ${response.status}`)
  return response.json()
}

/** The versions whose desired state is running, as name@version, sorted. */
export async function runningVersions(ferry: FerryServe): Promise<string[]> {
  return ((await getJson(ferry, '/api/instances')) as Array<{ ref: string; desired: string }>).filter((i) => i.desired === 'running').map((i) => i.ref).sort()
}

/**
 * After a scenario: the versions that run are exactly `expected`, and the processes marked with
 * the data directory's id are exactly their replicas, one process group each (a sandboxed replica
 * is several processes), so no orphan, nothing left running.
 */
export async function assertOnlyRunning(ferry: FerryServe, expected: string[]): Promise<void> {
  const marker = { key: 'FERRY_HOME_ID', value: resolveDeployerOptions({ dataDir: await realpath(ferry.dataDir) }).homeId }
  await waitFor(async () => {
    const instances = (await getJson(ferry, '/api/instances')) as Array<{ ref: string; desired: string; state: string; replicaCount: number }>
    const running = instances.filter((i) => i.desired === 'running')
    const settled = instances.every((i) => (i.desired === 'running' ? i.state === 'ready' : i.state === 'stopped' || i.state === 'failed'))
    const processes = await findLeftoverProcesses(marker)
    return settled && JSON.stringify(running.map((i) => i.ref).sort()) === JSON.stringify([...expected].sort()) && new Set(processes.map((p) => p.pgid)).size === running.reduce((n, i) => n + i.replicaCount, 0)
  }, 15_000, `only ${expected.join(', ')} running, with no orphan process`)
}
