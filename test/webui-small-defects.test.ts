/**
 * The smaller console defects of issue 15 (defect 10), in Chromium against a real `ferry serve`:
 * a log filter that is not a valid regular expression says so; error toasts go away by themselves;
 * an unknown model's page says "not found"; a new tab is signed in; "Overview" is not highlighted
 * on a model page; /favicon.ico is served; /docs follows dark mode and shows each endpoint once.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { browserUnavailable, launchBrowser, measureWidth, signIn, withPage } from './_browser.js'
import { startFerryServe } from './_serve-helpers.js'

const PHONE = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true }

test('the console\'s smaller defects', { skip: browserUnavailable(), timeout: 180_000 }, async (t) => {
  const [ferry, browser] = await Promise.all([startFerryServe(t), launchBrowser(t)])
  await ferry.deployFolder(ferryPath('examples', 'echo'))

  await t.test('a log filter that is not a valid regular expression says so and matches as text', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/models/echo')
    const lines = page.locator('.log-lines li')
    await lines.filter({ hasText: 'echo listening' }).first().waitFor()
    const filter = page.getByLabel('Filter lines')
    await filter.fill('/listening[/')
    await page.getByRole('alert').filter({ hasText: 'Not a valid regular expression' }).waitFor()
    assert.equal(await filter.getAttribute('aria-invalid'), 'true')
    await filter.fill('/listen+ing/')
    assert.ok(await lines.filter({ hasText: 'echo listening' }).count() > 0, 'a valid regex matches')
    assert.equal(await page.getByText('Not a valid regular expression').isVisible(), false)
    assert.equal(await filter.getAttribute('aria-invalid'), null)
  }))

  for (const [size, options] of [['desktop', {}], ['phone', PHONE]] as const) {
    await t.test(`an error toast goes away by itself and fits the screen (${size})`, (t) => withPage(t, browser, async (page) => {
      await signIn(page, ferry, '#/packages')
      const remove = page.getByRole('button', { name: 'Delete package echo@1.0.0' })
      await remove.click()
      await remove.click()
      const toast = page.locator('.toast.error')
      await toast.waitFor()
      const width = await measureWidth(page)
      assert.ok(width.scroll <= width.client, `no sideways scroll: ${JSON.stringify(width)}`)
      await toast.waitFor({ state: 'detached', timeout: 30_000 })
    }, options))

    await t.test(`an unknown model's page says not found and lists the models (${size})`, (t) => withPage(t, browser, async (page) => {
      await signIn(page, ferry, '#/models/no-such-model')
      await page.getByRole('heading', { name: 'Model not found' }).waitFor()
      assert.match(await page.locator('main').innerText(), /No model is called no-such-model/)
      await page.getByRole('link', { name: 'echo', exact: true }).click()
      await page.getByRole('heading', { name: 'echo', exact: true }).waitFor()
      assert.equal(await page.getByRole('heading', { name: 'Model not found' }).count(), 0)
    }, options))
  }

  await t.test('a model page and its try page read /openapi.json once between them while no version changes', (t) => withPage(t, browser, async (page) => {
    const reads: string[] = []
    page.on('request', (request) => { if (new URL(request.url()).pathname === '/openapi.json') reads.push(request.url()) })
    await signIn(page, ferry, '#/models/echo')
    await page.locator('.operations .operation').first().waitFor()
    await page.locator('pre[data-snippet="curl"]').waitFor()
    await page.locator('.operations .operation').getByRole('link', { name: 'Try it' }).first().click()
    await page.getByRole('button', { name: 'Send' }).waitFor()
    await page.goBack()
    await page.locator('.operations .operation').first().waitFor()
    assert.equal(reads.length, 1, `read ${reads.length} times`)
  }))

  await t.test('a new tab is signed in, and a model page highlights no "Overview"', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/models/echo')
    await page.getByRole('heading', { name: 'echo', exact: true }).waitFor()
    const overview = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' })
    assert.equal(await overview.getAttribute('aria-current'), null)
    const second = await page.context().newPage()
    await second.goto(`${ferry.url}/#/packages`)
    await second.getByRole('heading', { name: 'Packages', exact: true }).waitFor()
    assert.equal(await second.getByLabel('Admin token').count(), 0, 'no sign-in asked')
    assert.equal(await second.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Packages' }).getAttribute('aria-current'), 'page')
  }))

  await t.test('/favicon.ico is the console\'s icon', async () => {
    const icon = await fetch(`${ferry.url}/favicon.ico`)
    assert.equal(icon.status, 200)
    assert.equal(icon.headers.get('content-type'), 'image/svg+xml')
    assert.match(await icon.text(), /<svg/)
  })

  await t.test('/docs follows dark mode and shows each endpoint once', (t) => withPage(t, browser, async (page) => {
    await page.goto(`${ferry.url}/docs`)
    const paths = page.locator('.opblock-summary-path')
    await paths.filter({ hasText: '/models/echo/predict' }).first().waitFor()
    assert.equal(await page.evaluate('document.documentElement.classList.contains("dark-mode")'), true)
    const background = await page.evaluate('getComputedStyle(document.querySelector(".swagger-ui")).backgroundColor') as string
    const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number)
    assert.ok(r! + g! + b! < 200, `a dark background: ${background}`)
    const shown = (await paths.allInnerTexts()).map((p) => p.replace(/\u200b/g, '').trim()).filter((p) => p.includes('echo'))
    assert.deepEqual(shown.filter((p) => p.startsWith('/models/')), ['/models/echo/predict'], shown.join(', '))
    assert.ok(!shown.some((p) => p.includes('echo@') || p.includes('/versions/')), `no version or alias copies when latest is shown: ${shown.join(', ')}`)
    assert.equal(new Set(shown).size, shown.length, `no endpoint twice: ${shown.join(', ')}`)
    const full = await (await fetch(`${ferry.url}/openapi.json`)).json() as { paths: Record<string, unknown> }
    assert.ok(full.paths['/models/echo@1.0.0/predict'] && full.paths['/models/echo@latest/predict'], '/openapi.json still lists every path')
  }, { colorScheme: 'dark' }))
})
