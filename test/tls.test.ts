/**
 * `ferry serve --tls-cert --tls-key`: a real server on HTTPS with a self-signed pair made by
 * openssl at test time, called through undici trusting that certificate (the API, the console's
 * Secure session cookie, inference through the proxy); and each bad pair refused with its code
 * before anything starts.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { Agent, fetch as undiciFetch } from 'undici'
import { packFixture, packVariant } from './_deployer-helpers.js'
import { makeTempDir, runFerry } from './_helpers.js'
import { startFerryServe } from './_serve-helpers.js'

/** A self-signed certificate for 127.0.0.1 and its key, in `dir`. */
function makePair(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}-cert.pem`)
  const key = join(dir, `${name}-key.pem`)
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' })
  return { cert, key }
}

async function pairs(t: TestContext) {
  const dir = await makeTempDir(t, 'ferry-tls-')
  return { dir, a: makePair(dir, 'a'), b: makePair(dir, 'b') }
}

test('ferry serve --tls-cert --tls-key serves the API, the console session and inference over HTTPS', { timeout: 60_000 }, async (t) => {
  const { dir, a } = await pairs(t)
  const ferry = await startFerryServe(t, { args: ['--tls-cert', a.cert, '--tls-key', a.key] })
  assert.match(ferry.url, /^https:\/\/127\.0\.0\.1:\d+$/)
  const dispatcher = new Agent({ connect: { ca: await readFile(a.cert) } })
  t.after(() => dispatcher.close())
  const get = (path: string, init: Parameters<typeof undiciFetch>[1] = {}) => undiciFetch(`${ferry.url}${path}`, { dispatcher, ...init })
  const auth = { authorization: `Bearer ${ferry.token}` }

  assert.equal((await get('/health')).status, 200)
  await assert.rejects(fetch(`${ferry.url}/health`), 'a client that does not trust the certificate is refused')
  await assert.rejects(fetch(ferry.url.replace('https:', 'http:') + '/health'), 'plain HTTP is not served')
  assert.equal((await get('/api/instances', { headers: auth })).status, 200)

  const signIn = await get('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: ferry.token }) })
  assert.equal(signIn.status, 201)
  assert.match(signIn.headers.get('set-cookie') ?? '', /; Path=\/api; HttpOnly; Secure; SameSite=Strict/, 'the session cookie is Secure under TLS')

  const zip = await readFile(await packFixture('valid', join(dir, 'zip')))
  const upload = await get('/api/packages', { method: 'POST', headers: { ...auth, 'content-type': 'application/zip' }, body: zip })
  const { digest } = (await upload.json()) as { digest: string }
  assert.equal((await get('/api/deployments', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ package: digest }) })).status, 201)
  const inference = await get('/models/valid/pid')
  assert.equal(inference.status, 200)
  assert.match(inference.headers.get('content-security-policy') ?? '', /sandbox/)
})

test('under TLS a pipeline is accepted and answers: its examples and its steps reach the gateway over HTTPS', { timeout: 90_000 }, async (t) => {
  const { dir, a } = await pairs(t)
  const ferry = await startFerryServe(t, { args: ['--tls-cert', a.cert, '--tls-key', a.key, '--sandbox', 'none'] })
  const dispatcher = new Agent({ connect: { ca: await readFile(a.cert) } })
  t.after(() => dispatcher.close())
  const auth = { authorization: `Bearer ${ferry.token}` }
  const deploy = async (zipPath: string) => {
    const upload = await undiciFetch(`${ferry.url}/api/packages`, { dispatcher, method: 'POST', headers: { ...auth, 'content-type': 'application/zip' }, body: await readFile(zipPath) })
    const { digest } = (await upload.json()) as { digest: string }
    return undiciFetch(`${ferry.url}/api/deployments`, { dispatcher, method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ package: digest }) })
  }
  assert.equal((await deploy(await packFixture('step-model', join(dir, 'step')))).status, 201)
  const flow = await packVariant('pipeline-flow', dir, async (folder) => {
    const descriptor = JSON.parse(await readFile(join(folder, 'descriptor.json'), 'utf8')) as Record<string, unknown>
    descriptor['examples'] = [{ name: 'two words', endpoint: 'POST /run', body: { text: 'a b', mode: 'count' }, expect: { body: { words: 2 } } }]
    await writeFile(join(folder, 'descriptor.json'), JSON.stringify(descriptor))
  })
  const deployed = await deploy(flow)
  assert.equal(deployed.status, 201, await deployed.text())
  const called = await undiciFetch(`${ferry.url}/models/flow/run`, { dispatcher, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'over https too', mode: 'count' }) })
  assert.equal(called.status, 200, await called.clone().text())
  assert.equal(((await called.json()) as { words: number }).words, 3)
})

test('a missing, unreadable, non-PEM, mismatched or half-given pair is refused with its code, and nothing starts', { timeout: 60_000 }, async (t) => {
  const { dir, a, b } = await pairs(t)
  const notPem = join(dir, 'not.pem')
  await writeFile(notPem, 'hello\n')
  await mkdir(join(dir, 'a-directory'))
  const cases: Array<[string[], string, RegExp]> = [
    [['--tls-cert', join(dir, 'missing.pem'), '--tls-key', a.key], 'E_TLS_FILE_UNREADABLE', /--tls-cert .*missing\.pem does not exist/],
    [['--tls-cert', a.cert, '--tls-key', join(dir, 'a-directory')], 'E_TLS_FILE_UNREADABLE', /--tls-key .*a-directory is a directory/],
    [['--tls-cert', notPem, '--tls-key', a.key], 'E_TLS_PAIR_INVALID', /not a PEM certificate/],
    [['--tls-cert', a.cert, '--tls-key', notPem], 'E_TLS_PAIR_INVALID', /not a PEM private key/],
    [['--tls-cert', a.cert, '--tls-key', b.key], 'E_TLS_PAIR_INVALID', /is not the key of the certificate/],
    [['--tls-cert', a.cert], 'E_TLS_OPTIONS_INCOMPLETE', /--tls-cert was given without --tls-key/],
  ]
  for (const [args, code, message] of cases) {
    const data = join(dir, `data-${code}-${args.length}`)
    const run = await runFerry(['serve', '--port', '0', '--data', data, ...args, '--json'])
    assert.equal(run.code, 1, `${args.join(' ')}: ${run.stderr}`)
    const error = (JSON.parse(run.stdout) as { error: { code: string; message: string } }).error
    assert.equal(error.code, code, args.join(' '))
    assert.match(error.message, message)
    assert.match(run.stderr, new RegExp(`error ${code}`))
    assert.equal(existsSync(data), false, 'nothing was started: not even the data directory')
  }
})
