/**
 * Batch jobs: every job with its progress, live (#/jobs), and one job (#/jobs/:id) with its
 * figures (done/total, ok and failed, rate, ETA, in flight), its first failures with their inputs,
 * a link to its results as JSON lines, and cancel / remove. Refreshes every second while a job
 * runs, every five otherwise.
 */
import { api, seg } from '../api.js'
import { stateBadge } from '../components/badge.js'
import { errorBox, runAction } from '../components/notice.js'
import { dataTable } from '../components/table.js'
import { h, replace } from '../dom.js'
import { formatRate, formatTime } from '../format.js'
import { href, navigate, type Cleanup, type Route } from '../router.js'

interface Failure { index: number; input: unknown; status: number | null; error: { code?: string; message?: string } | null }
interface Job { id: number; model: string; endpoint: string; kind: 'json' | 'files'; status: string; total: number; done: number; succeeded: number; failed: number; inFlight: number[]; rate: number | null; etaSeconds: number | null; createdAt: string; endedAt: string | null; createdBy: string | null; concurrency: number; failures: Failure[] }

const FAST_MS = 1000
const SLOW_MS = 5000

const eta = (j: Job) => (j.etaSeconds === null ? '—' : j.etaSeconds < 90 ? `${j.etaSeconds} s` : `${Math.round(j.etaSeconds / 60)} min`)

function progress(j: Job): HTMLElement {
  const label = `${j.done} of ${j.total}`
  return h('span', { class: 'job-progress' },
    h('progress', { max: String(j.total), value: String(j.done), 'aria-label': `Job ${j.id}: ${label} done` }),
    h('span', { class: 'small', 'data-progress': String(j.id) }, ` ${label}`))
}

/** Refreshes `load` every second while something runs, every five seconds otherwise, until cleaned up. */
function refreshing(load: () => Promise<boolean>): Cleanup {
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  const tick = async () => {
    const running = await load().catch(() => false)
    if (!stopped) timer = setTimeout(() => void tick(), running ? FAST_MS : SLOW_MS)
  }
  void tick()
  return () => { stopped = true; clearTimeout(timer) }
}

export function renderJobs(main: HTMLElement): Cleanup {
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'))
  replace(main, h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Jobs')),
    h('p', { class: 'muted' }, 'Batches of inputs run through a model (POST /api/jobs, or ', h('code', null, 'ferry job submit'), '). Every result is kept as it comes; a job resumes after a restart of the server.'),
    body)
  return refreshing(async () => {
    try {
      const jobs = await api.get<Job[]>('/jobs?limit=100')
      replace(body, dataTable<Job>([
        { label: 'Job', cell: (j) => h('a', { href: href('jobs', String(j.id)) }, `#${j.id}`) },
        { label: 'Model', cell: (j) => `${j.model} POST ${j.endpoint}` },
        { label: 'Status', cell: (j) => stateBadge(j.status) },
        { label: 'Progress', cell: progress, kind: 'wide' },
        { label: 'Failed', cell: (j) => String(j.failed), kind: 'num' },
        { label: 'Rate', cell: (j) => formatRate(j.rate), kind: 'num' },
        { label: 'ETA', cell: eta, kind: 'num' },
        { label: 'Submitted', cell: (j) => formatTime(j.createdAt) },
      ], jobs, { caption: 'Jobs, newest first', rowKey: (j) => `job-${j.id}`, empty: h('p', null, 'No job yet: submit one with ferry job submit <model> <endpoint> --zip files.zip.') }))
      return jobs.some((j) => j.status === 'running')
    } catch (error) {
      replace(body, errorBox(error, 'Could not list the jobs'))
      return false
    }
  })
}

function figures(j: Job): HTMLElement {
  const item = (term: string, value: string, key: string) => h('div', null, h('dt', null, term), h('dd', { 'data-figure': key }, value))
  return h('dl', { class: 'job-figures' },
    item('Done', `${j.done} of ${j.total}`, 'done'), item('Succeeded', String(j.succeeded), 'succeeded'), item('Failed', String(j.failed), 'failed'),
    item('Rate', formatRate(j.rate), 'rate'), item('ETA', eta(j), 'eta'), item('In flight', String(j.inFlight.length), 'in-flight'),
    item('Concurrency', String(j.concurrency), 'concurrency'), item('Inputs', j.kind === 'files' ? 'files of a zip' : 'JSON values', 'kind'),
    item('Submitted', `${formatTime(j.createdAt)}${j.createdBy ? ` by ${j.createdBy}` : ''}`, 'submitted'), item('Ended', formatTime(j.endedAt), 'ended'))
}

function actions(j: Job, reload: () => Promise<unknown>): HTMLElement {
  const results = h('a', { href: `/api/jobs/${j.id}/results`, download: `job-${j.id}-results.jsonl`, class: 'button' }, `Download results (${j.done})`)
  const buttons: HTMLElement[] = [results]
  if (j.status === 'running') {
    const cancel = h('button', { type: 'button', class: 'danger', 'aria-label': `Cancel job ${j.id}` }, 'Cancel')
    cancel.addEventListener('click', () => void runAction(cancel, async () => { await api.post(`/jobs/${j.id}/cancel`); await reload() }, `Job ${j.id} cancelled`))
    buttons.push(cancel)
  } else {
    const remove = h('button', { type: 'button', class: 'danger', 'aria-label': `Remove job ${j.id}` }, 'Remove')
    remove.addEventListener('click', () => void runAction(remove, async () => { await api.del(`/jobs/${j.id}`); navigate(href('jobs')) }, `Job ${j.id} removed`))
    buttons.push(remove)
  }
  return h('div', { class: 'button-row' }, buttons)
}

export function renderJob(main: HTMLElement, route: Route): Cleanup {
  const id = route.params['id'] ?? ''
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'))
  replace(main, h('p', null, h('a', { href: href('jobs') }, '← Jobs')), h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, `Job #${id}`)), body)
  const load = async () => {
    try {
      const j = await api.get<Job>(`/jobs/${seg(id)}?failures=50`)
      replace(body,
        h('p', null, `${j.model} POST ${j.endpoint} `, stateBadge(j.status)),
        progress(j),
        figures(j),
        actions(j, load),
        h('h2', null, 'Failures'),
        dataTable<Failure>([
          { label: 'Input', cell: (f) => String(f.index), kind: 'num' },
          { label: 'Sent', cell: (f) => h('code', null, typeof f.input === 'string' ? f.input : JSON.stringify(f.input)), kind: 'wide' },
          { label: 'Status', cell: (f) => (f.status === null ? 'no answer' : String(f.status)) },
          { label: 'Error', cell: (f) => `${f.error?.code ?? ''} ${f.error?.message ?? ''}`.trim() },
        ], j.failures, { caption: `Failures of job ${j.id}`, rowKey: (f) => `failure-${f.index}`, empty: h('p', null, 'No input has failed.') }))
      return j.status === 'running'
    } catch (error) {
      replace(body, errorBox(error, `Could not read job ${id}`))
      return false
    }
  }
  return refreshing(load)
}
