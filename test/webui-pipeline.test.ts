/**
 * A pipeline's page in the console, in Chromium against a real `ferry serve`: the steps graph of
 * test/fixtures/packages/pipeline-flow as the gateway runs it (a switch, a sequence, an ensemble),
 * each call step's model as routed now, ready or not (and the page follows a deploy of the model
 * its steps call), and each step's calls and failures after real calls; a model that is not a
 * pipeline has no such section.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { browserUnavailable, findUnlabelledControls, launchBrowser, signIn, withPage } from './_browser.js'
import { startFerryServe } from './_serve-helpers.js'

const FLOW = ferryPath('test', 'fixtures', 'packages', 'pipeline-flow')
const STEP_MODEL = ferryPath('test', 'fixtures', 'packages', 'step-model')

test('a pipeline\'s page shows its steps, the models they reach and what each step did', { skip: browserUnavailable(), timeout: 180_000 }, async (t) => {
  const [ferry, browser] = await Promise.all([startFerryServe(t, { args: ['--sandbox', 'none'] }), launchBrowser(t)])
  await ferry.deployFolder(FLOW)

  await withPage(t, browser, async (page) => {
    await signIn(page, ferry, '#/models/flow')
    const section = page.locator('section', { has: page.locator('#pipeline-heading') })
    const step = (id: string) => section.locator(`li.pipeline-step[data-step="${id}"]`).first()
    await section.getByText('8 of 8 call steps cannot be called now').waitFor()
    assert.equal(await section.getAttribute('data-shows'), 'pipeline')
    const versions = page.locator('section', { has: page.locator('#versions-heading') })
    assert.equal(await versions.locator('td[data-label="Replicas"]').first().innerText(), 'pipeline', 'a pipeline has no replicas to count')

    // The tree follows the graph: entry's switch picks describe or main; main runs shout, then route's switch; "both" is an ensemble.
    const childrenOf = (id: string) => step(id).locator(':scope > ol > li.pipeline-step').evaluateAll((items) => items.map((i) => i.getAttribute('data-step')))
    assert.deepEqual(await childrenOf('entry'), ['describe', 'main'])
    assert.deepEqual(await childrenOf('main'), ['shout', 'route'])
    assert.deepEqual(await childrenOf('route'), ['counting', 'both', 'broken', 'slowpoke', 'missing'])
    assert.deepEqual(await childrenOf('both'), ['words', 'kind'])
    assert.equal(await step('both').getAttribute('data-kind'), 'ensemble')
    assert.match(await step('describe').locator(':scope > .step-head').innerText(), /when\s+"\/upload"\s+→\s+describe/)
    assert.match(await step('main').locator(':scope > .step-head').innerText(), /otherwise\s+→\s+main/)
    assert.match(await step('slowpoke').innerText(), /POST \/slow · times out after 1 s/)
    assert.match(await step('shout').locator('.step-target').innerText(), /unavailable\s+no model "step-model"/)
    assert.deepEqual(await findUnlabelledControls(page), [])

    // The page follows the deploy of the model the steps call: only the step that calls a model nobody deployed is left.
    await ferry.deployFolder(STEP_MODEL)
    await section.getByText('1 of 8 call steps cannot be called now').waitFor({ timeout: 15_000 })
    assert.equal(await step('shout').getAttribute('data-ready'), 'true')
    assert.match(await step('shout').locator('.step-target').innerText(), /ready\s+step-model@1\.0\.0/)
    assert.equal(await step('missing').getAttribute('data-ready'), 'false')
    assert.match(await step('missing').locator('.step-target').innerText(), /no model "not-deployed"/)
    assert.equal(await step('counting').locator('.step-figures').innerText(), 'not called yet')

    // Real calls through the pipeline, then Refresh: each step's calls and failures.
    const run = async (mode: string) => {
      const res = await fetch(`${ferry.url}/models/flow/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'three little words', mode }) })
      await res.arrayBuffer()
      return res.status
    }
    assert.deepEqual([await run('count'), await run('count'), await run('fail')], [200, 200, 502])
    await section.getByRole('button', { name: 'Refresh' }).click()
    await step('counting').locator('.step-figures').getByText(/^2 calls · 0 failed · p95 /).waitFor()
    assert.match(await step('shout').locator('.step-figures').innerText(), /^3 calls · 0 failed · p95 /)
    assert.match(await step('broken').locator('.step-figures').innerText(), /^1 call · 1 failed · p95 /)
    assert.equal(await step('words').locator('.step-figures').innerText(), 'not called yet')

    // The model link leads to the called model's page, which is not a pipeline and has no such section.
    await step('shout').locator('.step-target').getByRole('link', { name: 'step-model@1.0.0' }).click()
    await page.locator('h1', { hasText: 'step-model' }).waitFor()
    // Decided once its descriptor is read: not a pipeline, so the section stays hidden.
    await page.locator('section[aria-labelledby="pipeline-heading"][data-shows="none"]').waitFor({ state: 'attached' })
    assert.equal(await page.locator('#pipeline-heading').isVisible(), false)
  })
})
