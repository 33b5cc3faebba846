/**
 * The console says when models run without a sandbox: a banner on the overview, from /ready,
 * with the reason; none when they run in bubblewrap.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { detectSandbox } from '../deployer/sandbox/index.js'
import { browserUnavailable, launchBrowser, signIn, withPage } from './_browser.js'
import { startFerryServe } from './_serve-helpers.js'

const sandboxed = (await detectSandbox('auto', { PATH: process.env['PATH'] ?? '/usr/bin:/bin' })).mode === 'bwrap'

test('the overview shows a banner when models are not sandboxed, and none when they are', { skip: browserUnavailable(), timeout: 60_000 }, async (t) => {
  const [unsandboxed, browser] = await Promise.all([startFerryServe(t, { args: ['--sandbox', 'none'] }), launchBrowser(t)])
  await withPage(t, browser, async (page) => {
    await signIn(page, unsandboxed)
    const banner = page.getByRole('status').filter({ hasText: 'Models are not sandboxed.' })
    await banner.waitFor()
    assert.match(await banner.innerText(), /--sandbox none/)
  })
  if (!sandboxed) return
  const ferry = await startFerryServe(t)
  await withPage(t, browser, async (page) => {
    await signIn(page, ferry)
    await page.getByText('Nothing is deployed yet.').waitFor()
    assert.equal(await page.getByText('Models are not sandboxed.').count(), 0)
  })
})
