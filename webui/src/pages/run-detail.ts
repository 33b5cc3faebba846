/**
 * A run's own page, `#/runs/:id`: its model@version, status and timing, every param, metric and
 * tag, its artifacts and the text it recorded, the request it answered; then the metrics of the
 * other runs of the same model@version plotted over time, so this run can be seen among them.
 */
import { api, ApiError } from '../api.js'
import { artifactLink, createArtifactCache } from '../components/artifact.js'
import { stateBadge } from '../components/badge.js'
import { errorBox } from '../components/notice.js'
import { runPlot } from '../components/run-plot.js'
import { h, replace } from '../dom.js'
import { formatDuration, formatNumber, formatTime } from '../format.js'
import { href, type Cleanup, type Route } from '../router.js'
import type { Run } from '../types.js'

function pairs(title: string, record: Record<string, unknown>, format: (v: unknown) => string = String): HTMLElement {
  const entries = Object.entries(record)
  return h('section', { class: 'card' }, h('h2', null, title),
    entries.length ? h('dl', { class: 'pairs' }, entries.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, format(v))))) : h('p', { class: 'muted' }, 'None.'))
}

export function renderRunDetail(main: HTMLElement, route: Route): Cleanup {
  const id = route.params['id'] ?? ''
  const cache = createArtifactCache()
  const plot = runPlot('Among the runs of this version', 'run-detail-plot')
  replace(main, h('h1', { tabindex: '-1' }, `Run #${id}`), h('p', { class: 'muted' }, 'Loading…'))
  void (async () => {
    let run: Run
    try {
      run = await api.get<Run>(`/runs/${encodeURIComponent(id)}`)
    } catch (error) {
      if (error instanceof ApiError && error.code === 'E_RUN_NOT_FOUND') {
        replace(main, h('h1', { tabindex: '-1' }, 'Run not found'), h('p', null, `There is no run #${id}. `, h('a', { href: href('runs') }, 'Back to the runs'), '.'))
      } else replace(main, h('h1', { tabindex: '-1' }, `Run #${id}`), errorBox(error, 'Could not load the run'))
      return
    }
    const took = run.endedAt ? formatDuration(Date.parse(run.endedAt) - Date.parse(run.startedAt)) : 'still running'
    const text = (run as Run & { text?: string }).text
    replace(main,
      h('div', { class: 'page-head' },
        h('div', null, h('p', { class: 'crumbs' }, h('a', { href: href('runs') }, 'Runs'), ' / run'), h('h1', { tabindex: '-1' }, `Run #${run.id}`),
          h('p', null, h('a', { href: href('models', run.model) }, `${run.model}@${run.version}`), ' ', stateBadge(run.status), ` · started ${formatTime(run.startedAt)} · ${took}`,
            run.requestId ? [' · request ', h('code', null, run.requestId)] : null)),
        h('div', { class: 'actions' }, h('a', { class: 'button', href: `${href('runs')}?model=${encodeURIComponent(run.model)}&version=${encodeURIComponent(run.version)}` }, 'Runs of this version'))),
      h('div', { class: 'run-detail' }, pairs('Params', run.params), pairs('Metrics', run.metrics, formatNumber), pairs('Tags', run.tags)),
      h('section', { 'aria-labelledby': 'artifacts-heading' }, h('h2', { id: 'artifacts-heading' }, 'Artifacts'),
        run.artifacts.length ? h('div', { class: 'artifacts' }, run.artifacts.map((a) => artifactLink(a, cache))) : h('p', { class: 'muted' }, 'None.')),
      text ? h('section', { 'aria-labelledby': 'text-heading' }, h('h2', { id: 'text-heading' }, 'Recorded text'), h('pre', null, text)) : null,
      plot.element)
    try {
      const { runs } = await api.get<{ runs: Run[] }>(`/runs?model=${encodeURIComponent(run.model)}&version=${encodeURIComponent(run.version)}&limit=1000`)
      plot.update(runs)
    } catch (error) {
      plot.element.append(errorBox(error, 'Could not list the other runs'))
    }
  })()
  return () => { cache.dispose(); plot.destroy() }
}
