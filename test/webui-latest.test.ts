/**
 * The console and the `latest` rule (issue 10): stopping or removing the version `latest` points
 * to while another is ready is refused by the server, and the button then says where `latest`
 * would go; a second click moves it and stops the version. In Debian's Chromium.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { packFolder } from '../packager/pack.js'
import { ferryPath } from '../packager/repo-root.js'
import { browserUnavailable, launchBrowser, signIn, withPage } from './_browser.js'
import { makeTempDir } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

test('stopping the latest version from the console offers to move latest first', { skip: browserUnavailable(), timeout: 120_000 }, async (t) => {
  const tmp = await makeTempDir(t, 'ferry-webui-latest-')
  const [ferry, browser] = await Promise.all([startFerryServe(t), launchBrowser(t)])
  for (const version of ['1.0.0', '1.0.1']) {
    const zip = (await packFolder({ dir: ferryPath('examples', 'echo'), outDir: join(tmp, version), version })).path
    const { digest } = await (await ferry.api('/api/packages', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: await readFile(zip) })).json() as { digest: string }
    assert.equal((await ferry.api('/api/deployments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ package: digest }) })).status, 201)
  }
  await withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/models/echo')
    const stop = page.getByRole('button', { name: 'Stop echo@1.0.1' })
    await stop.click()
    await page.getByRole('button', { name: 'Stop echo@1.0.1' }).filter({ hasText: 'move latest to 1.0.0 first' }).waitFor()
    const still = await (await ferry.api('/api/instances/echo@1.0.1')).json() as { state: string; aliases: string[] }
    assert.deepEqual([still.state, still.aliases], ['ready', ['latest']], 'the refusal changed nothing')
    await stop.click()
    await page.getByText('Stopped echo@1.0.1').waitFor()
    const models = await (await ferry.api('/api/models')).json() as Array<{ name: string; aliases: Record<string, string> }>
    assert.equal(models.find((m) => m.name === 'echo')!.aliases['latest'], '1.0.0')
    assert.equal(((await (await ferry.api('/api/instances/echo@1.0.1')).json()) as { state: string }).state, 'stopped')
  })
})
