/**
 * The console's Try-it forms against the real example models, in Chromium: OCR from an image
 * chosen with the file chooser (the recognised text on the page, each word boxed, then the run it
 * recorded under Runs), the digits drawing pad, and the document classifier's text box. Each
 * scenario runs when its example is built (examples/<name>/build/server.js) and is skipped, with
 * the reason, when it is not.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { browserUnavailable, launchBrowser, signIn, withPage } from './_browser.js'
import { startFerryServe } from './_serve-helpers.js'

const EXAMPLES = ['ocr', 'digits', 'doc-classifier'] as const

function unbuilt(name: string): string | false {
  return existsSync(ferryPath('examples', name, 'build', 'server.js')) ? false : `examples/${name} is not built (npm run build)`
}

const skip = browserUnavailable() ?? (EXAMPLES.every((name) => unbuilt(name)) ? 'no example model is built' : undefined)

test('Try it and Runs with the example models, in Chromium', { skip, timeout: 180_000 }, async (t) => {
  const [ferry, browser] = await Promise.all([startFerryServe(t), launchBrowser(t)])
  const built = EXAMPLES.filter((name) => !unbuilt(name))
  await Promise.all(built.map((name) => ferry.deployFolder(ferryPath('examples', name))))

  await t.test('OCR: an image chosen on the page comes back as text with its words boxed, and its run is listed', { skip: unbuilt('ocr') }, (t) => withPage(t, browser, async (page) => {
    const expected = 'The quick brown fox jumps over the lazy dog.'
    await signIn(page, ferry, '#/models/ocr/try')
    const chooser = page.waitForEvent('filechooser')
    await page.getByRole('button', { name: 'Choose an image or take a photo…' }).click()
    await (await chooser).setFiles(ferryPath('examples', 'ocr', 'samples', 'fox.png'))
    await page.getByRole('img', { name: /The image to send: fox\.png/ }).waitFor()
    assert.equal(await page.locator('#try-image').getAttribute('capture'), 'environment', 'phones offer the camera')
    await page.getByRole('button', { name: 'Send' }).click()
    const text = page.locator('[data-testid="ocr-text"]')
    await text.waitFor({ timeout: 60_000 })
    assert.equal((await text.innerText()).replace(/\s+/g, ' ').trim(), expected)
    assert.equal(await page.locator('[data-testid="version"]').innerText(), 'ocr@1.0.0')
    assert.ok(await page.locator('svg.word-boxes rect').count() >= 9, 'a box per word')

    await page.getByRole('link', { name: 'Runs' }).click()
    const run = page.locator('tr[data-key^="run-"]', { hasText: 'ocr@1.0.0' }).first()
    await run.waitFor({ timeout: 20_000 })
    await run.locator('[data-state="finished"]').waitFor({ timeout: 20_000 })
    await page.locator('tr[data-key^="request-"]', { hasText: 'POST /models/ocr@latest/recognize' }).first().waitFor()
  }))

  await t.test('digits: the example reads as 0, and a drawing becomes 64 values the model answers', { skip: unbuilt('digits') }, (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/models/digits/try')
    const values = page.getByLabel('Pixels (64 values, 0–16)')
    await values.waitFor()
    await page.getByRole('button', { name: 'Send' }).click()
    await page.locator('[data-testid="answer"]', { hasText: /^0$/ }).waitFor()

    await page.getByRole('button', { name: 'Clear' }).click()
    const pad = page.getByRole('img', { name: /Drawing pad/ })
    const box = (await pad.boundingBox())!
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.85, { steps: 12 })
    await page.mouse.up()
    const pixels = JSON.parse(await values.inputValue()) as number[]
    assert.equal(pixels.length, 64)
    assert.ok(pixels.every((v) => Number.isInteger(v) && v >= 0 && v <= 16), String(pixels))
    assert.ok(pixels.some((v) => v > 8), `the stroke shows as ink: ${pixels.join(',')}`)
    await page.getByRole('button', { name: 'Send' }).click()
    await page.locator('[data-testid="status"]', { hasText: '200' }).waitFor()
    assert.match(await page.locator('[data-testid="answer"]').innerText(), /^[0-9]$/)
    assert.equal(await page.locator('.bars li').count(), 10, 'a score per digit')
  }))

  await t.test('doc-classifier: the text box sends {text} and the label comes back', { skip: unbuilt('doc-classifier') }, (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/models/doc-classifier/try')
    const text = page.getByLabel('Text', { exact: true })
    await text.waitFor()
    assert.match(await text.inputValue(), /INVOICE/)
    await page.getByRole('button', { name: 'Send' }).click()
    await page.locator('[data-testid="answer"]', { hasText: 'invoice' }).waitFor()
    await text.fill('Dear Mrs. Holloway,\nThank you for your kind letter and the flowers. Do come round for tea.\nWith best wishes,\nClaire')
    await page.getByRole('button', { name: 'Send' }).click()
    await page.locator('[data-testid="answer"]', { hasText: 'letter' }).waitFor()
  }))
})
