/**
 * Follows one deploy: installing → starting → ready as the events arrive, the version's log as it
 * is written, and on failure the reason (once) and the log's tail, with the step that failed
 * being the last one the version reached: the steps come from /api/events (every state change),
 * not from the instance list, which can skip a step that passed quickly. A deploy of a version
 * that ran already says that nothing changed (or that it was rescaled), not "is ready".
 */
import { api, seg } from '../api.js'
import { h, replace } from '../dom.js'
import { watchEvents, watchInstances } from '../live.js'
import { href } from '../router.js'
import type { InstanceInfo, InstanceState, LogEntry } from '../types.js'
import { stateBadge } from './badge.js'
import { createLogView, instanceLogs } from './log-view.js'

const STEPS: InstanceState[] = ['installing', 'starting', 'ready']

export interface DeployTracker { element: HTMLElement; close(): void }

export interface TrackOptions {
  /** The deploy's answer said the version ran already (POST /api/deployments `alreadyRunning`). */
  alreadyRunning?: 'none' | 'rescaled'
  /** The state the deploy's answer gave: the first step reached. */
  initial?: InstanceState
  /** lastEventId() from before the deploy was sent: its events that came before this tracker count too. */
  afterEventId?: number
  onSettled?(state: InstanceState): void
}

export function trackDeploy(ref: string, name: string, options: TrackOptions = {}): DeployTracker {
  const steps = STEPS.map((step) => h('li', { 'data-step': step }, h('span', { class: 'dot', 'aria-hidden': 'true' }), step))
  const stateLine = h('p', { role: 'status', 'aria-live': 'polite', class: 'deploy-state' })
  const outcome = h('div')
  const logs = createLogView(instanceLogs(ref), { label: `Log of ${ref}` })
  let settled = false
  /** The furthest step the version reached in this deploy (-1: none yet). */
  let reached = -1
  let failed = false
  /**
   * This deploy's own "failed" state event arrived: until then a "failed" in the instance list is
   * the previous deploy's (the list can lag behind the events: a page's cached list still says
   * failed after this deploy's "installing" has come).
   */
  let sawFailure = false
  const at = ref.lastIndexOf('@')
  const version = ref.slice(at + 1)

  async function showFailure(instance: InstanceInfo): Promise<void> {
    let tail: LogEntry[] = []
    try { tail = await api.get<LogEntry[]>(`/instances/${seg(ref)}/logs?tail=30`) } catch { /* the reason is enough */ }
    replace(outcome, h('div', { class: 'error-box', role: 'alert' },
      h('strong', null, `${ref} failed while ${STEPS[Math.max(reached, 0)]}`),
      h('p', null, instance.reason ?? 'no reason recorded'),
      tail.length ? [h('p', { class: 'muted' }, 'Last lines of its log:'), h('pre', { class: 'log-tail' }, tail.map((e) => `${e.stream.padEnd(6)} ${e.line}`).join('\n'))] : null))
  }

  function drawSteps(state: InstanceState): void {
    steps.forEach((li, i) => {
      li.className = state === 'ready' || i < reached ? 'done' : i === reached ? (failed ? 'failed' : 'current') : ''
    })
  }

  const unwatchEvents = watchEvents((event) => {
    if (event.name !== name || event.version !== version || event.type !== 'state' || !event.state) return
    if (event.state === 'failed') sawFailure = true
    const index = STEPS.indexOf(event.state)
    if (index > reached && !settled) reached = index
  }, options.afterEventId)

  const unwatch = watchInstances((list) => {
    const instance = list.find((i) => i.ref === ref)
    if (!instance) return
    // Deploying a version that failed before, the list may still show that failure; this deploy's own
    // events (replayed from before it was sent) say whether it failed, so a failure waits for them.
    if (instance.state === 'failed' && !sawFailure) return
    const index = STEPS.indexOf(instance.state)
    if (index > reached && !settled) reached = index
    if (reached < 0 && options.initial) reached = Math.max(STEPS.indexOf(options.initial), 0)
    failed = instance.state === 'failed'
    drawSteps(instance.state)
    // The reason is said once: in the failure box when it failed, here otherwise.
    replace(stateLine, `${ref}: `, stateBadge(instance.state, instance.reason), instance.reason && !failed ? ` ${instance.reason}` : '')
    if (settled) return
    if (instance.state === 'ready') {
      settled = true
      const aliases = instance.aliases.length ? ` (${instance.aliases.join(', ')})` : ''
      const said = options.alreadyRunning === 'none' ? [h('strong', null, `${ref} was already running`), `${aliases}: nothing changed.`]
        : options.alreadyRunning === 'rescaled' ? [h('strong', null, `${ref} was already running`), `${aliases}: now ${instance.replicaCount} replica${instance.replicaCount === 1 ? '' : 's'}.`]
        : [h('strong', null, `${ref} is ready`), aliases]
      replace(outcome, h('div', { class: 'ok-box' }, h('p', null, said),
        h('a', { class: 'button primary', href: href('models', name, 'try') }, 'Try it'), ' ', h('a', { class: 'button', href: href('models', name) }, 'Model page')))
      options.onSettled?.('ready')
    } else if (instance.state === 'failed') {
      settled = true
      void showFailure(instance)
      options.onSettled?.('failed')
    }
  })

  const element = h('section', { class: 'card deploy-tracker', 'aria-labelledby': 'tracker-heading' },
    h('h2', { id: 'tracker-heading', tabindex: '-1' }, `Deploying ${ref}`),
    h('ol', { class: 'steps', 'aria-label': 'Deploy progress' }, steps),
    stateLine, outcome,
    h('details', { open: true }, h('summary', null, 'Log'), logs.element))
  return { element, close() { unwatch(); unwatchEvents(); logs.close() } }
}
