/**
 * Retiring versions: a drain (no new requests reach the version once routing moved; those in
 * flight finish, streams get a grace period) and then a stop that sticks (desired 'stopped', so
 * it never starts again by itself after a restart). `keepWarm` keeps the newest previous versions
 * running, with no traffic, for an instant rollback.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import semver from 'semver'
import type { ResolvedDeployerOptions } from '../options.js'
import type { RecordEvent } from '../registry/version-registry.js'
import type { StateStore } from '../state-store.js'
import type { Supervisor } from '../supervisor/supervisor.js'
import type { TrafficSource } from './traffic.js'

export interface RetireContext {
  options: ResolvedDeployerOptions
  state: StateStore
  supervisor: Supervisor
  record: RecordEvent
  traffic(): TrafficSource
}

const POLL_MS = 20

/** Waits until `ref` carries nothing (streams are cut after the grace period, anything after the drain timeout). */
export async function waitDrained(context: RetireContext, ref: string): Promise<{ waitedMs: number; cut: number }> {
  const started = Date.now()
  for (;;) {
    const { requests, streams } = context.traffic().inFlight(ref)
    const waitedMs = Date.now() - started
    if (requests === 0) return { waitedMs, cut: 0 }
    if (requests === streams && waitedMs >= context.options.streamGraceMs) return { waitedMs, cut: streams }
    if (waitedMs >= context.options.drainTimeoutMs) return { waitedMs, cut: requests }
    await sleep(POLL_MS)
  }
}

/** Drains `name@version` and stops it for good (until started by hand or rolled back to). */
export async function drainAndStop(context: RetireContext, name: string, version: string, reason: string): Promise<void> {
  const ref = `${name}@${version}`
  const { state, supervisor } = context
  await supervisor.withLock(ref, async () => {
    const record = state.getVersion(name, version)
    if (!record || record.desired !== 'running') return
    state.updateVersion(name, version, { desired: 'stopped' })
    const drained = await waitDrained(context, ref)
    context.record({ name, version, replica: null, type: 'drain', state: null, reason, details: drained })
    await supervisor.stopInstance(ref)
    supervisor.setVersionState(name, version, 'stopped', reason)
  })
}

/**
 * After `latest` moved: keeps `keepWarm` previous versions of `name` running (`previous` first,
 * then the newest), and drains and stops every other running version no alias points to.
 */
export function retirePrevious(context: RetireContext, name: string, keepWarm: number, previous: string | null): Promise<void> {
  const aliased = new Set(context.state.listAliases(name).map((a) => a.version))
  const running = context.state.listVersions(name)
    .filter((v) => v.desired === 'running' && v.tagged && !aliased.has(v.version))
    .sort((a, b) => (a.version === previous ? -1 : b.version === previous ? 1 : semver.rcompare(a.version, b.version)))
  const retired = running.slice(keepWarm)
  return Promise.all(retired.map((v) => drainAndStop(context, name, v.version, `retired: ${name}@${context.state.getAlias(name, 'latest')?.version ?? '?'} took latest`).catch(() => undefined))).then(() => undefined)
}
