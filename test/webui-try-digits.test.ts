/**
 * Try it with the digits model (issue 15, defect 7), in Chromium against a real `ferry serve`:
 * the chosen example is painted on the pad; a blank pad is not sent; Ctrl+Enter sends; the
 * endpoint also takes images, so an Image tab offers its samples; and a desktop camera
 * (getUserMedia, Chromium's fake device here) takes a photo to send, the phone capture kept.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { test } from 'node:test'
import { chromium, type Page } from 'playwright-core'
import { ferryPath } from '../packager/repo-root.js'
import { browserUnavailable, CHROMIUM_ARGS, CHROMIUM_PATH, launchBrowser, measureWidth, signIn, withPage } from './_browser.js'
import { startFerryServe } from './_serve-helpers.js'

const PHONE = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true }
const skip = browserUnavailable() ?? (existsSync(ferryPath('examples', 'digits', 'build', 'server.js')) ? undefined : 'examples/digits is not built (npm run build)')

/** How many of the pad's pixels are not white. */
function inkOnPad(page: Page): Promise<number> {
  return page.evaluate(`(() => {
    const canvas = document.querySelector('canvas.pad')
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
    let ink = 0
    for (let i = 0; i < data.length; i += 4) if (data[i] < 200) ink++
    return ink
  })()`)
}

test('Try it with the digits model', { skip, timeout: 240_000 }, async (t) => {
  const [ferry, browser] = await Promise.all([startFerryServe(t), launchBrowser(t)])
  await ferry.deployFolder(ferryPath('examples', 'digits'))

  for (const [size, options] of [['desktop', {}], ['phone', PHONE]] as const) {
    await t.test(`the example is on the pad, a blank pad is not sent, Ctrl+Enter sends (${size})`, (t) => withPage(t, browser, async (page) => {
      const sent: string[] = []
      page.on('request', (request) => { if (request.url().includes('/models/digits')) sent.push(request.url()) })
      await signIn(page, ferry, '#/models/digits/try')
      const values = page.getByLabel('Pixels (64 values, 0–16)')
      await values.waitFor()
      const example = await values.inputValue()
      assert.ok(await inkOnPad(page) > 1000, 'the example is drawn on the pad')

      await page.getByRole('button', { name: 'Clear' }).click()
      assert.equal(await inkOnPad(page), 0)
      await page.getByRole('button', { name: 'Send' }).click()
      await page.getByRole('alert').filter({ hasText: 'The pad is blank' }).waitFor()
      assert.deepEqual(sent, [], 'nothing was sent')

      await values.fill(example)
      assert.ok(await inkOnPad(page) > 1000, 'typed values are drawn on the pad')
      await values.press('Control+Enter')
      await page.locator('[data-testid="answer"]', { hasText: /^0$/ }).waitFor()
      const width = await measureWidth(page)
      assert.ok(width.scroll <= width.client, `no sideways scroll: ${JSON.stringify(width)}`)
    }, options))
  }

  await t.test('the Image tab sends a sample image to the same endpoint', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/models/digits/try')
    await page.getByRole('tab', { name: 'Image' }).click()
    assert.equal(await page.locator('#try-image').getAttribute('capture'), 'environment', 'phones keep the camera capture')
    await page.getByRole('button', { name: 'A three, 64x64 PNG' }).click()
    await page.getByRole('img', { name: /The image to send/ }).waitFor()
    await page.getByRole('button', { name: 'Send' }).click()
    await page.locator('[data-testid="status"]', { hasText: '200' }).waitFor()
    assert.equal(await page.locator('[data-testid="answer"]').innerText(), '3')
  }))

  await t.test('a desktop camera takes a photo to send', async (t) => {
    const camera = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] })
    t.after(() => camera.close())
    await withPage(t, camera, async (page) => {
      await signIn(page, ferry, '#/models/digits/try')
      await page.getByRole('tab', { name: 'Image' }).click()
      await page.getByRole('button', { name: 'Use the camera' }).click()
      await page.locator('video.camera-video').waitFor()
      for (let i = 0; i < 100 && !(await page.evaluate('document.querySelector("video.camera-video").videoWidth') as number); i++) await new Promise((resolve) => setTimeout(resolve, 100))
      await page.getByRole('button', { name: 'Take photo' }).click()
      await page.getByRole('img', { name: 'The image to send: camera photo.png' }).waitFor()
      assert.equal(await page.locator('video.camera-video').isVisible(), false, 'the camera is closed after the photo')
      await page.keyboard.press('Control+Enter')
      await page.locator('[data-testid="status"]', { hasText: '200' }).waitFor()
    }, { permissions: ['camera'] })
  })
})
