/** The ferry CLI's contract: help, --json on stdout, exit codes 0 / 1 / 2, no stack for user errors. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { COMMANDS } from '../gateway/cli/commands.js'
import { runFerry } from './_helpers.js'

test('ferry --help lists every command', async () => {
  const run = await runFerry(['--help'])
  assert.equal(run.code, 0)
  for (const name of Object.keys(COMMANDS)) assert.match(run.stdout, new RegExp(`^  ${name} `, 'm'))
})

for (const name of Object.keys(COMMANDS)) {
  test(`ferry ${name} --help shows its usage and the --json option`, async () => {
    const run = await runFerry([name, '--help'])
    assert.equal(run.code, 0)
    assert.match(run.stdout, new RegExp(`^Usage: ferry ${name}`, 'm'))
    assert.match(run.stdout, /--json/)
  })
}

test('usage errors exit 2: no command, an unknown command, an unknown flag, a missing argument', async () => {
  for (const args of [[], ['frobnicate'], ['pack', 'x', '--frobnicate'], ['validate']]) {
    const run = await runFerry(args)
    assert.equal(run.code, 2, `ferry ${args.join(' ')}: ${run.stderr}`)
  }
})

test('a user error exits 1 with its code and hint, no stack; --json puts the error on stdout', async () => {
  const human = await runFerry(['validate', '/no/such/model'])
  assert.equal(human.code, 1)
  assert.match(human.stderr, /^error E_PATH_NOT_FOUND: "\/no\/such\/model" does not exist/m)
  assert.doesNotMatch(human.stderr, /at .*\.js:\d+/)
  const json = await runFerry(['validate', '/no/such/model', '--json'])
  assert.equal(json.code, 1)
  assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'E_PATH_NOT_FOUND')
})

test('ferry --version prints the version', async () => {
  const run = await runFerry(['--version'])
  assert.equal(run.code, 0)
  assert.match(run.stdout.trim(), /^\d+\.\d+\.\d+$/)
})
