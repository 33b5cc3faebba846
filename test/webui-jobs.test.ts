/**
 * The console's Jobs pages in Chromium against a real `ferry serve`: the list shows a running
 * job's progress and updates it live, the job's page shows its figures and its failures with
 * their inputs once it ends, and Cancel stops a running job on the server.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { browserUnavailable, findNamelessButtons, launchBrowser, signIn, withPage } from './_browser.js'
import { makeTempDir } from './_helpers.js'
import { startFerryServe, type FerryServe } from './_serve-helpers.js'

const submit = async (ferry: FerryServe, inputs: unknown[], concurrency: number): Promise<number> => {
  const res = await ferry.api('/api/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'job-model', endpoint: '/predict', inputs, concurrency }) })
  assert.equal(res.status, 201, await res.clone().text())
  return ((await res.json()) as { id: number }).id
}

test('the console lists jobs with live progress, shows a job\'s failures with their inputs, and cancels one', { skip: browserUnavailable(), timeout: 180_000 }, async (t) => {
  const tmp = await makeTempDir(t, 'ferry-webui-jobs-')
  const [ferry, browser] = await Promise.all([startFerryServe(t, { args: ['--sandbox', 'none'], env: { TMPDIR: tmp } }), launchBrowser(t)])
  await ferry.deployFolder(ferryPath('test', 'fixtures', 'packages', 'job-model'))
  const inputs = [...Array.from({ length: 24 }, (_, i) => ({ i, ms: 250 })), { i: 24, fail: true }]
  const first = await submit(ferry, inputs, 2)
  let second = 0

  await withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/jobs')
    await page.getByRole('heading', { name: 'Jobs' }).waitFor()
    const row = page.locator(`tr[data-key="job-${first}"]`)
    await row.locator('[data-state="running"]').waitFor()
    const label = row.locator(`[data-progress="${first}"]`)
    const before = await label.innerText()
    // Live: the figure moves without a reload.
    await page.waitForFunction(([selector, text]) => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document.querySelector(selector!)?.textContent !== text, [`[data-progress="${first}"]`, before] as const, { timeout: 20_000 })
    assert.match(await label.innerText(), /\d+ of 25/)

    await row.getByRole('link', { name: `#${first}` }).click()
    await page.getByRole('heading', { name: `Job #${first}` }).waitFor()
    await page.locator('[data-state="finished"]').waitFor({ timeout: 30_000 })
    assert.equal(await page.locator('dd[data-figure="done"]').innerText(), '25 of 25')
    assert.equal(await page.locator('dd[data-figure="failed"]').innerText(), '1')
    const failure = page.locator('tr[data-key="failure-24"]')
    assert.match(await failure.innerText(), /\{"i":24,"fail":true\}/)
    assert.match(await failure.innerText(), /422/)
    assert.match(await failure.innerText(), /REFUSED input 24 is refused on purpose/)
    assert.deepEqual(await findNamelessButtons(page), [])

    second = await submit(ferry, Array.from({ length: 40 }, (_, i) => ({ i: 100 + i, ms: 400 })), 1)
    await page.goto(`${ferry.url}/#/jobs/${second}`)
    await page.getByRole('button', { name: `Cancel job ${second}` }).click()
    await page.locator('[data-state="cancelled"]').waitFor()
    await page.getByRole('button', { name: `Remove job ${second}` }).waitFor()
  })
  const job = (await (await ferry.api(`/api/jobs/${second}`)).json()) as { status: string; done: number }
  assert.equal(job.status, 'cancelled')
  assert.ok(job.done < 40)
})
