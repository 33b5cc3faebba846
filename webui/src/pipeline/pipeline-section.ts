/**
 * A pipeline's section of its model page: the steps graph of the version shown, as the gateway
 * runs it (sequences in order, ensembles side by side, a switch's cases by value), each call step
 * with the model it calls, the version that reaches now and whether it is ready (a step that is
 * not answers 503 E_PIPELINE_STEP_UNAVAILABLE), and its calls, failures and p95 since the server
 * started. Hidden for a version that is not a pipeline.
 */
import { api } from '../api.js'
import { stateBadge } from '../components/badge.js'
import { errorBox } from '../components/notice.js'
import { descriptorOfDigest } from '../descriptor.js'
import { h, replace, type Child } from '../dom.js'
import { formatMs } from '../format.js'
import { scrapeMetrics } from '../metrics.js'
import { href } from '../router.js'
import type { PipelineStep, RoutingAnswer } from '../types.js'
import { stepFigures, type StepFigures } from './step-figures.js'
import { stepTarget, type StepTarget } from './step-target.js'
import { stepTree, type StepNode } from './step-tree.js'

/** The routing table and the figures are read again at most this often while events arrive. */
const REFRESH_MS = 2000

interface Shown { version: string; start: string; steps: Record<string, PipelineStep> }

const KIND_TEXT: Record<PipelineStep['kind'], string> = { call: 'call', sequence: 'one after another', ensemble: 'in parallel', switch: 'switch' }

function figuresText(figures: StepFigures | undefined): string {
  if (!figures || figures.calls === 0) return 'not called yet'
  return `${figures.calls} call${figures.calls === 1 ? '' : 's'} · ${figures.failed} failed · p95 ${formatMs(figures.p95Ms)}`
}

function targetView(target: StepTarget): Child {
  if (target.ready) return [stateBadge('ready'), ' ', h('a', { href: href('models', target.ref.slice(0, target.ref.indexOf('@'))) }, target.ref)]
  return [stateBadge('unavailable', target.reason), ' ', h('span', { class: 'step-reason' }, target.reason)]
}

function nodeView(node: StepNode, table: RoutingAnswer, figures: Map<string, StepFigures>): HTMLElement {
  const step = node.step
  const branch = node.branch === undefined ? null : h('span', { class: 'step-branch' }, node.branch === 'default' ? 'otherwise' : ['when ', h('code', null, JSON.stringify(node.branch))], ' → ')
  const head = h('div', { class: 'step-head' }, branch, h('strong', { class: 'step-id' }, node.id), ' ', h('span', { class: 'chip' }, step ? KIND_TEXT[step.kind] : 'unknown'))
  const item = h('li', { class: 'pipeline-step', 'data-step': node.id, 'data-kind': step?.kind ?? 'unknown' }, head)
  if (node.repeat) return (head.append(' ', h('span', { class: 'muted small' }, '(shown above)')), item)
  if (!step) return (head.append(' ', h('span', { class: 'muted small' }, 'no step has this id')), item)
  if (step.kind === 'call' && step.model) {
    const target = stepTarget(table, step.model)
    item.dataset['ready'] = String(target.ready)
    item.append(
      h('div', { class: 'step-call' }, 'calls ', h('code', null, step.model), ' ', h('code', null, step.endpoint ?? ''), step.timeoutSeconds ? ` · times out after ${step.timeoutSeconds} s` : ''),
      h('div', { class: 'step-target' }, targetView(target)),
      h('div', { class: 'step-figures muted small' }, figuresText(figures.get(node.id))))
  }
  if (step.kind === 'switch' && step.on) item.append(h('div', { class: 'step-call' }, 'picks by ', h('code', null, step.on), step.default ? '' : '; a value no case names fails the call'))
  if (step.description) item.append(h('p', { class: 'muted small' }, step.description))
  if (node.children.length) item.append(h('ol', { class: `pipeline-steps ${step.kind}` }, node.children.map((c) => nodeView(c, table, figures))))
  return item
}

