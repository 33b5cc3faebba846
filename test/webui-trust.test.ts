/**
 * Signed packages in the console, in Chromium against a real `ferry serve --require-signed`: the
 * Trust page lists, adds (pasted or from a .pub file) and removes keys; an unsigned upload is
 * refused with its code; a zip uploaded with its .sig shows its signer on the Packages page, and
 * after its key is removed it still shows the signer, marked "key removed", there and on the
 * model's page.
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { packFolder } from '../packager/pack.js'
import { formatPublicKey, generateSigningKey, serializeSignature, signDigest } from '../packager/signing/index.js'
import { browserUnavailable, findButtonsTabCannotReach, findUnlabelledControls, launchBrowser, measureWidth, signIn, withPage } from './_browser.js'
import { FIXTURES } from './_deployer-helpers.js'
import { makeTempDir } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

test('trusted keys and package signers in the console', { skip: browserUnavailable(), timeout: 120_000 }, async (t) => {
  const tmp = await makeTempDir(t, 'ferry-webui-trust-')
  const alice = generateSigningKey('alice').key
  const bob = generateSigningKey('bob').key
  const pkg = await packFolder({ dir: join(FIXTURES, 'valid'), outDir: join(tmp, 'dist') })
  const sigPath = `${pkg.path}.sig`
  await writeFile(sigPath, serializeSignature(signDigest(alice, pkg.sha256)))
  const bobPub = join(tmp, 'bob.pub')
  await writeFile(bobPub, `${formatPublicKey(bob)}\n`)
  const [ferry, browser] = await Promise.all([startFerryServe(t, { args: ['--require-signed'] }), launchBrowser(t)])
  const trusted = async () => ((await (await ferry.api('/api/trust')).json()) as { keys: Array<{ keyId: string; name: string }> }).keys

  await t.test('the Trust page adds a pasted key and one from a .pub file, refuses a bad one, and lists them', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/trust')
    await page.getByRole('heading', { name: 'Trusted keys' }).waitFor()
    await page.getByText('signed packages only').waitFor()
    await page.getByText('No trusted keys yet').waitFor()
    assert.deepEqual(await findUnlabelledControls(page), [])

    await page.getByLabel('Public key').fill('ferry-ed25519 not-a-key')
    await page.getByRole('button', { name: 'Trust this key' }).click()
    await page.getByRole('alert').filter({ hasText: 'E_KEY_INVALID' }).waitFor()
    assert.deepEqual(await trusted(), [])

    await page.getByLabel('Public key').fill(formatPublicKey(alice))
    await page.getByLabel('Name (optional)').fill('alice-release')
    await page.getByRole('button', { name: 'Trust this key' }).click()
    await page.locator('.ok-box', { hasText: 'Trusted alice-release' }).waitFor()
    await page.locator(`tr[data-key="${alice.keyId}"]`, { hasText: 'alice-release' }).waitFor()

    await page.getByLabel('Or read it from a .pub file').setInputFiles(bobPub)
    await page.waitForFunction(`document.querySelector('textarea').value.startsWith('ferry-ed25519 ')`)
    await page.getByRole('button', { name: 'Trust this key' }).click()
    await page.locator(`tr[data-key="${bob.keyId}"]`, { hasText: 'bob' }).waitFor()
    assert.deepEqual((await trusted()).map((k) => [k.keyId, k.name]), [[alice.keyId, 'alice-release'], [bob.keyId, 'bob']])
  }))

  await t.test('an unsigned upload is refused; with its .sig it is stored and shows its signer', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/packages')
    const chooser = page.waitForEvent('filechooser')
    await page.getByRole('button', { name: 'Choose a package…' }).click()
    await (await chooser).setFiles(pkg.path)
    await page.getByRole('alert').filter({ hasText: 'E_SIGNATURE_MISSING' }).waitFor()
    assert.equal(((await (await ferry.api('/api/packages')).json()) as unknown[]).length, 0, 'nothing stored')

    await page.getByLabel('Signature file').setInputFiles(sigPath)
    await page.getByText('signature: valid-1.0.0.zip.sig').waitFor()
    const again = page.waitForEvent('filechooser')
    await page.getByRole('button', { name: 'Choose a package…' }).click()
    await (await again).setFiles(pkg.path)
    await page.locator('.ok-box', { hasText: 'valid@1.0.0 uploaded' }).waitFor()
    await page.locator('.ok-box [data-signer="trusted"]', { hasText: 'alice-release · trusted' }).waitFor()
    const row = page.locator(`tr[data-key="${pkg.sha256}"]`)
    await row.locator('[data-signer="trusted"]', { hasText: 'alice-release · trusted' }).waitFor()

    // Deployed, its version shows the signer on the model's page too.
    const deployed = await ferry.api('/api/deployments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ package: pkg.sha256 }) })
    assert.equal(deployed.status, 201, await deployed.clone().text())
    await page.goto(`${ferry.url}/#/models/valid`)
    await page.locator('tr[data-key="valid@1.0.0"] [data-signer="trusted"]', { hasText: 'alice-release · trusted' }).waitFor()
  }))

  await t.test('the Trust and Packages pages fit a 375 px phone, and Tab reaches every button', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/')
    for (const hash of ['#/trust', '#/packages']) {
      await page.goto(`${ferry.url}/${hash}`)
      await page.locator('main h1').waitFor()
      await page.locator('table.data').waitFor()
      const { scroll, client } = await measureWidth(page)
      assert.ok(scroll <= client, `${hash}: ${scroll}px wide in a ${client}px viewport`)
      assert.deepEqual(await findUnlabelledControls(page), [], hash)
      assert.deepEqual(await findButtonsTabCannotReach(page), [], hash)
    }
  }, { viewport: { width: 375, height: 700 }, isMobile: true, hasTouch: true }))

  await t.test('removing the key keeps the recorded signer, shown as "key removed"', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/trust')
    const row = page.locator(`tr[data-key="${alice.keyId}"]`)
    await row.getByRole('button', { name: 'Remove key alice-release' }).click()
    await row.getByRole('button', { name: 'Remove key alice-release' }).click() // confirm
    await row.waitFor({ state: 'detached' })
    assert.deepEqual((await trusted()).map((k) => k.keyId), [bob.keyId])
    await page.goto(`${ferry.url}/#/packages`)
    await page.locator(`tr[data-key="${pkg.sha256}"] [data-signer="removed"]`, { hasText: 'alice-release · key removed' }).waitFor()
    await page.goto(`${ferry.url}/#/models/valid`)
    await page.locator('tr[data-key="valid@1.0.0"] [data-signer="removed"]', { hasText: 'alice-release · key removed' }).waitFor()
  }))
})
