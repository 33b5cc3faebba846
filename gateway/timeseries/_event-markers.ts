/**
 * Which deployer events become markers on the time axis: a version deployed (or failed to),
 * an alias moved or removed, `latest` rolled back, a rollout started, stepped, paused, promoted
 * or aborted. A rollout's every window check is left out: it is a figure, not a change.
 */
import type { EventRecord } from '../../deployer/index.js'
import type { Marker } from './timeseries-store.js'

const ROLLOUT_STEPS = new Set(['started', 'step', 'paused', 'resumed', 'promoted', 'aborted', 'failed'])

/** The marker for `event`, or undefined when it marks nothing. */
export function markerOf(event: EventRecord): Marker | undefined {
  const t = Date.parse(event.time)
  const base = { t: Number.isFinite(t) ? t : Date.now(), model: event.name, version: event.version }
  const details = (event.details ?? {}) as Record<string, unknown>
  if (event.type === 'deploy' && event.state === 'ready') return { ...base, kind: 'deploy', detail: `deployed ${event.version}` }
  if (event.type === 'deploy' && event.state === 'failed') return { ...base, kind: 'deploy', detail: `deploy of ${event.version} failed${event.reason ? `: ${event.reason}` : ''}` }
  if (event.type === 'alias') {
    const alias = String(details['alias'] ?? '')
    if (event.reason?.startsWith('rolled back')) return { ...base, kind: 'rollback', detail: `${alias} → ${event.version}: ${event.reason}` }
    if (details['removed'] === true) return { ...base, kind: 'alias', detail: `${alias} removed (was ${event.version})` }
    return { ...base, kind: 'alias', detail: `${alias} → ${event.version}` }
  }
  if (event.type === 'rollout') {
    const step = String(details['step'] ?? '')
    const status = String(details['status'] ?? step)
    if (!ROLLOUT_STEPS.has(step) && !ROLLOUT_STEPS.has(status)) return undefined
    // A replace is a deploy and an alias move, marked as those; only its failure is news.
    if (step === 'window' || (details['strategy'] === 'replace' && status !== 'failed' && status !== 'aborted')) return undefined
    const weight = typeof details['weight'] === 'number' ? ` at ${details['weight']} %` : ''
    if (status === 'aborted' && event.reason?.startsWith('rolled back')) return { ...base, kind: 'rollback', detail: `rollout of ${event.version} rolled back` }
    return { ...base, kind: 'rollout', detail: `${String(details['strategy'] ?? 'rollout')} ${step === 'step' ? 'step' : status}: ${event.version}${weight}${event.reason && step !== 'step' ? ` (${event.reason})` : ''}` }
  }
  return undefined
}
