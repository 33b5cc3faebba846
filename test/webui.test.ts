/**
 * The console in a real browser (Chromium via playwright-core) against a real `ferry serve`:
 * sign in, upload a bad package and read its problems by JSON path, upload and deploy a good one
 * and watch it become ready, see the overview update live, follow and filter logs, roll back,
 * and try a model. Every page the test opens must ask nothing of any host but 127.0.0.1.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { PNG } from 'pngjs'
import { packFolder } from '../packager/pack.js'
import { ferryPath } from '../packager/repo-root.js'
import { browserUnavailable, findButtonsTabCannotReach, findNamelessButtons, findUnlabelledControls, launchBrowser, measureWidth, signIn, withPage } from './_browser.js'
import { packFixture, zipFixtureUnchecked } from './_deployer-helpers.js'
import { makeTempDir } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

async function uploadWithChooser(page: Page, zip: string): Promise<void> {
  const chooser = page.waitForEvent('filechooser')
  await page.getByRole('button', { name: 'Choose a package…' }).click()
  await (await chooser).setFiles(zip)
}

/** Drops `file` on the element at `selector` as a user dragging it from their desktop would. */
async function dropFile(page: Page, selector: string, file: string): Promise<void> {
  const bytes = [...await readFile(file)]
  const name = basename(file)
  // A string, as the test code has no DOM types: it runs in the page.
  const dataTransfer = await page.evaluateHandle(`(() => {
    const transfer = new DataTransfer()
    transfer.items.add(new File([new Uint8Array(${JSON.stringify(bytes)})], ${JSON.stringify(name)}, { type: 'application/zip' }))
    return transfer
  })()`)
  await page.dispatchEvent(selector, 'dragover', { dataTransfer })
  await page.dispatchEvent(selector, 'drop', { dataTransfer })
}

