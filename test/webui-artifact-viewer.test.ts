/**
 * Run artifacts (issue 15, defect 3), in Chromium against a real `ferry serve`: a thumbnail opens
 * a viewer in place (no bare blob: tab) that names the run, fits the image to the screen, shows a
 * wide one at actual size scrolling inside the viewer (not the page), steps between the run's
 * images and closes with Escape back to the thumbnail; at desktop and phone sizes.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PNG } from 'pngjs'
import { ferryPath } from '../packager/repo-root.js'
import { browserUnavailable, launchBrowser, measureWidth, signIn, withPage } from './_browser.js'
import { startFerryServe } from './_serve-helpers.js'

const PHONE = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true }
const box = (el: unknown) => (el as { getBoundingClientRect(): { width: number; height: number } }).getBoundingClientRect()

function png(width: number, height: number, grey: number): Buffer {
  const image = new PNG({ width, height })
  image.data.fill(grey)
  return PNG.sync.write(image)
}

test('run artifacts open in a viewer in place', { skip: browserUnavailable(), timeout: 120_000 }, async (t) => {
  const [ferry, browser] = await Promise.all([startFerryServe(t), launchBrowser(t)])
  await ferry.deployFolder(ferryPath('examples', 'echo'))
  const created = await ferry.api('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'echo', version: '1.0.0', params: { page: 1 }, status: 'finished' }) })
  const run = await created.json() as { id: number }
  for (const [name, body] of [['scan.png', png(3000, 200, 180)], ['small.png', png(16, 16, 90)]] as const) {
    assert.equal((await ferry.api(`/api/runs/${run.id}/artifacts/${name}`, { method: 'PUT', headers: { 'content-type': 'image/png' }, body })).status, 201)
  }

  for (const [size, options] of [['desktop', {}], ['phone', PHONE]] as const) {
    await t.test(`a thumbnail opens the viewer with the run's context; fit, actual size, next, Escape (${size})`, (t) => withPage(t, browser, async (page) => {
      await signIn(page, ferry, '#/runs')
      const thumb = page.getByRole('link', { name: /^Open scan\.png/ })
      await thumb.click()
      const viewer = page.getByRole('dialog', { name: 'scan.png' })
      await viewer.waitFor()
      assert.match(await viewer.innerText(), new RegExp(`run #${run.id} · echo@1\\.0\\.0`))
      assert.equal(page.context().pages().length, 1, 'no new tab')
      const image = viewer.getByRole('img', { name: /^scan\.png, an artifact of run/ })
      await page.waitForFunction((img) => (img as unknown as { naturalWidth: number }).naturalWidth === 3000, await image.elementHandle())
      const frame = viewer.locator('.viewer-frame')
      const fitted = await image.evaluate(box)
      const room = await frame.evaluate(box)
      assert.ok(fitted.width <= room.width + 1, `fit: ${fitted.width} in ${room.width}`)

      await viewer.getByRole('button', { name: 'Actual size' }).click()
      await page.waitForFunction((img) => (img as unknown as { getBoundingClientRect(): { width: number } }).getBoundingClientRect().width >= 2999, await viewer.getByRole('img').elementHandle())
      assert.ok(await frame.evaluate((el) => (el as { scrollWidth: number }).scrollWidth) >= 2999, 'the viewer scrolls to show it')
      const width = await measureWidth(page)
      assert.ok(width.scroll <= width.client, `the page does not scroll sideways: ${JSON.stringify(width)}`)

      await page.keyboard.press('ArrowRight')
      await page.getByRole('dialog', { name: 'small.png' }).waitFor()
      assert.match(await viewer.or(page.getByRole('dialog', { name: 'small.png' })).innerText(), /2 of 2/)
      await page.keyboard.press('Escape')
      await page.getByRole('dialog').waitFor({ state: 'detached' })
      assert.equal(await thumb.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement), true, 'focus is back on the thumbnail')
    }, options))
  }
})
