/**
 * examples/python-app: the Python runtime end to end. Deployed on a real `ferry serve` (a virtual
 * environment without pip, since requirements.txt asks for nothing), it answers real text
 * statistics through the gateway, refuses bad input with its codes, appears in the gateway's
 * merged OpenAPI document, and its one-line-per-request log reaches the instance's logs.
 */
import assert from 'node:assert/strict'
import { setTimeout as delay } from 'node:timers/promises'
import { test } from 'node:test'
import { ferryPath } from '../packager/repo-root.js'
import { startFerryServe } from './_serve-helpers.js'

interface LogEntry { stream: string; line: string }
interface Stats {
  language_guess: string
  words: number
  sentences: number
  avg_word_length: number
  readability: number | null
  top_words: Array<{ word: string; count: number }>
}

test('python-app on ferry serve: text statistics through the gateway, error codes, merged docs, request log', async (t) => {
  const ferry = await startFerryServe(t)
  const instance = await ferry.deployFolder(ferryPath('examples', 'python-app'))
  assert.equal(instance.state, 'ready')
  const predict = (body: string, contentType = 'application/json') =>
    fetch(`${ferry.url}/models/python-app/predict`, { method: 'POST', headers: { 'content-type': contentType }, body })

  const res = await predict(JSON.stringify({ text: 'The cat sat on the mat. The dog barked! Did the cat run away?' }))
  assert.equal(res.status, 200)
  assert.equal(res.headers.get('x-ferry-version'), 'python-app@1.0.0')
  const stats = (await res.json()) as Stats
  assert.equal(stats.words, 14)
  assert.equal(stats.sentences, 3)
  assert.equal(stats.avg_word_length, 3.21) // 45 letters / 14 words
  assert.equal(stats.language_guess, 'en')
  assert.deepEqual(stats.top_words[0], { word: 'cat', count: 2 })
  assert.ok(typeof stats.readability === 'number' && stats.readability > 90, `short simple sentences read easily: ${stats.readability}`)
  const hard = (await (await predict(JSON.stringify({ text: 'Notwithstanding the foregoing, the Licensee shall indemnify the Licensor against all liabilities arising from any unauthorised modification of the Software.' }))).json()) as Stats
  assert.ok(hard.readability! < stats.readability - 50, `legal English reads harder: ${hard.readability}`)
  const french = (await (await predict(JSON.stringify({ text: 'Le chat dort sur la table. Nous ne faisons pas de bruit dans le salon.' }))).json()) as Stats
  assert.deepEqual([french.language_guess, french.words, french.sentences], ['fr', 15, 2])

  const bad: Array<[string, string | undefined, number, string]> = [
    ['{"text": "The cat', undefined, 400, 'INVALID_JSON'],
    ['{}', undefined, 422, 'INVALID_TEXT'],
    ['{"text": ""}', undefined, 422, 'INVALID_TEXT'],
    ['{"text": ["a"]}', undefined, 422, 'INVALID_TEXT'],
    ['"The cat"', undefined, 422, 'INVALID_BODY'],
    ['{"text": "The cat", "extra": 1}', undefined, 422, 'INVALID_BODY'],
    [JSON.stringify({ text: 'a'.repeat(100_001) }), undefined, 413, 'TEXT_TOO_LARGE'],
    ['The cat sat.', 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ]
  for (const [body, contentType, status, code] of bad) {
    const answer = await predict(body, contentType)
    assert.equal(answer.status, status, `${body.slice(0, 40)} → ${answer.status}`)
    assert.equal(((await answer.json()) as { error: { code: string } }).error.code, code)
  }

  const docs = (await (await fetch(`${ferry.url}/openapi.json`)).json()) as { paths: Record<string, { post?: { requestBody?: unknown } }> }
  assert.ok(docs.paths['/models/python-app/predict']?.post?.requestBody, 'the merged document has POST /models/python-app/predict')
  assert.ok(docs.paths['/models/python-app@1.0.0/predict']?.post, 'and under its version')

  // The app flushes one stdout line per request; the log store may take a moment to have it.
  let entries: LogEntry[] = []
  for (let attempt = 0; attempt < 50; attempt++) {
    const logs = await ferry.api('/api/instances/python-app@1.0.0/logs?tail=50')
    assert.equal(logs.status, 200)
    entries = (await logs.json()) as LogEntry[]
    if (entries.some((e) => e.stream === 'stdout' && e.line.startsWith('POST /predict 415 '))) break
    await delay(100)
  }
  const stdout = entries.filter((e) => e.stream === 'stdout').map((e) => e.line)
  assert.ok(stdout.some((line) => /^POST \/predict 200 \d+\.\dms$/.test(line)), `a request line in:\n${stdout.join('\n')}`)
  assert.ok(stdout.some((line) => line.startsWith('POST /predict 415 ')), 'the refused request is logged too')
  // requirements.txt lists nothing: the venv is made without pip and nothing is installed.
  const setup = entries.filter((e) => e.stream === 'setup').map((e) => e.line)
  assert.ok(setup.some((line) => line.includes('-m venv --without-pip')), `set-up log:\n${setup.join('\n')}`)
  assert.ok(!setup.some((line) => line.includes('pip install')))

  assert.equal(await ferry.stop(), 0)
  assert.ok(!ferry.stderr().includes('Traceback'), ferry.stderr())
})
