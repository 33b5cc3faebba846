/**
 * The OCR answer in Try it (issue 15, defect 2), in Chromium against a real `ferry serve` and the
 * OCR example: the words are boxed over the image at the width of the answer (not a half-width
 * copy), each box labelled with its confidence and coloured by it, the words listed beside with
 * theirs (pointing at one lights its box), and "Actual size" shows a wide scan unscaled; at
 * desktop and phone sizes.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { browserUnavailable, launchBrowser, measureWidth, signIn, withPage } from './_browser.js'
import { startFerryServe } from './_serve-helpers.js'

const PHONE = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true }
const skip = browserUnavailable() ?? (existsSync(ferryPath('examples', 'ocr', 'build', 'server.js')) ? undefined : 'examples/ocr is not built (npm run build)')
const width = (el: unknown) => (el as { getBoundingClientRect(): { width: number } }).getBoundingClientRect().width

test('the OCR answer is readable', { skip, timeout: 240_000 }, async (t) => {
  const [ferry, browser] = await Promise.all([startFerryServe(t), launchBrowser(t)])
  await ferry.deployFolder(ferryPath('examples', 'ocr'))

  for (const [size, options] of [['desktop', {}], ['phone', PHONE]] as const) {
    await t.test(`boxes over a full-width image, confidence on each, words beside (${size})`, (t) => withPage(t, browser, async (page) => {
      await signIn(page, ferry, '#/models/ocr/try')
      const chooser = page.waitForEvent('filechooser')
      await page.getByRole('button', { name: 'Choose an image or take a photo…' }).click()
      await (await chooser).setFiles(ferryPath('examples', 'ocr', 'samples', 'fox.png'))
      await page.getByRole('button', { name: 'Send' }).click()
      await page.locator('[data-testid="ocr-text"]').waitFor({ timeout: 60_000 })

      const image = page.getByRole('img', { name: /The image sent, with \d+ recognised words boxed/ })
      const shown = await image.evaluate(width)
      const answer = await page.locator('.try-result').evaluate(width)
      assert.ok(shown >= Math.min(1200, answer * 0.6), `the image is shown at ${shown}px in an answer ${answer}px wide`)

      const boxes = page.locator('svg.word-boxes g.word')
      const count = await boxes.count()
      assert.ok(count >= 9, `a box per word: ${count}`)
      for (let i = 0; i < count; i++) {
        const group = boxes.nth(i)
        assert.match(await group.locator('text').textContent() ?? '', /^\d+(\.\d+)?%$/, 'each box says its confidence')
        assert.match(await group.getAttribute('class') ?? '', /\b(high|medium|low)\b/, 'and is coloured by it')
      }
      const words = page.getByRole('list', { name: 'Recognised words with their confidence' }).locator('li')
      assert.equal(await words.count(), count, 'each word listed')
      assert.match(await words.first().innerText(), /^The\s+\d+(\.\d+)? %$/)
      await words.nth(3).hover()
      assert.match(await boxes.nth(3).getAttribute('class') ?? '', /\blit\b/, 'pointing at a word lights its box')

      await page.getByRole('button', { name: 'Actual size' }).click()
      const frame = page.locator('.zoom-frame')
      assert.ok(await image.evaluate(width) >= 1199, 'actual size is the image\'s own width')
      assert.ok(await frame.evaluate((el) => (el as { scrollWidth: number }).scrollWidth) >= 1199, 'the frame scrolls to show it')
      const page_ = await measureWidth(page)
      assert.ok(page_.scroll <= page_.client, `the page itself does not scroll sideways: ${JSON.stringify(page_)}`)
    }, options))
  }
})