test('the console, end to end in Chromium', { skip: browserUnavailable(), timeout: 120_000 }, async (t) => {
  const tmp = await makeTempDir(t, 'ferry-webui-')
  const echo = ferryPath('examples', 'echo')
  const bad = await zipFixtureUnchecked('bad-descriptor', join(tmp, 'bad-descriptor-1.0.0.zip'))
  const v1 = (await packFolder({ dir: echo, outDir: join(tmp, 'v1'), version: '1.0.0' })).path
  const v2 = (await packFolder({ dir: echo, outDir: join(tmp, 'v2'), version: '1.0.1' })).path
  const crashing = await packFixture('crash-on-start', join(tmp, 'crash'))
  const [ferry, browser] = await Promise.all([startFerryServe(t), launchBrowser(t)])

  await t.test('sign-in refuses a wrong token and accepts the admin token', (t) => withPage(t, browser, async (page) => {
    await page.goto(`${ferry.url}/`)
    await page.getByRole('heading', { name: 'Sign in to Ferry' }).waitFor()
    await page.getByLabel('Admin token').fill('not-the-token')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').filter({ hasText: 'refused' }).waitFor()
    await page.getByLabel('Admin token').fill(ferry.token)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Overview' }).waitFor()
    await page.getByText('Nothing is deployed yet.').waitFor()
    assert.equal(await page.evaluate('localStorage.getItem("ferry.token")'), null, 'not remembered unless asked')
  }))

  await t.test('a bad package is refused with each problem at its JSON path; a good one is listed', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/packages')
    await uploadWithChooser(page, bad)
    const problems = page.locator('.problems')
    await problems.waitFor()
    await problems.locator('code.json-path', { hasText: '/resources/replicas' }).waitFor()
    assert.match(await problems.innerText(), /E_PACKAGE_INVALID/)
    assert.equal((await (await ferry.api('/api/packages')).json() as unknown[]).length, 0, 'nothing stored')

    // The same package dropped on the zone instead of chosen: the same problems.
    await page.evaluate(`document.querySelector('.problems').remove()`)
    await dropFile(page, '.dropzone', bad)
    await problems.locator('code.json-path', { hasText: '/resources/replicas' }).waitFor()

    await uploadWithChooser(page, v1)
    await page.locator('.ok-box', { hasText: 'echo@1.0.0 uploaded' }).waitFor()
    assert.equal(await page.locator('#upload-progress').getAttribute('value'), '1')
    const [stored] = await (await ferry.api('/api/packages')).json() as Array<{ digest: string }>
    const row = page.locator(`tr[data-key="${stored!.digest}"]`)
    await row.waitFor()
    const text = await row.innerText()
    for (const expected of ['echo', '1.0.0', stored!.digest.slice(0, 12)]) assert.ok(text.includes(expected), `${expected} in ${text}`)
    assert.match(text, /\d+(\.\d)? KB/)
  }))

  await t.test('deploy follows echo@1.0.0 from installing to ready', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/packages')
    await page.getByRole('link', { name: 'Deploy echo@1.0.0' }).click()
    await page.getByRole('heading', { name: 'Deploy', exact: true }).waitFor()
    await page.getByLabel('Alias (optional)').fill('stable')
    await page.getByRole('button', { name: 'Deploy', exact: true }).click()
    await page.getByText('echo@1.0.0 is ready').waitFor({ timeout: 30_000 })
    await page.locator('.steps li.done[data-step="ready"]').waitFor()
    await page.locator('.deploy-tracker .log-lines', { hasText: 'echo listening' }).waitFor()
    const instance = await (await ferry.api('/api/instances/echo@1.0.0')).json() as { state: string; aliases: string[] }
    assert.equal(instance.state, 'ready')
    assert.deepEqual(instance.aliases, ['latest', 'stable'])
  }))

  await t.test('a deploy that fails shows why, with the tail of its log', (t) => withPage(t, browser, async (page) => {
    const upload = await ferry.api('/api/packages', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: await readFile(crashing) })
    const { digest } = await upload.json() as { digest: string }
    await signIn(page, ferry, `#/deploy?package=${digest}`)
    await page.getByRole('button', { name: 'Deploy', exact: true }).click()
    const failure = page.getByRole('alert').filter({ hasText: 'crash-on-start@1.0.0 failed' })
    await failure.waitFor({ timeout: 30_000 })
    await failure.locator('pre.log-tail', { hasText: 'cannot load weights/model.bin' }).waitFor()
    await page.locator('.steps li.failed').waitFor()
    const [model] = (await (await ferry.api('/api/models')).json() as Array<{ name: string; aliases: Record<string, string> }>).filter((m) => m.name === 'crash-on-start')
    assert.deepEqual(model?.aliases, {}, 'a failed version is never tagged')
  }))

  await t.test('the overview updates live when another version is deployed', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/')
    await page.locator('tr[data-key="echo@1.0.0"] [data-state="ready"]').waitFor()
    // Deployed behind the page's back: only /api/events can tell it.
    const upload = await ferry.api('/api/packages', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: await readFile(v2) })
    const { digest } = await upload.json() as { digest: string }
    await ferry.api('/api/deployments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ package: digest }) })
    const row = page.locator('tr[data-key="echo@1.0.1"]')
    // Ready (healthy) comes first; `latest` moves only after the rollout's acceptance (the
    // descriptor's examples) has passed, a moment later and in its own event: wait for it as a
    // user would, rather than reading the row the instant it says ready.
    await row.locator('[data-state="ready"]').waitFor({ timeout: 30_000 })
    await row.locator('.chip', { hasText: 'latest' }).waitFor({ timeout: 30_000 })
    assert.doesNotMatch(await page.locator('tr[data-key="echo@1.0.0"]').innerText(), /latest/, 'latest moved, not copied')
    assert.match(await page.locator('tr[data-key="echo@1.0.0"]').innerText(), /stable/)
  }))

  await t.test('the model page follows the logs live and filters them', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/models/echo')
    const lines = page.locator('.log-lines li')
    await lines.filter({ hasText: 'echo listening' }).first().waitFor()
    const before = await lines.filter({ hasText: 'echo listening' }).count()
    await page.getByRole('button', { name: 'Restart echo@1.0.1' }).click()
    await lines.filter({ hasText: 'echo listening' }).nth(before).waitFor({ timeout: 20_000 })
    await page.getByLabel('Filter lines').fill('listening')
    const shown = await lines.allInnerTexts()
    assert.ok(shown.length > before, `${shown.length} lines shown`)
    assert.ok(shown.every((line) => line.includes('listening')), shown.join('\n'))
    await page.getByLabel('Filter lines').fill('')
    assert.ok(await lines.count() > shown.length)
  }))

  await t.test('roll back moves latest to the previous ready version', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/models/echo')
    await page.locator('#rollback-note', { hasText: 'latest 1.0.1 → 1.0.0' }).waitFor()
    await page.getByRole('button', { name: 'Roll back' }).click()
    await page.getByRole('dialog', { name: 'Roll back echo?' }).getByRole('button', { name: 'Roll back' }).click()
    await page.locator('.toast', { hasText: 'latest 1.0.1 → 1.0.0' }).waitFor()
    await page.locator('tr[data-key="echo@1.0.0"] .chip', { hasText: 'latest' }).waitFor()
    const models = await (await ferry.api('/api/models')).json() as Array<{ name: string; aliases: Record<string, string> }>
    assert.equal(models.find((m) => m.name === 'echo')!.aliases['latest'], '1.0.0')
  }))

  await t.test('try it sends the descriptor\'s example and shows who answered', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/models/echo/try')
    const body = page.getByLabel('JSON body')
    await body.waitFor()
    assert.deepEqual(JSON.parse(await body.inputValue()), { text: 'hello' })
    await body.fill('{"greeting": "hi from the console"}')
    await page.getByRole('button', { name: 'Send' }).click()
    await page.locator('[data-testid="response-body"]', { hasText: 'hi from the console' }).waitFor()
    assert.equal(await page.locator('[data-testid="status"]').innerText(), '200 OK')
    assert.equal(await page.locator('[data-testid="version"]').innerText(), 'echo@1.0.0', 'latest was rolled back to 1.0.0')
    assert.match(await page.locator('[data-testid="time"]').innerText(), /\d+(\.\d+)? (ms|s)$/)
  }))

  await t.test('the overview shows each version\'s requests/s and p95 latency from /metrics', (t) => withPage(t, browser, async (page) => {
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${ferry.url}/models/echo@1.0.0/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"i":${i}}` })
      assert.equal(res.status, 200)
    }
    await signIn(page, ferry, '#/')
    const row = page.locator('tr[data-key="echo@1.0.0"]')
    await row.locator('td[data-label="Requests/s"]', { hasText: /\/s$/ }).waitFor({ timeout: 10_000 })
    await row.locator('td[data-label="p95"]', { hasText: /\d (ms|s)$/ }).waitFor()
    assert.equal(await page.locator('tr[data-key="echo@1.0.1"] td[data-label="p95"]').innerText(), '—', 'no request reached 1.0.1')
  }))

  await t.test('runs show their params, metrics and artifact thumbnails, and filter by search', (t) => withPage(t, browser, async (page) => {
    const png = new PNG({ width: 16, height: 16 })
    png.data.fill(200)
    const created = await ferry.api('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'echo', version: '1.0.0', params: { language: 'eng', psm: 6 }, metrics: { meanConfidence: 91.5 }, status: 'finished' }) })
    assert.equal(created.status, 201)
    const run = await created.json() as { id: number }
    const put = await ferry.api(`/api/runs/${run.id}/artifacts/input.png`, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: PNG.sync.write(png) })
    assert.equal(put.status, 201)

    await signIn(page, ferry, '#/runs')
    const row = page.locator(`tr[data-key="run-${run.id}"]`)
    await row.waitFor()
    const text = await row.innerText()
    for (const expected of ['echo@1.0.0', 'finished', 'language', 'eng', 'psm', 'meanConfidence', '91.5']) assert.ok(text.includes(expected), `${expected} in ${text}`)
    const thumb = row.locator('img.thumb')
    await page.waitForFunction((img) => (img as unknown as { naturalWidth: number }).naturalWidth === 16, await thumb.elementHandle())
    assert.match(await thumb.getAttribute('src') ?? '', /^blob:/)
    // The prediction history lists the request Try it made (20 a page: the requests sent since are newer).
    await page.locator('#history-heading').waitFor()
    const history = page.locator('section', { has: page.locator('#history-heading') })
    const tried = history.locator('code', { hasText: 'POST /models/echo@latest/predict' })
    await history.locator('tr[data-key^="request-"]').first().waitFor()
    while (await tried.count() === 0 && await history.getByRole('button', { name: 'Older' }).isEnabled()) {
      const first = await history.locator('tr[data-key^="request-"]').first().getAttribute('data-key')
      await history.getByRole('button', { name: 'Older' }).click()
      await history.locator('tr[data-key^="request-"]').first().and(page.locator(`:not([data-key="${first}"])`)).waitFor()
    }
    await tried.first().waitFor()

    await page.getByLabel('Search').fill('eng')
    await page.getByRole('button', { name: 'Filter' }).click()
    await row.waitFor()
    await page.getByLabel('Search').fill('no-such-param')
    await page.getByRole('button', { name: 'Filter' }).click()
    await page.getByText('No runs match.').waitFor()
    assert.equal(await row.count(), 0)
  }))

  await t.test('at a phone\'s width no page overflows sideways', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/')
    for (const hash of ['#/', '#/packages', '#/deploy', '#/models/echo', '#/models/echo/try', '#/runs']) {
      await page.goto(`${ferry.url}/${hash}`)
      await page.locator('main h1').waitFor()
      await page.waitForTimeout(500)
      const { scroll, client } = await measureWidth(page)
      assert.ok(scroll <= client, `${hash}: ${scroll}px wide in a ${client}px viewport`)
    }
  }, { viewport: { width: 375, height: 700 }, isMobile: true, hasTouch: true }))

  await t.test('every control has a label and every button is reachable with Tab', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/')
    for (const hash of ['#/packages', '#/deploy', '#/models/echo', '#/models/echo/try', '#/runs']) {
      await page.goto(`${ferry.url}/${hash}`)
      await page.locator('main h1').waitFor()
      await page.waitForTimeout(300)
      assert.deepEqual(await findUnlabelledControls(page), [], `${hash}: controls without a label`)
      assert.deepEqual(await findNamelessButtons(page), [], `${hash}: buttons or links without a name`)
      assert.deepEqual(await findButtonsTabCannotReach(page), [], `${hash}: buttons Tab never reaches`)
    }
  }))
})
