/**
 * Body capture (issue 15, defect 4, second part), against a real `ferry serve` and in Chromium:
 * off by default (nothing kept); turned on per model from its page; requests then keep their
 * bodies up to the cap (a larger one cut and marked); the history shows them, and "Replay in Try
 * it" fills Try it with the request's body and sends it again; turning it off forgets them.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { browserUnavailable, launchBrowser, measureWidth, signIn, withPage } from './_browser.js'
import { startFerryServe } from './_serve-helpers.js'
import { waitFor } from './_deployer-helpers.js'

const PHONE = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true }
const json = { 'content-type': 'application/json' }

test('request and response bodies, kept when asked and replayed in Try it', { skip: browserUnavailable(), timeout: 180_000 }, async (t) => {
  const [ferry, browser] = await Promise.all([startFerryServe(t), launchBrowser(t)])
  await ferry.deployFolder(ferryPath('examples', 'echo'))
  const infer = async (body: string, path = 'predict') => {
    const res = await fetch(`${ferry.url}/models/echo/${path}`, { method: 'POST', headers: json, body })
    await res.arrayBuffer()
    return res.headers.get('x-request-id')!
  }
  const bodyOf = (id: string) => ferry.api(`/api/requests/${encodeURIComponent(id)}/body`)

  await t.test('off by default: nothing is kept; the settings are checked', async () => {
    assert.deepEqual(await (await ferry.api('/api/models/echo/capture')).json(), { model: 'echo', enabled: false, maxBytes: 65536 })
    const before = await infer('{"text":"not kept"}')
    const missing = await bodyOf(before)
    assert.equal(missing.status, 404)
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'E_CAPTURE_NOT_FOUND')
    const wrong = await ferry.api('/api/models/echo/capture', { method: 'PUT', headers: json, body: JSON.stringify({ enabled: true, maxBytes: 5_000_000 }) })
    assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'E_CAPTURE_LIMIT_INVALID')
    const unknown = await ferry.api('/api/models/nope/capture', { method: 'PUT', headers: json, body: JSON.stringify({ enabled: true }) })
    assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'E_MODEL_NOT_FOUND')
  })

  for (const [size, options] of [['desktop', {}], ['phone', PHONE]] as const) {
    await t.test(`turned on from the model page, a kept request is shown and replayed in Try it (${size})`, (t) => withPage(t, browser, async (page) => {
      // Each size starts with capture off, whatever the one before it left.
      await ferry.api('/api/models/echo/capture', { method: 'PUT', headers: json, body: JSON.stringify({ enabled: false }) })
      await signIn(page, ferry, '#/models/echo')
      const toggle = page.getByLabel('Keep request and response bodies')
      await page.getByText('off: only the figures are kept').waitFor()
      await toggle.check()
      await page.getByText(/up to 64 KB each/).waitFor()
      assert.equal(((await (await ferry.api('/api/models/echo/capture')).json()) as { enabled: boolean }).enabled, true)

      const id = await infer(`{"text":"replay me ${size}"}`)
      const failed = await infer('{"oops": true}', 'no-such-endpoint')
      const kept = (await (await bodyOf(id)).json()) as { request: { text: string; truncated: boolean }; response: { text: string }; status: number }
      assert.deepEqual([kept.status, JSON.parse(kept.request.text), kept.request.truncated], [200, { text: `replay me ${size}` }, false])
      assert.match(kept.response.text, new RegExp(`replay me ${size}`))
      assert.equal(((await (await bodyOf(failed)).json()) as { status: number }).status, 404, 'a failing request is kept too')

      await page.getByRole('button', { name: 'Refresh' }).click()
      await page.getByRole('button', { name: `Bodies of request ${id}` }).click()
      const dialog = page.getByRole('dialog', { name: /POST \/models\/echo\/predict/ })
      await dialog.getByText(`"text": "replay me ${size}"`).first().waitFor()
      const width = await measureWidth(page)
      assert.ok(width.scroll <= width.client, `the dialog fits: ${JSON.stringify(width)}`)
      await dialog.getByRole('link', { name: 'Replay in Try it' }).click()
      const bodyBox = page.getByLabel('Text', { exact: true }).or(page.getByLabel('JSON body'))
      // Polled through the locator: a page still settling after the hash change may drop one evaluation.
      const filled = await waitFor(async () => ((await bodyBox.first().inputValue().catch(() => '')).includes(`replay me ${size}`) ? true : undefined), 10_000, 'Try it to be filled').catch(() => false)
      if (!filled) throw new Error(`Try it was not filled: ${await bodyBox.first().inputValue().catch(() => '?')}`)
      await page.getByRole('button', { name: 'Send' }).click()
      await page.locator('[data-testid="response-body"]', { hasText: `replay me ${size}` }).waitFor()
      await ferry.api('/api/models/echo/capture', { method: 'PUT', headers: json, body: JSON.stringify({ enabled: false }) })
    }, options))
  }

  await t.test('a kept request\'s path has its secret query parameters redacted, as in the history', async () => {
    await ferry.api('/api/models/echo/capture', { method: 'PUT', headers: json, body: JSON.stringify({ enabled: true }) })
    // echo answers only a bare /predict (404 here): the exchange is kept all the same.
    const answer = await fetch(`${ferry.url}/models/echo/predict?token=hunter2&x=1`, { method: 'POST', headers: json, body: '{"text":"hi"}' })
    await answer.arrayBuffer()
    const kept = (await (await bodyOf(answer.headers.get('x-request-id')!)).json()) as { path: string; status: number }
    assert.equal(kept.status, answer.status)
    assert.doesNotMatch(kept.path, /hunter2/)
    assert.match(kept.path, /token=REDACTED&x=1$/)
    await ferry.api('/api/models/echo/capture', { method: 'PUT', headers: json, body: JSON.stringify({ enabled: false }) })
  })

  await t.test('a body over the cap is cut and marked; turning capture off forgets the bodies', async () => {
    await ferry.api('/api/models/echo/capture', { method: 'PUT', headers: json, body: JSON.stringify({ enabled: true, maxBytes: 16 }) })
    const big = `{"text":"${'x'.repeat(500)}"}`
    const id = await infer(big)
    const kept = (await (await bodyOf(id)).json()) as { request: { text: string; bytes: number; truncated: boolean } }
    assert.deepEqual([kept.request.text, kept.request.bytes, kept.request.truncated], [big.slice(0, 16), big.length, true])
    assert.equal((await fetch(`${ferry.url}/models/echo/predict`, { method: 'POST', headers: json, body: big })).status, 200, 'the request itself is whole')
    await ferry.api('/api/models/echo/capture', { method: 'PUT', headers: json, body: JSON.stringify({ enabled: false }) })
    assert.equal((await bodyOf(id)).status, 404)
  })
})
