/** A version's state as a coloured badge (colour is never the only cue: the word is there), its aliases as chips, its replicas as text. */
import { h } from '../dom.js'
import type { InstanceInfo } from '../types.js'

const TONE: Record<string, string> = {
  ready: 'ok', installing: 'busy', starting: 'busy', restarting: 'busy', stopping: 'busy',
  unhealthy: 'warn', crashed: 'bad', failed: 'bad', stopped: 'idle', finished: 'ok', running: 'busy',
  promoted: 'ok', 'rolled-back': 'bad', aborted: 'warn', paused: 'warn', passed: 'ok', pass: 'ok', fail: 'bad', inconclusive: 'idle', cancelled: 'warn', unavailable: 'warn',
}

export function stateBadge(state: string, reason?: string | null): HTMLElement {
  return h('span', { class: `badge ${TONE[state] ?? 'idle'}`, title: reason ?? null, 'data-state': state }, state)
}

/** Ready of all replicas ("1/2"), or for a pipeline, which has none, where it runs. */
export function replicasText(instance: Pick<InstanceInfo, 'replicas' | 'replicaCount' | 'pipeline'>): string {
  return instance.pipeline ? 'pipeline' : `${instance.replicas.filter((r) => r.state === 'ready').length}/${instance.replicaCount}`
}

export function aliasChips(aliases: string[]): HTMLElement {
  return h('span', { class: 'chips' }, aliases.map((a) => h('span', { class: 'chip' }, a)))
}