export function pipelineSection(name: string): { element: HTMLElement; show(version: string, digest: string | undefined): void; close(): void } {
  const body = h('div', null)
  const refresh = h('button', { type: 'button', class: 'small' }, 'Refresh')
  const element = h('section', { 'aria-labelledby': 'pipeline-heading', hidden: true },
    h('div', { class: 'section-head' }, h('h2', { id: 'pipeline-heading' }, 'Pipeline'), refresh),
    h('p', { class: 'muted' }, 'Its steps as the gateway runs them: each call step with the version of the model it reaches now, and what the step has done since the server started.'),
    body)
  let shown: Shown | undefined
  let asked = ''
  let loadedAt = 0
  let timer: ReturnType<typeof setTimeout> | undefined

  async function load(): Promise<void> {
    if (!shown) return
    const current = shown
    loadedAt = Date.now()
    try {
      const [table, scrape] = await Promise.all([api.get<RoutingAnswer>('/routing'), scrapeMetrics().catch(() => undefined)])
      if (shown !== current) return
      const figures = scrape ? stepFigures(scrape, name, current.version) : new Map<string, StepFigures>()
      const tree = stepTree(current.start, current.steps)
      const targets = Object.values(current.steps).filter((s) => s.kind === 'call' && s.model).map((s) => stepTarget(table, s.model!))
      const unready = targets.filter((t) => !t.ready).length
      replace(body,
        h('p', { class: unready ? 'warning-box' : 'muted', role: 'status' }, unready
          ? `${unready} of ${targets.length} call steps cannot be called now: a call that reaches one answers 503 E_PIPELINE_STEP_UNAVAILABLE, naming it.`
          : `All ${targets.length} call steps' models are ready.`),
        h('ol', { class: 'pipeline-steps root', 'aria-label': `Steps of ${name}@${current.version}` }, nodeView(tree.root, table, figures)),
        tree.unreached.length ? h('p', { class: 'muted small' }, 'Not reached from ', h('code', null, current.start), ': ', tree.unreached.join(', ')) : null,
        scrape ? null : h('p', { class: 'muted small' }, 'The step figures could not be read from /metrics.'))
    } catch (error) {
      if (shown === current) replace(body, errorBox(error, 'Could not read the routing table', () => void load()))
    }
  }

  /** Reads the table and figures again now, or once REFRESH_MS has passed since the last read. */
  function schedule(): void {
    if (timer) return
    const wait = Math.max(0, loadedAt + REFRESH_MS - Date.now())
    timer = setTimeout(() => { timer = undefined; void load() }, wait)
  }

  refresh.addEventListener('click', () => void load())

  /** Shows the section for a pipeline (or an error), hides it otherwise; `data-shows` says what a version's descriptor decided (none yet: no version). */
  function decided(shows: 'pipeline' | 'none' | 'error' | undefined): void {
    element.hidden = shows === undefined || shows === 'none'
    if (shows) element.dataset['shows'] = shows
    else delete element.dataset['shows']
  }

  async function show(version: string, digest: string | undefined): Promise<void> {
    const key = `${version} ${digest ?? ''}`
    if (key === asked) return schedule()
    asked = key
    shown = undefined
    if (!version || !digest) return decided(undefined)
    try {
      const descriptor = await descriptorOfDigest(digest)
      if (asked !== key) return
      const runtime = descriptor.runtime
      if (runtime.type !== 'pipeline' || !runtime.start || !runtime.steps) return decided('none')
      shown = { version, start: runtime.start, steps: runtime.steps }
      decided('pipeline')
      replace(body, h('p', { class: 'muted' }, 'Loading the steps…'))
      await load()
    } catch (error) {
      if (asked !== key) return
      decided('error')
      replace(body, errorBox(error, `Could not read the descriptor of ${name}@${version}`))
    }
  }

  return { element, show: (version, digest) => void show(version, digest), close: () => clearTimeout(timer) }
}
