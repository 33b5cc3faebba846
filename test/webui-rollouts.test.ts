/**
 * The console's rollout view in Chromium against a real `ferry serve`: a canary under live
 * traffic shows both versions with their weights, each window's check with its figures, the
 * chart of both versions, and the pause and abort buttons act on the server; the outcome and its
 * reason stay on the page.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { browserUnavailable, findNamelessButtons, launchBrowser, signIn, withPage } from './_browser.js'
import { makeTempDir } from './_helpers.js'
import { packRolloutModel, startLoad } from './_rollout-helpers.js'
import { startFerryServe } from './_serve-helpers.js'

test('the console shows a canary live and can pause and abort it', { skip: browserUnavailable(), timeout: 120_000 }, async (t) => {
  const tmp = await makeTempDir(t, 'ferry-webui-rollout-')
  const [ferry, browser] = await Promise.all([startFerryServe(t), launchBrowser(t)])
  const deploy = async (version: string, options: Record<string, unknown>) => {
    const upload = await ferry.api('/api/packages', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: await readFile(await packRolloutModel(tmp, version)) })
    const { digest } = await upload.json() as { digest: string }
    const deployed = await ferry.api('/api/deployments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ package: digest, ...options }) })
    assert.equal(deployed.status, 201, await deployed.text())
  }
  await deploy('1.0.0', {})
  await deploy('1.1.0', { strategy: 'canary', step: 10, maxWeight: 90, interval: '1s', minRequests: 1, maxLatencyRatio: 50 })
  const load = startLoad(`${ferry.url}/models/rollout-model/predict`, 50, (i) => ({ i }))
  t.after(() => load.stop())

  await withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/rollouts')
    await page.getByRole('link', { name: 'rollout-model' }).first().click()
    await page.getByRole('heading', { name: 'Rollout of rollout-model' }).waitFor()
    await page.locator('dt', { hasText: 'stable 1.0.0' }).waitFor()
    await page.locator('dt', { hasText: 'candidate 1.1.0' }).waitFor()
    await page.locator('td[data-label="Check"]', { hasText: 'window 2' }).waitFor({ timeout: 15_000 })
    assert.match(await page.locator('td[data-label="Candidate"]').nth(1).innerText(), /\d+ req · 100 % ok · p95/)
    assert.ok(await page.locator('svg.rollout-chart polyline.candidate').count() >= 1, 'the chart draws the candidate')
    assert.deepEqual(await findNamelessButtons(page), [])
    await page.getByRole('button', { name: 'Pause the rollout of rollout-model' }).click()
    await page.getByRole('button', { name: 'Resume the rollout of rollout-model' }).waitFor()
    assert.equal(((await (await ferry.api('/api/rollouts/rollout-model')).json()) as { status: string }).status, 'paused')
    const weight = await page.locator('dd[data-weight="candidate"]').innerText()
    await page.getByRole('button', { name: 'Abort the rollout of rollout-model' }).click()
    await page.locator('.outcome', { hasText: 'aborted by request' }).waitFor()
    await page.locator('[data-state="aborted"]').first().waitFor()
    assert.match(weight, /^\d+ %$/)
  })
  const rollout = await (await ferry.api('/api/rollouts/rollout-model')).json() as { status: string; weight: number }
  assert.deepEqual([rollout.status, rollout.weight], ['aborted', 0])
})
