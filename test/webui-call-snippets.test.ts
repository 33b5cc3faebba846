/**
 * The console's "How to call it" on a model's page, in Chromium: a tab per client (curl, Python
 * requests, JavaScript fetch, @gradio/client, OIP) with the gateway's real URL and the model's
 * fields filled in, and each snippet, copied off the page and run as it is (bash, python3, node),
 * gets the model's real answer. A Gradio app gets its /api/<name> route and @gradio/client, and its
 * try-it form (built from the endpoints view_api read) is answered through the gateway.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { promisify } from 'node:util'
import type { Page } from 'playwright-core'
import { ferryPath } from '../packager/repo-root.js'
import { browserUnavailable, launchBrowser, signIn, withPage } from './_browser.js'
import { startFerryServe } from './_serve-helpers.js'

const run = promisify(execFile)

/** Runs a snippet with the program it is written for, from the repository (for @gradio/client). */
async function runSnippet(id: string, code: string): Promise<string> {
  const options = { cwd: ferryPath(), timeout: 30_000 }
  if (id === 'python') return (await run('python3', ['-c', code], options)).stdout
  if (id === 'fetch' || id === 'gradio') return (await run(process.execPath, ['--input-type=module', '-e', code], options)).stdout
  return (await run('bash', ['-c', code], options)).stdout
}

async function snippets(page: Page): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  const tabs = page.locator('[role="tab"][data-tab]')
  await tabs.first().waitFor()
  for (let i = 0; i < await tabs.count(); i++) {
    const tab = tabs.nth(i)
    const id = (await tab.getAttribute('data-tab'))!
    await tab.click()
    assert.equal(await tab.getAttribute('aria-selected'), 'true')
    found.set(id, await page.locator(`pre[data-snippet="${id}"]`).innerText())
  }
  return found
}

test('How to call it: every snippet on a model page runs as it is and gets the answer', { skip: browserUnavailable(), timeout: 300_000 }, async (t) => {
  const [ferry, browser] = await Promise.all([startFerryServe(t), launchBrowser(t)])
  for (const name of ['digits', 'doc-classifier', 'digit-pad']) await ferry.deployFolder(ferryPath('examples', name))

  await t.test('digits: five clients, each answers the first example (a zero)', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/models/digits')
    const all = await snippets(page)
    assert.deepEqual([...all.keys()], ['curl', 'python', 'fetch', 'gradio', 'oip'])
    for (const code of all.values()) assert.ok(code.includes(ferry.url), code)
    assert.match(all.get('oip')!, /"name":"pixels","shape":\[8,8\],"datatype":"FP32"/)
    for (const id of ['curl', 'fetch']) assert.match(await runSnippet(id, all.get(id)!), /"?digit"?:\s*0\b/, id)
    assert.match(await runSnippet('python', all.get('python')!), /'digit': 0\b/)
    assert.match(await runSnippet('gradio', all.get('gradio')!), /label: '0'/)
    const oip = JSON.parse(await runSnippet('oip', all.get('oip')!)) as { outputs: Array<{ name: string; data: unknown[] }> }
    assert.deepEqual(oip.outputs.find((o) => o.name === 'digit')!.data, [0])
  }))

  await t.test('doc-classifier behind its token: the snippets send $MODEL_TOKEN and work with it', (t) => withPage(t, browser, async (page) => {
    const secret = 'doc-classifier-token-0123456789'
    await ferry.api('/api/models/doc-classifier/token', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: secret }) })
    await signIn(page, ferry, '#/models/doc-classifier')
    await page.locator('pre[data-snippet="curl"]', { hasText: 'MODEL_TOKEN' }).waitFor()
    const all = await snippets(page)
    process.env['MODEL_TOKEN'] = secret
    try {
      assert.match(await runSnippet('curl', all.get('curl')!), /"label":"invoice"/)
      assert.match(await runSnippet('gradio', all.get('gradio')!), /label: 'invoice'/)
      const oip = JSON.parse(await runSnippet('oip', all.get('oip')!)) as { outputs: Array<{ name: string; data: unknown[] }> }
      assert.deepEqual(oip.outputs.find((o) => o.name === 'label')!.data, ['invoice'])
    } finally {
      delete process.env['MODEL_TOKEN']
    }
    await assert.rejects(runSnippet('python', all.get('python')!), /KeyError|MODEL_TOKEN/, 'without the token the snippet fails')
  }))

  await t.test('a Gradio app: its /api route and @gradio/client', (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/models/digit-pad')
    const all = await snippets(page)
    assert.deepEqual([...all.keys()], ['curl', 'gradio'])
    assert.ok(all.get('curl')!.includes(`${ferry.url}/models/digit-pad/api/predict`))
    assert.ok(all.get('gradio')!.includes(`Client.connect('${ferry.url}/gradio/digit-pad/')`))
  }))

  await t.test("a Gradio app's try-it: its /api/predict read with view_api, called through the gateway", (t) => withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/models/digit-pad/try')
    const { pixels } = JSON.parse(await readFile(ferryPath('examples', 'digits', 'samples', 'pixels-4.json'), 'utf8')) as { pixels: number[] }
    await page.getByLabel('JSON body').fill(JSON.stringify({ data: [pixels] }))
    await page.getByRole('button', { name: 'Send' }).click()
    await page.locator('[data-testid="status"]', { hasText: '200' }).waitFor()
    const body = JSON.parse(await page.locator('[data-testid="response-body"]').innerText()) as { data: Array<{ label: string }> }
    assert.equal(body.data[0]!.label, '4')
  }))
})
