/**
 * The console cannot be reached through a model, in Chromium against a real `ferry serve`: the
 * session is an HttpOnly, SameSite=Strict cookie for /api and nothing is in Web Storage; a new
 * tab is still signed in; a hostile model's HTML page (test/fixtures/packages/hostile-page),
 * opened in the signed-in browser, runs in an opaque origin and can read no cookie or storage,
 * call no /api route with the session, create no token, and its popup is as powerless; the
 * console keeps working. Then the Tokens and Audit pages: create, reveal once, revoke, and the
 * trail with the hostile page's refusals; a viewer sees neither page.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { browserUnavailable, findUnlabelledControls, launchBrowser, measureWidth, signIn, withPage } from './_browser.js'
import { startFerryServe } from './_serve-helpers.js'

interface Attempts { origin: string; cookie: string; localStorage: string; sessionStorage: string; readSession: string; readInstances: string; createToken: string; blindCreateToken: string; openConsole: string }

test('a model\'s page cannot act with the console\'s session', { skip: browserUnavailable(), timeout: 120_000 }, async (t) => {
  const [ferry, browser] = await Promise.all([startFerryServe(t), launchBrowser(t)])
  await ferry.deployFolder(ferryPath('test', 'fixtures', 'packages', 'hostile-page'))

  await t.test('the session is an HttpOnly cookie for /api, nothing is in Web Storage, and a new tab is signed in', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry)
    await page.getByRole('heading', { name: 'Overview' }).waitFor()
    const cookies = await page.context().cookies()
    assert.deepEqual(cookies.map((c) => [c.name, c.path, c.httpOnly, c.sameSite, c.expires]), [['ferry_session', '/api', true, 'Strict', -1]])
    assert.equal(await page.evaluate('document.cookie'), '', 'the console\'s own script cannot read it')
    assert.equal(await page.evaluate('localStorage.length + sessionStorage.length'), 0)
    assert.equal(await page.evaluate('JSON.stringify(performance.getEntriesByType("resource").map((e) => e.name)).includes(' + JSON.stringify(ferry.token) + ')'), false)

    const second = await page.context().newPage()
    await second.goto(`${ferry.url}/#/packages`)
    await second.getByRole('heading', { name: 'Packages', exact: true }).waitFor()
    assert.equal(await second.getByRole('heading', { name: 'Sign in to Ferry' }).count(), 0, 'no second sign-in')
    await second.close()
  }))

  await t.test('the hostile page runs in an opaque origin: no cookie, no storage, no /api, no token, no console in a popup', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry)
    const csp = (await (await fetch(`${ferry.url}/models/hostile-page/page`)).headers.get('content-security-policy')) ?? ''
    assert.match(csp, /^sandbox allow-scripts/)
    const popup = page.context().waitForEvent('page')
    const hostile = await page.context().newPage()
    await hostile.goto(`${ferry.url}/models/hostile-page/page`)
    await hostile.locator('#result').filter({ hasNotText: 'running' }).waitFor()
    const got = JSON.parse(await hostile.locator('#result').innerText()) as Attempts
    assert.equal(got.origin, 'null', 'an opaque origin')
    assert.match(got.cookie, /^blocked: SecurityError/)
    assert.match(got.localStorage, /^blocked: SecurityError/)
    assert.match(got.sessionStorage, /^blocked: SecurityError/)
    assert.match(got.readSession, /^blocked: TypeError/, 'a cross-origin read: the answer is not readable')
    assert.match(got.readInstances, /^blocked: TypeError/)
    assert.match(got.createToken, /^blocked: TypeError/)
    assert.equal(got.blindCreateToken, 'sent, opaque')
    assert.equal(got.openConsole, 'opened')
    const opened = await popup
    await opened.waitForLoadState()
    assert.equal(await opened.evaluate('self.origin'), 'null', 'the popup inherits the sandbox')
    assert.equal(await opened.locator('header.top').isVisible(), false, 'and is not signed in')

    const tokens = ((await (await ferry.api('/api/tokens')).json()) as { tokens: Array<{ name: string }> }).tokens
    assert.deepEqual(tokens, [], 'no token was created')
    const trail = ((await (await ferry.api('/api/audit?action=POST%20/api/tokens')).json()) as { entries: Array<{ token: string | null; status: number; code: string }> }).entries
    assert.ok(trail.length >= 1 && trail.every((e) => e.token === null && e.status === 401), `the blind try reached the server without the cookie: ${JSON.stringify(trail)}`)

    // The console, in the same browser, still works, writes included.
    await page.goto(`${ferry.url}/#/tokens`)
    await page.getByRole('heading', { name: 'Tokens', exact: true }).waitFor()
    await page.getByRole('textbox', { name: 'Name' }).fill('ci')
    await page.getByRole('button', { name: 'Create token' }).click()
    await page.locator('.ok-box', { hasText: 'ci (deployer) created' }).waitFor()
  }))

  await t.test('Tokens: create shows the secret once, revoke refuses it; Audit lists actions and refusals; a viewer sees neither page', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/tokens')
    await page.getByRole('textbox', { name: 'Name' }).fill('dashboard')
    await page.getByRole('combobox', { name: 'Role' }).selectOption('viewer')
    await page.getByRole('button', { name: 'Create token' }).click()
    const secret = await page.getByLabel('The new token dashboard').inputValue()
    assert.match(secret, /^fyt_/)
    const row = page.locator('tr', { hasText: 'dashboard' })
    await row.getByText('active').waitFor()
    await page.reload()
    await page.getByRole('heading', { name: 'Tokens', exact: true }).waitFor()
    assert.equal(await page.getByLabel('The new token dashboard').count(), 0, 'shown once')
    assert.equal((await fetch(`${ferry.url}/api/instances`, { headers: { authorization: `Bearer ${secret}` } })).status, 200)

    const viewer = await page.context().browser()!.newContext()
    const viewerPage = await viewer.newPage()
    await signIn(viewerPage, { url: ferry.url, token: secret })
    await viewerPage.getByText('dashboard (viewer)').waitFor()
    assert.equal(await viewerPage.getByRole('link', { name: 'Tokens', exact: true }).isVisible(), false)
    assert.equal(await viewerPage.getByRole('link', { name: 'Audit', exact: true }).isVisible(), false)
    await viewerPage.goto(`${ferry.url}/#/tokens`)
    await viewerPage.getByRole('alert').filter({ hasText: 'needs the admin role' }).waitFor()

    page.once('dialog', (dialog) => void dialog.accept())
    await page.getByRole('button', { name: 'Revoke dashboard' }).click()
    await row.getByText('revoked').waitFor()
    assert.equal((await fetch(`${ferry.url}/api/instances`, { headers: { authorization: `Bearer ${secret}` } })).status, 401)
    await viewerPage.goto(`${ferry.url}/#/`)
    await viewerPage.getByRole('heading', { name: 'Sign in to Ferry' }).waitFor({ timeout: 10_000 })
    await viewer.close()

    await page.getByRole('link', { name: 'Audit', exact: true }).click()
    await page.getByRole('heading', { name: 'Audit', exact: true }).waitFor()
    const table = page.locator('table.data')
    await table.locator('tr', { hasText: 'DELETE /api/tokens/:token' }).filter({ hasText: 'dashboard' }).waitFor()
    await table.locator('tr.refused', { hasText: 'POST /api/tokens' }).first().waitFor()
    await page.getByRole('combobox', { name: 'Outcome' }).selectOption('refused')
    await page.getByRole('button', { name: 'Filter' }).click()
    await page.waitForURL(/outcome=refused/)
    await table.locator('tbody tr').first().waitFor()
    assert.equal(await table.locator('tbody tr:not(.refused)').count(), 0, 'only refusals')

    await page.setViewportSize({ width: 375, height: 800 })
    for (const hash of ['#/tokens', '#/audit']) {
      await page.goto(`${ferry.url}/${hash}`)
      await page.locator('table.data').waitFor()
      const { scroll, client } = await measureWidth(page)
      assert.ok(scroll <= client, `${hash} fits a phone's width (${scroll} > ${client})`)
    }
    assert.deepEqual(await findUnlabelledControls(page), [], 'every control of the audit page is labelled')
  }))
})
