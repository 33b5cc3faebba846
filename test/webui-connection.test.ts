/**
 * The console when things go wrong (issue 15, defects 5 and 6), in Chromium against real
 * `ferry serve` processes: a refused upload names the file the user chose, never the server's
 * storage path; a delete refused for a package in use names it briefly, says what to do and fits
 * the screen; with the server stopped the live dot stops saying "live", a banner says states are
 * as last known, a failed load says the server did not answer (not "Failed to fetch") and offers
 * Retry, which works once the server is back; an offline browser is called offline.
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { ferryPath } from '../packager/repo-root.js'
import { browserUnavailable, launchBrowser, measureWidth, signIn, withPage } from './_browser.js'
import { makeTempDir } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

const PHONE = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true }

/** The text a state badge shows after its own (the CSS note while not live), or '' when none. */
function badgeNote(page: Page, selector: string): Promise<string> {
  return page.locator(selector).first().evaluate((el) => {
    const content = (globalThis as unknown as { getComputedStyle(e: unknown, pseudo: string): { content: string } }).getComputedStyle(el, '::after').content
    return content === 'none' || content === 'normal' ? '' : content
  })
}

test('the console tells the truth when uploads are refused and the server goes away', { skip: browserUnavailable(), timeout: 240_000 }, async (t) => {
  const tmp = await makeTempDir(t, 'ferry-webui-connection-')
  const junk = join(tmp, 'my-model.zip')
  await writeFile(junk, 'this is not a zip file at all, whatever its name says'.repeat(20))
  const [ferry, browser] = await Promise.all([startFerryServe(t), launchBrowser(t)])
  await ferry.deployFolder(ferryPath('examples', 'echo'))

  for (const [size, options] of [['desktop', {}], ['phone', PHONE]] as const) {
    await t.test(`a refused upload names the chosen file; a package in use says so briefly, with what to do (${size})`, (t) => withPage(t, browser, async (page) => {
      await signIn(page, ferry, '#/packages')
      const chooser = page.waitForEvent('filechooser')
      await page.getByRole('button', { name: 'Choose a package…' }).click()
      await (await chooser).setFiles(junk)
      const refusal = page.locator('.upload-result .error-box')
      await refusal.waitFor()
      const text = await refusal.innerText()
      assert.match(text, /my-model\.zip/, text)
      assert.ok(!text.includes(ferry.dataDir) && !/packages\/[0-9a-f]{64}|\.incoming/.test(text), `no storage path: ${text}`)

      await page.getByRole('button', { name: 'Delete package echo@1.0.0' }).click()
      await page.getByRole('button', { name: 'Delete package echo@1.0.0' }).click()
      const toast = page.locator('.toast.error', { hasText: 'E_PACKAGE_IN_USE' }).or(page.locator('.toast.error', { hasText: 'is used by' }))
      await toast.first().waitFor()
      const said = await toast.first().innerText()
      assert.match(said, /echo@1\.0\.0/)
      assert.match(said, /remove that version first/)
      assert.match(said, /Delete the versions that use this package first/, 'the hint is shown')
      assert.doesNotMatch(said, /[0-9a-f]{64}/, 'no 64-character digest')
      const box = await toast.first().boundingBox()
      const width = await measureWidth(page)
      assert.ok(box && box.x >= 0 && box.x + box.width <= width.client + 1, `the toast fits the screen: ${JSON.stringify(box)} in ${width.client}`)
      assert.ok(width.scroll <= width.client, 'nothing runs off-screen')
    }, options))
  }

  await t.test('with the server stopped: not "live", states as last known, loads say so and retry once it is back', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/')
    const dot = page.locator('header.top .live')
    await dot.filter({ hasText: /^live$/ }).waitFor()
    await page.locator('tr[data-key="echo@1.0.0"] [data-state="ready"]').waitFor()
    assert.equal(await badgeNote(page, 'tr[data-key="echo@1.0.0"] [data-state="ready"]'), '', 'no note while live')
    const port = new URL(ferry.url).port
    assert.equal(await ferry.stop(), 0)

    await dot.filter({ hasText: 'server not answering' }).waitFor()
    await page.locator('.connection-banner', { hasText: 'not answering' }).waitFor()
    assert.match(await badgeNote(page, 'tr[data-key="echo@1.0.0"] [data-state="ready"]'), /last known/, 'the ready badge says it is last known')

    await page.evaluate('location.hash = "#/packages"')
    const failure = page.locator('.error-box', { hasText: 'Could not list the packages' })
    await failure.waitFor()
    const text = await failure.innerText()
    assert.match(text, /did not answer/)
    assert.doesNotMatch(text, /Failed to fetch/)

    const again = await startFerryServe(t, { dataDir: ferry.dataDir, args: ['--port', port] })
    assert.equal(again.url, ferry.url)
    // Sessions live in the server's memory: the restarted server asks to sign in again, and says so:
    // on Retry, or before it when the events stream's next try (1–10 s apart) reaches the server first.
    const signInHeading = page.getByRole('heading', { name: 'Sign in to Ferry' })
    const retry = failure.getByRole('button', { name: 'Retry' })
    await retry.or(signInHeading).first().waitFor()
    if (await retry.isVisible()) await retry.click({ timeout: 5_000 }).catch(() => undefined) // gone when the stream got there first
    await signInHeading.waitFor()
    await signIn(page, again, '#/packages')
    await page.getByRole('button', { name: 'Delete package echo@1.0.0' }).waitFor()
    await dot.filter({ hasText: /^live$/ }).waitFor({ timeout: 20_000 })
    assert.equal(await page.locator('.connection-banner').isVisible(), false)
  }))
})

test('an offline browser is called offline, and live again when back', { skip: browserUnavailable(), timeout: 120_000 }, async (t) => {
  const [ferry, browser] = await Promise.all([startFerryServe(t), launchBrowser(t)])
  await withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/')
    const dot = page.locator('header.top .live')
    await dot.filter({ hasText: /^live$/ }).waitFor()
    await page.context().setOffline(true)
    await dot.filter({ hasText: /^offline$/ }).waitFor()
    await page.locator('.connection-banner', { hasText: 'offline' }).waitFor()
    await page.context().setOffline(false)
    await dot.filter({ hasText: /^live$/ }).waitFor()
    assert.equal(await page.locator('.connection-banner').isVisible(), false)
  }, PHONE)
})
