/**
 * Aliases in the console (issue 15, defect 1), in Chromium against a real `ferry serve`: the
 * alias fields' `pattern` compiles under the `v` flag (so the browser checks it), the server's
 * refusal of a reserved word is shown beside the field, an alias is removed after a confirmation
 * (never `latest`), and a rollback asks first and changes nothing when cancelled; at desktop and
 * phone sizes.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { packFolder } from '../packager/pack.js'
import { ferryPath } from '../packager/repo-root.js'
import { browserUnavailable, launchBrowser, measureWidth, signIn, withPage } from './_browser.js'
import { makeTempDir } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

interface Validated { validity: { valid: boolean; patternMismatch: boolean } }
const patternMismatch = (el: unknown) => (el as Validated).validity.patternMismatch
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }

test('aliases and rollback in the console', { skip: browserUnavailable(), timeout: 180_000 }, async (t) => {
  const tmp = await makeTempDir(t, 'ferry-webui-aliases-')
  const [ferry, browser] = await Promise.all([startFerryServe(t), launchBrowser(t)])
  for (const version of ['1.0.0', '1.0.1']) {
    const zip = (await packFolder({ dir: ferryPath('examples', 'echo'), outDir: join(tmp, version), version })).path
    const { digest } = await (await ferry.api('/api/packages', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: await readFile(zip) })).json() as { digest: string }
    assert.equal((await ferry.api('/api/deployments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ package: digest }) })).status, 201)
  }
  const aliases = async () => ((await (await ferry.api('/api/models')).json()) as Array<{ name: string; aliases: Record<string, string> }>).find((m) => m.name === 'echo')!.aliases
  const patternErrors = (page: Page) => {
    const seen: string[] = []
    page.on('console', (message) => { if (/pattern/i.test(message.text())) seen.push(message.text()) })
    return seen
  }

  await t.test('the alias fields check the slug rule in the browser (their pattern compiles under the v flag)', (t) => withPage(t, browser, async (page) => {
    const seen = patternErrors(page)
    await signIn(page, ferry, '#/models/echo')
    const field = page.getByLabel('Alias', { exact: true })
    for (const bad of ['Bad Alias!', '../../x', '1.0.0', 'a-']) {
      await field.fill(bad)
      assert.equal(await field.evaluate(patternMismatch), true, `${bad} is refused by the pattern`)
    }
    await field.fill('stable-2')
    assert.equal(await field.evaluate((el: unknown) => (el as Validated).validity.valid), true)
    await page.goto(`${ferry.url}/#/deploy`)
    const deployAlias = page.getByLabel('Alias (optional)')
    await deployAlias.fill('Bad Alias!')
    assert.equal(await deployAlias.evaluate(patternMismatch), true)
    assert.deepEqual(seen, [], 'Chromium reported no invalid pattern')
  }))

  for (const [size, options] of [['desktop', {}], ['phone', PHONE]] as const) {
    await t.test(`a reserved word is refused beside the field; an alias is removed after confirming, latest never (${size})`, (t) => withPage(t, browser, async (page) => {
      await signIn(page, ferry, '#/models/echo')
      const field = page.getByLabel('Alias', { exact: true })
      await field.fill('previous')
      await page.getByRole('button', { name: 'Move alias' }).click()
      await page.getByRole('alert').filter({ hasText: 'E_ALIAS_NAME_RESERVED' }).waitFor()
      assert.equal((await aliases())['previous'], undefined, 'nothing was created')

      await field.fill('stable')
      await page.getByLabel('To version').selectOption('1.0.0')
      await page.getByRole('button', { name: 'Move alias' }).click()
      const item = page.locator('.alias-list li[data-alias="stable"]')
      await item.waitFor()
      assert.equal((await aliases())['stable'], '1.0.0')
      assert.equal(await page.getByRole('button', { name: 'Remove alias latest' }).count(), 0, 'latest cannot be removed')

      // Cancel first: nothing changes; then confirm.
      await page.getByRole('button', { name: 'Remove alias stable' }).click()
      const dialog = page.getByRole('dialog', { name: 'Remove echo@stable?' })
      await dialog.waitFor()
      const width = await measureWidth(page)
      assert.ok(width.scroll <= width.client, `the dialog fits: ${JSON.stringify(width)}`)
      await dialog.getByRole('button', { name: 'Cancel' }).click()
      await dialog.waitFor({ state: 'detached' })
      assert.equal((await aliases())['stable'], '1.0.0', 'cancel kept the alias')
      await page.getByRole('button', { name: 'Remove alias stable' }).click()
      await dialog.getByRole('button', { name: 'Remove alias' }).click()
      await item.waitFor({ state: 'detached' })
      assert.deepEqual(await aliases(), { latest: '1.0.1' })
      assert.equal((await fetch(`${ferry.url}/models/echo@stable/health`)).status, 404, 'the removed alias no longer routes')
    }, options))
  }

  await t.test('roll back asks first: cancelling changes nothing, confirming moves latest', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/models/echo')
    await page.locator('#rollback-note', { hasText: 'latest 1.0.1 → 1.0.0' }).waitFor()
    await page.getByRole('button', { name: 'Roll back' }).click()
    const dialog = page.getByRole('dialog', { name: 'Roll back echo?' })
    await dialog.getByText('latest 1.0.1 → 1.0.0').waitFor()
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    assert.equal((await aliases())['latest'], '1.0.1', 'Escape rolled nothing back')
    await page.getByRole('button', { name: 'Roll back' }).click()
    await dialog.getByRole('button', { name: 'Roll back' }).click()
    await page.locator('tr[data-key="echo@1.0.0"] .chip', { hasText: 'latest' }).waitFor()
    assert.equal((await aliases())['latest'], '1.0.0')
  }, PHONE))
})
