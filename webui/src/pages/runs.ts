/**
 * Runs: tracked runs (GET /api/runs) as a table of params, metrics and artifact thumbnails,
 * filtered by model and version and searched (full text, best match first, the matching words
 * highlighted) in params, tags and the text a run recorded; then the prediction history of
 * the chosen model; a metric of the listed runs plotted over time or against another, and runs
 * chosen to compare side by side (#/runs/compare), each run's own page at #/runs/:id. Refreshes
 * every few seconds while open.
 */
import { api, ApiError } from '../api.js'
import { createArtifactCache, artifactLink } from '../components/artifact.js'
import { stateBadge } from '../components/badge.js'
import { predictionHistory } from '../components/history.js'
import { runPlot } from '../components/run-plot.js'
import { errorBox } from '../components/notice.js'
import { dataTable } from '../components/table.js'
import { field, h, replace } from '../dom.js'
import { formatDuration, formatMs, formatNumber, formatTime } from '../format.js'
import { href, navigate, type Cleanup, type Route } from '../router.js'
import { compareVersions } from '../semver.js'
import type { ModelInfo, Run } from '../types.js'

const REFRESH_MS = 4000

const took = (ms: number) => (ms < 1000 ? formatMs(ms) : formatDuration(ms))

function pairs(record: Record<string, unknown>, format: (v: unknown) => string = String): HTMLElement {
  return h('dl', { class: 'pairs' }, Object.entries(record).map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, format(v)))))
}

export function renderRuns(main: HTMLElement, route: Route): Cleanup {
  const model = route.query.get('model') ?? ''
  const version = route.query.get('version') ?? ''
  const q = route.query.get('q') ?? ''
  const cache = createArtifactCache()
  const modelSelect = h('select', { name: 'model' }, h('option', { value: '' }, 'All models'))
  const versionSelect = h('select', { name: 'version', disabled: !model }, h('option', { value: '' }, 'All versions'))
  const search = h('input', { type: 'search', name: 'q', value: q, placeholder: 'words in params, tags or recorded text', autocomplete: 'off' })
  const body = h('div', null, h('p', { class: 'muted' }, 'Loading…'))
  let shown: string | undefined
  // Runs chosen to compare side by side (#/runs/compare), and the plot of the listed runs' metrics.
  const chosen = new Set<number>()
  const compare = h('a', { class: 'button', href: href('runs', 'compare'), 'aria-disabled': 'true' }, 'Compare selected')
  const updateCompare = () => {
    compare.textContent = `Compare selected (${chosen.size})`
    compare.setAttribute('href', `${href('runs', 'compare')}?ids=${[...chosen].join(',')}`)
    compare.setAttribute('aria-disabled', String(chosen.size < 2))
  }
  updateCompare()
  const choose = (r: Run) => {
    const box = h('input', { type: 'checkbox', checked: chosen.has(r.id), 'aria-label': `Compare run #${r.id}` })
    box.addEventListener('change', () => { if (box.checked) chosen.add(r.id); else chosen.delete(r.id); updateCompare() })
    return box
  }
  const plot = runPlot()

  const apply = () => {
    const query = new URLSearchParams({ ...(modelSelect.value ? { model: modelSelect.value } : {}), ...(modelSelect.value && versionSelect.value ? { version: versionSelect.value } : {}), ...(search.value.trim() ? { q: search.value.trim() } : {}) })
    navigate(`${href('runs')}${query.size ? `?${query}` : ''}`)
  }
  const form = h('form', { class: 'card filters', role: 'search' }, field('Model', modelSelect), field('Version', versionSelect), field('Search', search), h('button', { type: 'submit' }, 'Filter'))
  form.addEventListener('submit', (event) => { event.preventDefault(); apply() })
  modelSelect.addEventListener('change', () => { versionSelect.value = ''; apply() })
  versionSelect.addEventListener('change', apply)

  api.get<ModelInfo[]>('/models').then((models) => {
    for (const m of models) modelSelect.append(h('option', { value: m.name, selected: m.name === model }, m.name))
    const versions = models.find((m) => m.name === model)?.versions.map((v) => v.version).sort(compareVersions).reverse() ?? []
    for (const v of versions) versionSelect.append(h('option', { value: v, selected: v === version }, v))
  }).catch(() => undefined)

  async function load(): Promise<void> {
    const query = new URLSearchParams({ limit: '100', ...(model ? { model } : {}), ...(model && version ? { version } : {}), ...(q ? { q } : {}) })
    try {
      const { runs } = await api.get<{ runs: Run[] }>(`/runs?${query}`)
      const key = JSON.stringify(runs.map((r) => [r.id, r.status, r.endedAt, r.artifacts.length, r.metrics]))
      if (key === shown) return
      shown = key
      plot.update(runs)
      replace(body, dataTable<Run>([
        { label: 'Compare', cell: choose },
        ...(q ? [{ label: 'Match', kind: 'wide' as const, cell: (r: Run) => h('p', { class: 'snippet' }, (r.snippet ?? []).map((part) => (part.match ? h('mark', null, part.text) : part.text))) }] : []),
        { label: 'Started', cell: (r) => [formatTime(r.startedAt), r.endedAt ? h('small', { class: 'muted block' }, took(Date.parse(r.endedAt) - Date.parse(r.startedAt))) : null] },
        { label: 'Model', cell: (r) => h('a', { href: href('models', r.model) }, `${r.model}@${r.version}`) },
        { label: 'Status', cell: (r) => stateBadge(r.status) },
        { label: 'Params', kind: 'wide', cell: (r) => pairs(r.params) },
        { label: 'Metrics', cell: (r) => pairs(r.metrics, formatNumber) },
        { label: 'Artifacts', cell: (r) => h('div', { class: 'artifacts' }, r.artifacts.map((a) => artifactLink(a, cache, { label: `run #${r.id} · ${r.model}@${r.version} · ${formatTime(r.startedAt)}`, artifacts: r.artifacts }))) },
        { label: 'Run', cell: (r) => [h('a', { href: href('runs', String(r.id)), class: 'block' }, `Open #${r.id}`), h('details', null, h('summary', null, h('code', null, `#${r.id}`)), Object.keys(r.tags).length ? pairs(r.tags) : null, r.requestId ? h('p', { class: 'small' }, 'request ', h('code', null, r.requestId)) : null)] },
      ], runs, { caption: 'Tracked runs', rowKey: (r) => `run-${r.id}`, empty: h('p', null, 'No runs match. A model records runs with the tracking API (FERRY_TRACKING_URL).') }))
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && error.code === 'E_ROUTE_NOT_FOUND') replace(body, h('p', { class: 'muted' }, 'This server does not track runs yet (no GET /api/runs).'))
      else replace(body, errorBox(error, 'Could not list the runs', () => void load()))
    }
  }

  const history = predictionHistory({ ...(model ? { model } : {}), ...(model && version ? { version } : {}) })
  replace(main,
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Runs'), h('div', { class: 'actions' }, compare)),
    form,
    plot.element,
    h('section', { 'aria-labelledby': 'runs-heading' }, h('h2', { id: 'runs-heading', class: 'visually-hidden' }, 'Tracked runs'), body),
    history.element)
  void load()
  const timer = setInterval(() => { void load(); void history.reload() }, REFRESH_MS)
  return () => { clearInterval(timer); cache.dispose(); plot.destroy() }
}
