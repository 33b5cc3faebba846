/**
 * Rollouts: every rollout newest first (#/rollouts), and one model's rollout live
 * (#/rollouts/:name): its two versions and current weights, each check with its figures and
 * verdict, a chart of both versions' success rate and p95 over the windows, promote / abort /
 * pause / resume, and the outcome with its reason. Refreshes on each rollout event and every 2 s.
 */
import { api, seg } from '../api.js'
import { stateBadge } from '../components/badge.js'
import { errorBox, runAction } from '../components/notice.js'
import { dataTable } from '../components/table.js'
import { h, replace, svg } from '../dom.js'
import { formatMs, formatTime } from '../format.js'
import { watchEvents } from '../live.js'
import { href, type Cleanup, type Route } from '../router.js'

interface Figures { requests: number; succeeded: number; p95Ms: number | null; successRate?: number | null }
interface Check { type: 'check' | 'acceptance'; window?: number; at: string; weight?: number; verdict?: string; reasons?: string[]; passed?: boolean; failures?: Array<{ example: string; reason: string }>; candidate?: Figures; stable?: Figures | null; shadow?: { compared: number; agreed: number; agreement: number | null } }
interface Rollout { id: number; name: string; candidate: string; stable: string | null; strategy: string; status: string; weight: number; failures: number; reason: string | null; createdAt: string; endedAt: string | null; config: { step: number; maxWeight: number; intervalMs: number; threshold: number }; checks: Check[]; live: { candidate: Figures; stable: Figures | null } | null }

const REFRESH_MS = 2000
const percent = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `${Math.round(n * 10) / 10} %`)
const rate = (f: Figures | null | undefined) => (f && f.requests > 0 ? (100 * f.succeeded) / f.requests : null)
const active = (r: Rollout) => r.status === 'running' || r.status === 'paused'

export function renderRollouts(main: HTMLElement): Cleanup {
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'))
  replace(main, h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Rollouts')), body)
  const load = async () => {
    try {
      const rollouts = await api.get<Rollout[]>('/rollouts?limit=50')
      replace(body, dataTable<Rollout>([
        { label: 'Model', cell: (r) => h('a', { href: href('rollouts', r.name) }, r.name) },
        { label: 'Strategy', cell: (r) => r.strategy },
        { label: 'Versions', cell: (r) => `${r.stable ?? '–'} → ${r.candidate}` },
        { label: 'Status', cell: (r) => stateBadge(r.status, r.reason) },
        { label: 'Weight', cell: (r) => `${r.weight} %` },
        { label: 'Started', cell: (r) => formatTime(r.createdAt) },
      ], rollouts, { caption: 'Rollouts, newest first', rowKey: (r) => `rollout-${r.id}`, empty: h('p', null, 'No rollout yet: deploy a new version of a model (ferry deploy --strategy canary).') }))
    } catch (error) {
      replace(body, errorBox(error, 'Could not list the rollouts'))
    }
  }
  void load()
  const timer = setInterval(() => void load(), REFRESH_MS * 2)
  return () => clearInterval(timer)
}

/** Success rate (0–100, left axis) and p95 (right axis, ms) of both versions per window. */
function windowChart(checks: Check[]): SVGSVGElement | HTMLElement {
  const windows = checks.filter((c) => c.type === 'check' && c.candidate)
  if (windows.length === 0) return h('p', { class: 'muted' }, 'No window judged yet.')
  const W = 560, H = 180, PAD = 30
  const x = (i: number) => PAD + (windows.length === 1 ? (W - 2 * PAD) / 2 : (i * (W - 2 * PAD)) / (windows.length - 1))
  const maxP95 = Math.max(1, ...windows.flatMap((c) => [c.candidate!.p95Ms ?? 0, c.stable?.p95Ms ?? 0]))
  const ySuccess = (v: number) => H - PAD - ((v / 100) * (H - 2 * PAD))
  const yLatency = (v: number) => H - PAD - ((v / maxP95) * (H - 2 * PAD))
  const line = (values: Array<number | null>, y: (v: number) => number, cls: string, label: string) => {
    const points = values.map((v, i) => (v === null ? null : `${x(i)},${y(v)}`)).filter(Boolean).join(' ')
    return svg('polyline', { points, class: `series ${cls}`, fill: 'none', 'stroke-width': '2' }, svg('title', null, label))
  }
  return svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'rollout-chart', role: 'img', 'aria-label': `Success rate and p95 latency of both versions over ${windows.length} window(s)` },
    svg('line', { x1: PAD, y1: H - PAD, x2: W - PAD, y2: H - PAD, class: 'axis' }),
    svg('text', { x: 2, y: PAD - 8, class: 'axis-label' }, 'success % (solid) · p95 (dashed, max ' + formatMs(maxP95) + ')'),
    line(windows.map((c) => rate(c.candidate)), ySuccess, 'candidate', 'candidate success rate'),
    line(windows.map((c) => rate(c.stable)), ySuccess, 'stable', 'stable success rate'),
    line(windows.map((c) => c.candidate!.p95Ms), yLatency, 'candidate dashed', 'candidate p95'),
    line(windows.map((c) => c.stable?.p95Ms ?? null), yLatency, 'stable dashed', 'stable p95'))
}

