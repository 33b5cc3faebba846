/**
 * The deploy stepper (issue 15, defect 9), in Chromium against a real `ferry serve`: a version
 * whose set-up passed and whose process then exited is marked failed at "starting" (installing
 * done), with its reason said once; deploying a version that runs already says nothing changed.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { browserUnavailable, launchBrowser, measureWidth, signIn, withPage } from './_browser.js'
import { packFixture } from './_deployer-helpers.js'
import { makeTempDir, runFerry } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

const PHONE = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true }

test('the deploy stepper says what happened', { skip: browserUnavailable(), timeout: 180_000 }, async (t) => {
  const tmp = await makeTempDir(t, 'ferry-webui-deploy-steps-')
  const [ferry, browser] = await Promise.all([startFerryServe(t), launchBrowser(t)])
  const upload = async (zip: string) => ((await (await ferry.api('/api/packages', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: await readFile(zip) })).json()) as { digest: string }).digest
  const crashing = await upload(await packFixture('crash-on-start', join(tmp, 'crash')))
  const echo = await ferry.deployFolder(ferryPath('examples', 'echo'))

  for (const [size, options] of [['desktop', {}], ['phone', PHONE]] as const) {
    await t.test(`a process that exits after set-up fails at "starting", its reason said once (${size})`, (t) => withPage(t, browser, async (page) => {
      await signIn(page, ferry, `#/deploy?package=${crashing}`)
      await page.getByRole('button', { name: 'Deploy', exact: true }).click()
      await page.getByRole('alert').filter({ hasText: 'crash-on-start@1.0.0 failed' }).waitFor({ timeout: 30_000 })
      await page.locator('.steps li.failed[data-step="starting"]').waitFor()
      assert.equal(await page.locator('.steps li[data-step="installing"]').getAttribute('class'), 'done', 'set-up completed')
      assert.equal(await page.locator('.steps li.failed').count(), 1)
      const { reason } = (await (await ferry.api('/api/instances/crash-on-start@1.0.0')).json()) as { reason: string }
      assert.ok(reason, 'the server recorded why')
      const said = [await page.locator('.deploy-state').innerText(), await page.locator('.deploy-tracker .error-box > p').first().innerText()].join('\n')
      assert.equal(said.split(reason).length - 1, 1, `the reason once in:\n${said}`)
      assert.match(await page.locator('.deploy-tracker .error-box strong').innerText(), /failed while starting/)
      const width = await measureWidth(page)
      assert.ok(width.scroll <= width.client, `no sideways scroll: ${JSON.stringify(width)}`)
    }, options))
  }

  await t.test('deploying the version that runs already says nothing changed', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, `#/deploy?package=${echo.digest}`)
    await page.getByRole('button', { name: 'Deploy', exact: true }).click()
    const box = page.locator('.deploy-tracker .ok-box')
    await box.waitFor({ timeout: 30_000 })
    assert.match(await box.innerText(), /echo@1\.0\.0 was already running \(latest\): nothing changed\./)
    assert.doesNotMatch(await box.innerText(), /is ready/)
  }, PHONE))

  await t.test('so does ferry deploy, and the API says alreadyRunning', async () => {
    const run = await runFerry(['deploy', ferryPath('examples', 'echo'), '--gateway', ferry.url, '--token', ferry.token])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /^echo@1\.0\.0 ready \(latest\): already running, nothing changed$/m)
    const again = await ferry.api('/api/deployments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ package: echo.digest, replicas: 2 }) })
    assert.equal(((await again.json()) as { alreadyRunning: string }).alreadyRunning, 'rescaled')
  })
})
