/**
 * The CLI as the gateway's client, run as real processes against a real gateway: deploy a folder
 * (with --git-tag), list, read logs, alias, roll back, stop, start, remove; and the failures a
 * user meets (no server, a version that never gets healthy: no tag).
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { cp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { startGateway } from '../gateway/server.js'
import { FAST, FIXTURES } from './_deployer-helpers.js'
import { makeTempDir, runFerry } from './_helpers.js'

test('deploy, ps, logs, alias, rollback, stop, start and rm through the CLI', async (t) => {
  const tmp = await makeTempDir(t, 'ferry-cli-client-')
  const gateway = await startGateway({ port: 0, dataDir: join(tmp, 'data'), env: {}, deployer: FAST })
  t.after(() => gateway.close())
  const env = { FERRY_GATEWAY: gateway.url, FERRY_TOKEN: gateway.token }
  const ferry = (...args: string[]) => runFerry(args, { env, cwd: tmp })
  const model = join(tmp, 'model')
  await cp(join(FIXTURES, 'valid'), model, { recursive: true })
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: model }).toString()
  git('init', '-q'); git('add', '.'); git('commit', '-qm', 'model')

  const first = await ferry('deploy', model, '--git-tag', '--json')
  assert.equal(first.code, 0, first.stderr)
  const deployed = JSON.parse(first.stdout) as { ref: string; url: string; gitTag: string }
  assert.equal(deployed.ref, 'valid@1.0.0')
  assert.equal(deployed.url, `${gateway.url}/models/valid@1.0.0/`)
  assert.equal(git('tag', '--list').trim(), 'valid@1.0.0')

  await writeFile(join(model, 'descriptor.json'), (await import('node:fs')).readFileSync(join(model, 'descriptor.json'), 'utf8').replace('"1.0.0"', '"1.1.0"'))
  assert.equal((await ferry('deploy', model)).code, 0)
  const ps = await ferry('ps')
  assert.match(ps.stdout, /^valid@1\.0\.0\s+ready\s+-\s+1\/1/m)
  assert.match(ps.stdout, /^valid@1\.1\.0\s+ready\s+latest\s+1\/1/m)
  assert.match((await ferry('logs', 'valid@1.1.0', '--tail', '20')).stdout, /valid model on \d+/)
  assert.equal((await ferry('alias', 'valid', 'stable', '1.0.0')).stdout.trim(), 'valid@stable → 1.0.0')
  const routes = await ferry('routes')
  assert.equal(routes.code, 0, routes.stderr)
  assert.match(routes.stdout, /^data plane node, routing table revision \d+/m)
  assert.match(routes.stdout, /^valid@stable\s+valid@1\.0\.0\s+127\.0\.0\.1:\d+\s+-\s+no$/m)
  assert.match(routes.stdout, /^valid@latest\s+valid@1\.1\.0\s+127\.0\.0\.1:\d+/m)
  assert.equal((await ferry('rollback', 'valid')).stdout.trim(), 'valid: latest 1.1.0 → 1.0.0')
  const noFurther = await ferry('rollback', 'valid')
  assert.equal(noFurther.code, 1, 'nothing older to roll back to')
  assert.match((await ferry('stop', 'valid@1.1.0')).stdout, /valid@1\.1\.0 stopped/)
  assert.match((await ferry('start', 'valid@1.1.0')).stdout, /valid@1\.1\.0 ready/)
  assert.equal((await ferry('rm', 'valid@1.1.0')).stdout.trim(), 'removed valid@1.1.0')
  const missing = await ferry('stop', 'valid@9.9.9', '--json')
  assert.equal(missing.code, 1)
  assert.equal((JSON.parse(missing.stdout) as { error: { code: string } }).error.code, 'E_VERSION_NOT_FOUND')

  const broken = join(tmp, 'broken')
  await cp(join(FIXTURES, 'never-healthy'), broken, { recursive: true })
  execFileSync('git', ['init', '-q'], { cwd: broken })
  const failed = await ferry('deploy', broken, '--git-tag')
  assert.equal(failed.code, 1)
  assert.match(failed.stderr, /E_DEPLOY_FAILED/)
  assert.equal(execFileSync('git', ['tag', '--list'], { cwd: broken }).toString(), '', 'no tag on failure')
})

test('a client command with no server to talk to says so', async () => {
  const run = await runFerry(['ps'], { env: { FERRY_GATEWAY: 'http://127.0.0.1:9', FERRY_TOKEN: 'x'.repeat(20) } })
  assert.equal(run.code, 1)
  assert.match(run.stderr, /E_GATEWAY_UNREACHABLE: cannot reach the gateway at http:\/\/127\.0\.0\.1:9/)
})
