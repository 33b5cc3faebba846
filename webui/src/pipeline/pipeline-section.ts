/**
 * A pipeline's section of its model page: the steps graph of the version shown, as the gateway
 * runs it (GET /api/instances/:ref/steps: sequences in order, ensembles side by side, a switch's
 * cases by value), each call step with the model it calls, the version that reaches now and
 * whether it is ready (a step that is not answers 503 E_PIPELINE_STEP_UNAVAILABLE), and its calls,
 * failures and p95 since the server started. Hidden for a version that is not a pipeline.
 */
import { api, seg } from '../api.js'
import { stateBadge } from '../components/badge.js'
import { errorBox } from '../components/notice.js'
import { h, replace, type Child } from '../dom.js'
import { formatMs } from '../format.js'
import { href } from '../router.js'
import type { InstanceInfo, PipelineStepNode, PipelineSteps } from '../types.js'

/** The steps are read again at most this often while events arrive. */
const REFRESH_MS = 2000

const KIND_TEXT: Record<PipelineStepNode['kind'], string> = { call: 'call', sequence: 'one after another', ensemble: 'in parallel', switch: 'switch', unknown: 'unknown' }

function figuresText(figures: PipelineStepNode['figures']): string {
  if (!figures || figures.calls === 0) return 'not called yet'
  return `${figures.calls} call${figures.calls === 1 ? '' : 's'} · ${figures.failed} failed · p95 ${formatMs(figures.p95Ms)}`
}

function targetView(target: NonNullable<PipelineStepNode['target']>): Child {
  if (target.ready && target.ref) return [stateBadge('ready'), ' ', h('a', { href: href('models', target.ref.slice(0, target.ref.indexOf('@'))) }, target.ref)]
  return [stateBadge('unavailable', target.reason), ' ', h('span', { class: 'step-reason' }, target.reason ?? '')]
}

function nodeView(node: PipelineStepNode): HTMLElement {
  const branch = node.branch === undefined ? null : h('span', { class: 'step-branch' }, node.branch === 'default' ? 'otherwise' : ['when ', h('code', null, JSON.stringify(node.branch))], ' → ')
  const head = h('div', { class: 'step-head' }, branch, h('strong', { class: 'step-id' }, node.id), ' ', h('span', { class: 'chip' }, KIND_TEXT[node.kind]))
  const item = h('li', { class: 'pipeline-step', 'data-step': node.id, 'data-kind': node.kind }, head)
  if (node.repeat) return (head.append(' ', h('span', { class: 'muted small' }, '(shown above)')), item)
  if (node.kind === 'unknown') return (head.append(' ', h('span', { class: 'muted small' }, 'no step has this id')), item)
  if (node.kind === 'call' && node.target) {
    item.dataset['ready'] = String(node.target.ready)
    item.append(
      h('div', { class: 'step-call' }, 'calls ', h('code', null, node.model ?? ''), ' ', h('code', null, node.endpoint ?? ''), node.timeoutSeconds ? ` · times out after ${node.timeoutSeconds} s` : ''),
      h('div', { class: 'step-target' }, targetView(node.target)),
      h('div', { class: 'step-figures muted small' }, figuresText(node.figures)))
  }
  if (node.kind === 'switch' && node.on) item.append(h('div', { class: 'step-call' }, 'picks by ', h('code', null, node.on), node.hasDefault ? '' : '; a value no case names fails the call'))
  if (node.description) item.append(h('p', { class: 'muted small' }, node.description))
  if (node.children.length) item.append(h('ol', { class: `pipeline-steps ${node.kind}` }, node.children.map(nodeView)))
  return item
}

export function pipelineSection(name: string): { element: HTMLElement; show(instance: InstanceInfo | undefined): void; close(): void } {
  const body = h('div', null)
  const refresh = h('button', { type: 'button', class: 'small' }, 'Refresh')
  const element = h('section', { 'aria-labelledby': 'pipeline-heading', hidden: true },
    h('div', { class: 'section-head' }, h('h2', { id: 'pipeline-heading' }, 'Pipeline'), refresh),
    h('p', { class: 'muted' }, 'Its steps as the gateway runs them: each call step with the version of the model it reaches now, and what the step has done since the server started.'),
    body)
  let shown: { version: string } | undefined
  let loadedAt = 0
  /** Only the newest read is drawn: an older one that ends later is dropped. */
  let reads = 0
  let timer: ReturnType<typeof setTimeout> | undefined

  async function load(): Promise<void> {
    if (!shown) return
    const current = shown
    const read = ++reads
    loadedAt = Date.now()
    try {
      const report = await api.get<PipelineSteps>(`/instances/${seg(`${name}@${current.version}`)}/steps`)
      if (shown !== current || read !== reads) return
      const { unavailable, callSteps, served } = report
      replace(body,
        served.ready ? null : h('p', { class: 'warning-box', role: 'alert' }, `${report.ref} is not served now: ${served.reason ?? 'it is not ready'}.`),
        h('p', { class: unavailable ? 'warning-box' : 'muted', role: 'status' }, unavailable
          ? `${unavailable} of ${callSteps} call steps cannot be called now: a call that reaches one answers 503 E_PIPELINE_STEP_UNAVAILABLE, naming it.`
          : `All ${callSteps} call steps' models are ready.`),
        h('ol', { class: 'pipeline-steps root', 'aria-label': `Steps of ${report.ref}` }, nodeView(report.tree)),
        report.unreached.length ? h('p', { class: 'muted small' }, 'Not reached from ', h('code', null, report.start), ': ', report.unreached.join(', ')) : null)
    } catch (error) {
      if (shown === current && read === reads) replace(body, errorBox(error, `Could not read the steps of ${name}@${current.version}`, () => void load()))
    }
  }

  /** Reads the table and figures again now, or once REFRESH_MS has passed since the last read. */
  function schedule(): void {
    if (timer) return
    const wait = Math.max(0, loadedAt + REFRESH_MS - Date.now())
    timer = setTimeout(() => { timer = undefined; void load() }, wait)
  }

  refresh.addEventListener('click', () => void load())

  /** Shows the section for a pipeline, hides it otherwise; `data-shows` says which was decided for the version shown (none yet: no version). */
  function decided(shows: 'pipeline' | 'none' | undefined): void {
    element.hidden = shows === undefined || shows === 'none'
    if (shows) element.dataset['shows'] = shows
    else delete element.dataset['shows']
  }

  /** The version the model page shows; called on every change of the instance list. */
  function show(instance: InstanceInfo | undefined): void {
    if (instance && shown?.version === instance.version) return schedule()
    shown = undefined
    if (!instance) return decided(undefined)
    if (!instance.pipeline) return decided('none')
    shown = { version: instance.version }
    decided('pipeline')
    replace(body, h('p', { class: 'muted' }, 'Loading the steps…'))
    void load()
  }

  return { element, show, close: () => clearTimeout(timer) }
}