function actions(r: Rollout, reload: () => Promise<void>): HTMLElement | null {
  if (!active(r)) return null
  const button = (label: string, action: string, done: string, kind = '') => {
    const b = h('button', { type: 'button', class: kind, 'aria-label': `${label} the rollout of ${r.name}` }, label)
    b.addEventListener('click', () => void runAction(b, async () => { await api.post(`/rollouts/${seg(r.name)}/${action}`); await reload() }, done))
    return b
  }
  return h('div', { class: 'button-row' },
    button('Promote', 'promote', `${r.name}@${r.candidate} promoted`),
    r.status === 'paused' ? button('Resume', 'resume', 'Resumed') : button('Pause', 'pause', 'Paused'),
    button('Abort', 'abort', `Rollout of ${r.name}@${r.candidate} aborted`, 'danger'))
}

export function renderRollout(main: HTMLElement, route: Route): Cleanup {
  const name = route.params['name']!
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'))
  replace(main, h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, `Rollout of ${name}`), h('a', { href: href('rollouts') }, 'All rollouts')), body)
  let shown = ''
  const load = async (): Promise<void> => {
    try {
      const r = await api.get<Rollout>(`/rollouts/${seg(name)}`)
      const key = JSON.stringify([r.status, r.weight, r.checks.length, r.live])
      if (key === shown) return
      shown = key
      const stableWeight = r.strategy === 'canary' ? 100 - r.weight : 100
      replace(body,
        h('section', { class: 'card', 'aria-label': 'Versions and weights' },
          h('p', null, stateBadge(r.status, r.reason), ` ${r.strategy} · rollout #${r.id} · started ${formatTime(r.createdAt)}${r.endedAt ? ` · ended ${formatTime(r.endedAt)}` : ''}`),
          h('dl', { class: 'pairs' },
            h('div', null, h('dt', null, `stable ${r.stable ?? '–'}`), h('dd', { 'data-weight': 'stable' }, active(r) ? `${stableWeight} %` : '–')),
            h('div', null, h('dt', null, `${r.strategy === 'shadow' ? 'shadow' : 'candidate'} ${r.candidate}`), h('dd', { 'data-weight': 'candidate' }, `${r.weight} %${r.strategy === 'shadow' ? ' mirrored' : ''}`)),
            r.strategy === 'canary' ? h('div', null, h('dt', null, 'failed checks'), h('dd', null, `${r.failures} of ${r.config.threshold}`)) : null),
          r.reason ? h('p', { class: 'outcome' }, h('strong', null, 'Outcome: '), r.reason) : null,
          actions(r, async () => { shown = ''; await load() })),
        h('section', { class: 'card', 'aria-label': 'Chart' }, h('h2', null, 'Success rate and p95 per window'), windowChart(r.checks)),
        dataTable<Check>([
          { label: 'Check', cell: (c) => (c.type === 'acceptance' ? 'acceptance' : `window ${c.window}`) },
          { label: 'Verdict', cell: (c) => stateBadge(c.type === 'acceptance' ? (c.passed ? 'passed' : 'failed') : c.verdict ?? '–') },
          { label: 'Weight', cell: (c) => (c.weight === undefined ? '–' : `${c.weight} %`) },
          { label: 'Candidate', cell: (c) => (c.candidate ? `${c.candidate.requests} req · ${percent(rate(c.candidate))} ok · p95 ${formatMs(c.candidate.p95Ms)}` : '–') },
          { label: 'Stable', cell: (c) => (c.stable ? `${c.stable.requests} req · ${percent(rate(c.stable))} ok · p95 ${formatMs(c.stable.p95Ms)}` : '–') },
          { label: 'Agreement', cell: (c) => (c.shadow ? `${percent(c.shadow.agreement)} of ${c.shadow.compared}` : '–') },
          { label: 'Why', kind: 'wide', cell: (c) => (c.type === 'acceptance' ? (c.failures ?? []).map((f) => `${f.example}: ${f.reason}`).join('; ') : (c.reasons ?? []).join('; ')) },
        ], r.checks, { caption: 'Checks, oldest first', rowKey: (c) => `check-${c.type}-${c.window ?? 0}` }))
    } catch (error) {
      replace(body, errorBox(error, `Could not load the rollout of ${name}`))
    }
  }
  void load()
  const stop = watchEvents((event) => { if (event.type === 'rollout' && event.name === name) void load() })
  const timer = setInterval(() => void load(), REFRESH_MS)
  return () => { clearInterval(timer); stop() }
}
