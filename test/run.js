#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner, the spec report
// on the terminal, then one closing line: "N passed, N failed, N skipped".
// `npm test -- pack` runs only the files whose name contains "pack".
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const filters = process.argv.slice(2)
const files = readdirSync(join(root, 'dist', 'test'), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.js') && !f.includes('bench'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .map((f) => join('dist', 'test', f))
  .sort()
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`)
  process.exit(1)
}
const reportDir = mkdtempSync(join(tmpdir(), 'ferry-test-report-'))
const tap = join(reportDir, 'report.tap')
// No file can hold the run for ever: --test-timeout cancels a file still running after 15 minutes
// (node applies it to each file: one whose tests are done but a failed test left a server open),
// and the whole run is stopped after an hour, far over its usual 12 minutes but inside CI's 90.
// Not --test-force-exit: it ends the runner before the TAP report's counts are written.
const FILE_TIMEOUT_MS = 15 * 60_000
const RUN_TIMEOUT_MS = 60 * 60_000
const run = spawnSync(process.execPath, [
  '--test', '--test-concurrency=2', `--test-timeout=${FILE_TIMEOUT_MS}`,
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tap}`,
  ...files,
], { cwd: root, stdio: 'inherit', timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL' })
if (run.error || run.signal) console.error(`\nthe test run was stopped: ${run.error?.message ?? run.signal} (after ${RUN_TIMEOUT_MS / 60_000} minutes at most)`)
const report = readFileSync(tap, 'utf8')
rmSync(reportDir, { recursive: true, force: true })
const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(report)?.[1] ?? 0)
const failed = count('fail') + count('cancelled')
console.log(`\n${count('pass')} passed, ${failed} failed, ${count('skipped') + count('todo')} skipped (${files.map((f) => relative('dist/test', f)).length} files)`)
process.exit(run.status === 0 && failed === 0 ? 0 : 1)
