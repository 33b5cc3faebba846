/**
 * The prediction history in the console (issue 15, defect 4), in Chromium against a real
 * `ferry serve`: 20 requests a page with Older / Newer and "1–20 of N", filtered by status and
 * time; on a phone the section stays a few screens tall instead of 20,000 px.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { browserUnavailable, launchBrowser, signIn, withPage } from './_browser.js'
import { startFerryServe } from './_serve-helpers.js'

const PHONE = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true }

test('the prediction history pages and filters', { skip: browserUnavailable(), timeout: 120_000 }, async (t) => {
  const [ferry, browser] = await Promise.all([startFerryServe(t), launchBrowser(t)])
  await ferry.deployFolder(ferryPath('examples', 'echo'))
  let missing = 0
  for (let i = 0; i < 45; i++) {
    const wrong = i % 4 === 0
    const res = await fetch(`${ferry.url}/models/echo/${wrong ? 'no-such-endpoint' : 'predict'}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"i":${i}}` })
    await res.arrayBuffer()
    if (res.status === 404) missing++
  }
  assert.ok(missing >= 10, `${missing} requests answered 404`)
  const total = ((await (await ferry.api('/api/requests?model=echo&limit=1')).json()) as { total: number }).total
  assert.ok(total >= 45, `${total} in the history`)

  for (const [size, options] of [['desktop', {}], ['phone', PHONE]] as const) {
    await t.test(`20 a page, Older and Newer, filtered by status and time (${size})`, (t) => withPage(t, browser, async (page) => {
      await signIn(page, ferry, '#/models/echo')
      const section = page.locator('section', { has: page.locator('#history-heading') })
      const rows = section.locator('tr[data-key^="request-"]')
      const pager = section.getByRole('navigation', { name: 'Prediction history pages' })
      await pager.getByText(`1–20 of ${total}`).waitFor()
      assert.equal(await rows.count(), 20)
      const firstPage = await rows.first().getAttribute('data-key')
      if (size === 'phone') {
        const height = (await section.boundingBox())!.height
        assert.ok(height < 9000, `the history is ${Math.round(height)} px tall on a phone`)
      }
      await pager.getByRole('button', { name: 'Older' }).click()
      await pager.getByText(`21–40 of ${total}`).waitFor()
      assert.notEqual(await rows.first().getAttribute('data-key'), firstPage)
      await pager.getByRole('button', { name: 'Older' }).click()
      await pager.getByText(`41–${total} of ${total}`).waitFor()
      assert.equal(await pager.getByRole('button', { name: 'Older' }).isDisabled(), true, 'the last page')
      await pager.getByRole('button', { name: 'Newer' }).click()
      await pager.getByRole('button', { name: 'Newer' }).click()
      await pager.getByText(`1–20 of ${total}`).waitFor()
      assert.equal(await rows.first().getAttribute('data-key'), firstPage)

      await section.getByLabel('Status').selectOption('4xx')
      await pager.getByText(new RegExp(`of ${missing}$`)).waitFor()
      const statuses = await section.locator('td[data-label="Status"]').allInnerTexts()
      assert.ok(statuses.length > 0 && statuses.every((s) => s === '404'), statuses.join(','))
      await section.getByLabel('When').selectOption({ label: 'Last 15 minutes' })
      await pager.getByText(new RegExp(`of ${missing}$`)).waitFor()
      await section.getByLabel('Status').selectOption('5xx')
      await section.getByText('No predictions match these filters.').waitFor()
    }, options))
  }
})
