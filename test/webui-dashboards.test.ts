/**
 * The console's dashboards in Chromium against a real `ferry serve` sampling every 300 ms, at
 * desktop and phone width: after real requests to two versions (one failing a fifth of the
 * time), the overview's sparkline and the model page's rate, error and latency charts show those
 * figures (in their text alternative and their table of figures, drawn on a canvas), with the
 * deploy and alias markers; the 24 h range reads the minutes; nothing scrolls sideways.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { browserUnavailable, launchBrowser, measureWidth, saveScreenshot, signIn, withPage } from './_browser.js'
import { waitFor } from './_deployer-helpers.js'
import { makeTempDir } from './_helpers.js'
import { packRolloutModel } from './_rollout-helpers.js'
import { startFerryServe, type FerryServe } from './_serve-helpers.js'

const VIEWPORTS = [{ label: 'desktop', viewport: { width: 1280, height: 900 } }, { label: 'phone', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }] as const

async function deploy(ferry: FerryServe, zip: string): Promise<void> {
  const upload = await ferry.api('/api/packages', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: await readFile(zip) })
  const { digest } = await upload.json() as { digest: string }
  const deployed = await ferry.api('/api/deployments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ package: digest }) })
  assert.equal(deployed.status, 201, await deployed.text())
}

async function send(ferry: FerryServe, count: number): Promise<number> {
  let failed = 0
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${ferry.url}/models/rollout-model/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i }) })
    await response.text()
    if (response.status >= 500) failed += 1
  }
  return failed
}

test('the overview sparkline and the model page charts show real traffic, at desktop and phone width', { skip: browserUnavailable(), timeout: 180_000 }, async (t) => {
  const tmp = await makeTempDir(t, 'ferry-webui-dashboards-')
  const [ferry, browser] = await Promise.all([startFerryServe(t, { env: { FERRY_TIMESERIES_SAMPLE_MS: '300' } }), launchBrowser(t)])
  await deploy(ferry, await packRolloutModel(tmp, '1.0.0', { FAIL_PERCENT: '20', SLOW_MS: '20' }))
  const failed = await send(ferry, 30)
  assert.ok(failed > 0)
  await deploy(ferry, await packRolloutModel(tmp, '1.1.0'))
  await send(ferry, 30)
  await waitFor(async () => {
    const body = await (await ferry.api('/api/models/rollout-model/timeseries?range=15m')).json() as { versions: Array<{ version: string; points: Array<{ requests: number }> }> }
    return body.versions.length === 2 && body.versions.every((v) => v.points.reduce((n, p) => n + p.requests, 0) > 0)
  }, 15_000, 'both versions sampled')

  for (const { label, ...options } of VIEWPORTS) {
    await withPage(t, browser, async (page) => {
      await signIn(page, ferry, '#/')
      const spark = page.locator('tr[data-key="rollout-model@1.1.0"] .sparkline')
      await spark.locator('canvas').first().waitFor()
      assert.match(await spark.getAttribute('aria-label') ?? '', /^requests\/s of rollout-model@1\.1\.0 over the last 15 minutes: last [\d.]+\/s, peak [1-9][\d.]*\/s/)
      await saveScreenshot(page, `dashboards-overview-${label}`)

      await page.goto(`${ferry.url}/#/models/rollout-model`)
      const rate = page.locator('figure.chart', { hasText: 'Requests/s' })
      await rate.locator('canvas').first().waitFor()
      await waitFor(async () => /1\.0\.0: last .*peak [1-9]/.test(await rate.getAttribute('aria-label') ?? ''), 10_000, 'the rate chart names its figures')
      assert.match(await rate.getAttribute('aria-label') ?? '', /1\.1\.0: last .*peak [1-9].*markers?/)
      // The table of figures holds the same numbers, one row per sample with requests.
      const rows = await rate.locator('table.chart-figures tbody tr').count()
      assert.ok(rows >= 2, `${rows} rows of figures`)
      const errors = page.locator('figure.chart', { hasText: 'Errors' })
      assert.match(await errors.getAttribute('aria-label') ?? '', /1\.0\.0: last [\d.]+ %, peak [1-9][\d.]* %/, 'FAIL_PERCENT 20 shows as errors of 1.0.0')
      const latency = page.locator('figure.chart', { hasText: 'Latency' })
      assert.match(await latency.getAttribute('aria-label') ?? '', /1\.0\.0 p95: last [\d.]+ ms, peak [1-9][\d.]* ms/)
      assert.equal(await latency.locator('table.chart-figures thead th').count(), 1 + 6, 'time, then p50/p95/p99 of two versions')
      assert.match(await page.locator('figure.chart', { hasText: 'Ready replicas' }).getAttribute('aria-label') ?? '', /1\.1\.0: last 1,/)
      assert.ok(await page.locator('figure.chart', { hasText: 'Rollout weight' }).isHidden(), 'no rollout, no weight chart')
      const markers = page.getByRole('list', { name: 'Markers' })
      await markers.getByText('deploy: deployed 1.1.0').waitFor()
      await markers.getByText('alias: latest → 1.1.0').first().waitFor()
      assert.ok(await rate.locator('.u-legend').isVisible(), 'the legend names each version')
      // The axes take the scheme's colours: a switch between light and dark draws the charts again.
      const axisColor = () => rate.locator('.chart-plot').getAttribute('data-axis-color')
      const light = await axisColor()
      await page.emulateMedia({ colorScheme: 'dark' })
      await waitFor(async () => (await axisColor()) !== light, 5_000, 'the chart drawn again in the dark scheme')
      await page.emulateMedia({ colorScheme: 'light' })
      await waitFor(async () => (await axisColor()) === light, 5_000, 'and in the light one')
      await saveScreenshot(page, `dashboards-model-${label}`)
      await page.getByText('24 hours', { exact: true }).click()
      await page.getByText(/one point per minute/).waitFor()
      assert.match(await rate.getAttribute('aria-label') ?? '', /1\.1\.0: last [\d.]+\/s, peak [1-9]/)
      const width = await measureWidth(page)
      const wide = await page.evaluate(`[...document.querySelectorAll('main *')].filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(0, 5).map((el) => el.tagName + '.' + el.className)`)
      assert.ok(width.scroll <= width.client + 1, `no sideways scroll at ${label}: ${width.scroll} > ${width.client} (${JSON.stringify(wide)})`)
    }, options)
  }
})

test('runs: a metric plotted over time and against another, runs compared side by side, a run page', { skip: browserUnavailable(), timeout: 120_000 }, async (t) => {
  const [ferry, browser] = await Promise.all([startFerryServe(t), launchBrowser(t)])
  const start = Date.now() - 60 * 60_000
  const made: number[] = []
  for (let i = 0; i < 6; i++) {
    const version = i < 3 ? '1.0.0' : '1.1.0'
    const body = { model: 'ranker', version, status: 'finished', startedAt: new Date(start + i * 60_000).toISOString(), endedAt: new Date(start + i * 60_000 + 1500).toISOString(),
      params: { threshold: version === '1.0.0' ? 0.5 : 0.7, batch: 8 }, metrics: { mean_confidence: 0.6 + i * 0.05, latency_ms: 20 + i * 10 } }
    const response = await ferry.api('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    assert.equal(response.status, 201, await response.clone().text())
    made.push(((await response.json()) as { id: number }).id)
  }
  for (const { label, ...options } of VIEWPORTS) {
    await withPage(t, browser, async (page) => {
      await signIn(page, ferry, '#/runs')
      await page.getByLabel('Metric', { exact: true }).selectOption('mean_confidence')
      const overTime = page.locator('figure.chart', { hasText: 'mean_confidence over time' })
      await overTime.locator('canvas').first().waitFor()
      assert.match(await overTime.getAttribute('aria-label') ?? '', /ranker@1\.0\.0: last 0\.70, peak 0\.70, mean 0\.65; ranker@1\.1\.0: last 0\.85/)
      await page.getByLabel('Against', { exact: true }).selectOption('latency_ms')
      const against = page.locator('figure.chart', { hasText: 'mean_confidence against latency_ms' })
      await against.locator('canvas').first().waitFor()
      assert.equal(await against.locator('table.chart-figures tbody tr').count(), 6, 'one row of figures per run')
      assert.deepEqual(await against.locator('table.chart-figures tbody tr').first().locator('th, td').allInnerTexts(), ['20.0', '0.60', '—'])
      await page.getByText('6 runs plotted').waitFor()
      await saveScreenshot(page, `dashboards-runs-${label}`)

      await page.getByLabel(`Compare run #${made[0]}`).check()
      await page.getByLabel(`Compare run #${made[4]}`).check()
      await page.getByRole('link', { name: 'Compare selected (2)' }).click()
      await page.getByRole('heading', { name: 'Compare runs' }).waitFor()
      const threshold = page.locator('tr[data-field="Params.threshold"]')
      await threshold.waitFor() // the heading comes first, the runs' fields once both are fetched
      assert.deepEqual(await threshold.locator('td').allInnerTexts(), ['0.5', '0.7'])
      assert.equal(await threshold.getAttribute('class'), 'differs')
      assert.match(await threshold.locator('th').innerText(), /threshold/)
      assert.equal(await threshold.locator('th .visually-hidden').textContent(), ' (differs)')
      assert.equal(await page.locator('tr[data-field="Params.batch"]').getAttribute('class'), null, 'the same batch does not differ')
      await page.getByText('fields differ').waitFor()
      await saveScreenshot(page, `dashboards-compare-${label}`)
      const width = await measureWidth(page)
      assert.ok(width.scroll <= width.client + 1, `no sideways page scroll at ${label}`)

      await page.getByRole('link', { name: `Run #${made[0]}` }).click()
      await page.getByRole('heading', { name: `Run #${made[0]}` }).waitFor()
      await page.locator('dt', { hasText: 'mean_confidence' }).waitFor()
      const among = page.locator('figure.chart', { hasText: 'over time' })
      await among.locator('canvas').first().waitFor()
      assert.equal(await among.getAttribute('data-values'), '3', 'the three runs of ranker@1.0.0')
      await page.goto(`${ferry.url}/#/runs/99999`)
      await page.getByRole('heading', { name: 'Run not found' }).waitFor()
    }, options)
  }
})
