/**
 * The console's Routing page in Chromium against a real `ferry serve --data-plane nginx`: which
 * plane serves, each version and alias with its ready endpoint, and a model token shown as
 * required (never its hash); the same model answers through nginx.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { browserUnavailable, findUnlabelledControls, launchBrowser, signIn, withPage } from './_browser.js'
import { FIXTURES } from './_deployer-helpers.js'
import { startFerryServe } from './_serve-helpers.js'

test('the Routing page shows the table the nginx data plane serves', { skip: browserUnavailable(), timeout: 120_000 }, async (t) => {
  const [ferry, browser] = await Promise.all([startFerryServe(t, { args: ['--data-plane', 'nginx'] }), launchBrowser(t)])
  const deployed = await ferry.deployFolder(join(FIXTURES, 'valid'))
  assert.equal(deployed.ref, 'valid@1.0.0')
  assert.equal((await ferry.api('/api/models/valid/token', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'a-routing-page-token-0123456789' }) })).status, 200)
  const answer = await fetch(`${ferry.url}/models/valid/pid`, { headers: { authorization: 'Bearer a-routing-page-token-0123456789' } })
  assert.equal(answer.status, 200)
  await withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/routing')
    await page.getByRole('heading', { name: 'Routing' }).waitFor()
    await page.getByText('nginx data plane').waitFor()
    const latest = page.getByRole('row').filter({ hasText: '/models/valid@latest/' })
    await latest.waitFor()
    assert.match(await latest.innerText(), /valid@1\.0\.0[\s\S]*127\.0\.0\.1:\d+[\s\S]*required \(1 accepted\)/)
    await page.getByRole('row').filter({ hasText: '/models/valid@1.0.0/' }).waitFor()
    assert.deepEqual(await findUnlabelledControls(page), [])
    assert.ok(!(await page.content()).includes('tokenSha256'), 'no token hash reaches the page')
  })
})
