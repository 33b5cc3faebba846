/**
 * Follows one deploy: installing → starting → ready as the events arrive, the version's log as it
 * is written, and on failure the reason and the log's tail.
 */
import { api, seg } from '../api.js'
import { h, replace } from '../dom.js'
import { watchInstances } from '../live.js'
import { href } from '../router.js'
import type { InstanceInfo, InstanceState, LogEntry } from '../types.js'
import { stateBadge } from './badge.js'
import { createLogView, instanceLogs } from './log-view.js'

const STEPS: InstanceState[] = ['installing', 'starting', 'ready']

export interface DeployTracker { element: HTMLElement; close(): void }

export function trackDeploy(ref: string, name: string, onSettled?: (state: InstanceState) => void): DeployTracker {
  const steps = STEPS.map((step) => h('li', { 'data-step': step }, h('span', { class: 'dot', 'aria-hidden': 'true' }), step))
  const stateLine = h('p', { role: 'status', 'aria-live': 'polite', class: 'deploy-state' })
  const outcome = h('div')
  const logs = createLogView(instanceLogs(ref), { label: `Log of ${ref}` })
  let settled = false
  let reached = -1

  async function showFailure(instance: InstanceInfo): Promise<void> {
    let tail: LogEntry[] = []
    try { tail = await api.get<LogEntry[]>(`/instances/${seg(ref)}/logs?tail=30`) } catch { /* the reason is enough */ }
    replace(outcome, h('div', { class: 'error-box', role: 'alert' },
      h('strong', null, `${ref} failed`),
      h('p', null, instance.reason ?? 'no reason recorded'),
      tail.length ? [h('p', { class: 'muted' }, 'Last lines of its log:'), h('pre', { class: 'log-tail' }, tail.map((e) => `${e.stream.padEnd(6)} ${e.line}`).join('\n'))] : null))
  }

  const unwatch = watchInstances((list) => {
    const instance = list.find((i) => i.ref === ref)
    if (!instance) return
    const index = STEPS.indexOf(instance.state)
    if (index > reached) reached = index
    steps.forEach((li, i) => {
      li.className = i < reached || instance.state === 'ready' ? 'done' : i === reached ? 'current' : ''
      if (instance.state === 'failed' && i === Math.max(reached, 0) ) li.className = 'failed'
    })
    replace(stateLine, `${ref}: `, stateBadge(instance.state, instance.reason), instance.reason ? ` ${instance.reason}` : '')
    if (settled) return
    if (instance.state === 'ready') {
      settled = true
      replace(outcome, h('div', { class: 'ok-box' }, h('p', null, h('strong', null, `${ref} is ready`), instance.aliases.length ? ` (${instance.aliases.join(', ')})` : ''),
        h('a', { class: 'button primary', href: href('models', name, 'try') }, 'Try it'), ' ', h('a', { class: 'button', href: href('models', name) }, 'Model page')))
      onSettled?.('ready')
    } else if (instance.state === 'failed') {
      settled = true
      void showFailure(instance)
      onSettled?.('failed')
    }
  })

  const element = h('section', { class: 'card deploy-tracker', 'aria-labelledby': 'tracker-heading' },
    h('h2', { id: 'tracker-heading', tabindex: '-1' }, `Deploying ${ref}`),
    h('ol', { class: 'steps', 'aria-label': 'Deploy progress' }, steps),
    stateLine, outcome,
    h('details', { open: true }, h('summary', null, 'Log'), logs.element))
  return { element, close() { unwatch(); logs.close() } }
}
