/**
 * Packages → Inspect (issue 15, defect 8), in Chromium against a real `ferry serve`: the
 * descriptor and files open in a panel under the table, so the table keeps its width, nothing
 * scrolls sideways and every row's Delete stays on screen; at desktop and phone sizes.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { packFolder } from '../packager/pack.js'
import { ferryPath } from '../packager/repo-root.js'
import { browserUnavailable, launchBrowser, measureWidth, signIn, withPage } from './_browser.js'
import { makeTempDir } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

const PHONE = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true }

test('inspecting a package leaves the table whole', { skip: browserUnavailable(), timeout: 120_000 }, async (t) => {
  const tmp = await makeTempDir(t, 'ferry-webui-inspect-')
  const [ferry, browser] = await Promise.all([startFerryServe(t), launchBrowser(t)])
  for (const dir of ['echo', 'doc-classifier']) {
    const zip = (await packFolder({ dir: ferryPath('examples', dir), outDir: join(tmp, dir) })).path
    assert.ok((await ferry.api('/api/packages', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: await readFile(zip) })).ok)
  }

  for (const [size, options] of [['desktop', {}], ['phone', PHONE]] as const) {
    await t.test(`Inspect opens the descriptor beside the table, not in it (${size})`, (t) => withPage(t, browser, async (page) => {
      await signIn(page, ferry, '#/packages')
      const inspect = page.getByRole('button', { name: 'Inspect echo@1.0.0' })
      await inspect.click()
      const panel = page.locator('#package-inspector')
      await panel.locator('pre.json', { hasText: '"name": "echo"' }).waitFor()
      assert.equal(await inspect.getAttribute('aria-expanded'), 'true')
      assert.equal(await page.locator('table.data pre').count(), 0, 'nothing expands inside a cell')
      const width = await measureWidth(page)
      assert.ok(width.scroll <= width.client, `the page does not scroll sideways: ${JSON.stringify(width)}`)
      const wrap = await page.locator('.table-wrap').last().evaluate((el) => ({ scroll: (el as { scrollWidth: number }).scrollWidth, client: (el as { clientWidth: number }).clientWidth }))
      assert.ok(wrap.scroll <= wrap.client + 1, `the table does not scroll sideways: ${JSON.stringify(wrap)}`)
      for (const name of ['Delete package echo@1.0.0', 'Delete package doc-classifier@1.0.0']) {
        const box = await page.getByRole('button', { name }).boundingBox()
        assert.ok(box && box.x >= 0 && box.x + box.width <= width.client, `${name} is on screen: ${JSON.stringify(box)}`)
      }
      // Another package replaces it; Close hides it.
      await page.getByRole('button', { name: 'Inspect doc-classifier@1.0.0' }).click()
      await panel.locator('pre.json', { hasText: '"name": "doc-classifier"' }).waitFor()
      assert.equal(await inspect.getAttribute('aria-expanded'), 'false')
      await panel.getByRole('button', { name: 'Close' }).click()
      assert.equal(await panel.isVisible(), false)
    }, options))
  }
})
