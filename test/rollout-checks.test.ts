/**
 * The rollout's pure parts: options resolved with their codes, a window judged against the
 * stable version (success rate, p95 ratio, tracked-run metric thresholds, too few requests), the
 * acceptance match of `expect.body`, and shadow agreement at a JSON pointer.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { findMismatch } from '../deployer/rollout/acceptance.js'
import { judgeWindow } from '../deployer/rollout/_checks.js'
import { isJsonPointer, parseDurationMs, resolveRolloutOptions } from '../deployer/rollout/rollout-options.js'
import { answersAgree } from '../gateway/proxy/_mirror.js'

const base = { window: 1, at: '2026-12-02T00:00:00.000Z', fromMs: 0, toMs: 1000, weight: 10 }

test('options: request over descriptor over defaults; durations and pointers are read strictly', () => {
  const config = resolveRolloutOptions({ strategy: 'canary', interval: '5s' }, { step: 20, maxWeight: 80, metrics: { mean_confidence: { min: 80 } } })
  assert.deepEqual([config.strategy, config.step, config.maxWeight, config.intervalMs, config.threshold, config.minSuccessRate, config.keepWarm], ['canary', 20, 80, 5000, 3, 99, 1])
  assert.deepEqual(config.metrics, { mean_confidence: { min: 80 } })
  assert.equal(resolveRolloutOptions().strategy, 'replace')
  assert.deepEqual([parseDurationMs('500ms'), parseDurationMs('2m'), parseDurationMs(30), parseDurationMs('soon')], [500, 120_000, 30_000, undefined])
  assert.deepEqual(['', '/label', '/a~0b/~1c', 'label', '/a~2'].map(isJsonPointer), [true, true, true, false, false])
  assert.throws(() => resolveRolloutOptions({ metrics: { m: { above: 3 } } as never }), { code: 'E_ROLLOUT_OPTION_INVALID', path: '/metrics/m' })
  assert.throws(() => resolveRolloutOptions({ color: 'blue' } as never), { code: 'E_ROLLOUT_OPTION_INVALID', path: '/color' })
  assert.throws(() => resolveRolloutOptions({ mirror: 101 }), { code: 'E_ROLLOUT_WEIGHT_INVALID', path: '/mirror' })
})

test('a window passes, fails on success rate, p95 ratio or a metric threshold, and does not count with too few requests', () => {
  const config = resolveRolloutOptions({ strategy: 'canary', minRequests: 10, metrics: { mean_confidence: { min: 80 } } })
  const stable = { requests: 100, succeeded: 100, p95Ms: 10 }
  const good = judgeWindow(config, base, { requests: 20, succeeded: 20, p95Ms: 12 }, stable, { mean_confidence: { mean: 91, runs: 20 } })
  assert.equal(good.verdict, 'pass')
  assert.equal(good.candidate.successRate, 100)
  const failing = judgeWindow(config, base, { requests: 20, succeeded: 14, p95Ms: 40 }, stable, { mean_confidence: { mean: 62.5, runs: 20 } })
  assert.equal(failing.verdict, 'fail')
  assert.deepEqual(failing.reasons, ['success rate 70 % < 99 %', "p95 40 ms > 1.5 × stable's 10 ms", 'mean_confidence mean 62.5 < 80'])
  const few = judgeWindow(config, base, { requests: 3, succeeded: 0, p95Ms: 90 }, stable, {})
  assert.equal(few.verdict, 'inconclusive')
  assert.match(few.reasons[0]!, /fewer than minRequests 10: not counted/)
  const noRuns = judgeWindow(config, base, { requests: 20, succeeded: 20, p95Ms: 9 }, stable, {})
  assert.equal(noRuns.verdict, 'pass', 'a metric no run reported cannot fail the window')
  assert.deepEqual(noRuns.metrics, { mean_confidence: null })
})

test('acceptance matches expect.body by keys given, arrays by element, values exactly', () => {
  assert.equal(findMismatch({ label: 'invoice', p: 0.9 }, { label: 'invoice' }, ''), undefined)
  assert.equal(findMismatch({ label: 'memo' }, { label: 'invoice' }, ''), '/label')
  assert.equal(findMismatch({ words: [{ t: 'a' }, { t: 'b' }] }, { words: [{ t: 'a' }] }, ''), '/words')
  assert.equal(findMismatch({ n: 1 }, { n: '1' }, ''), '/n')
  assert.equal(findMismatch({ 'a/b': { c: 2 } }, { 'a/b': { c: 3 } }, ''), '/a~1b/c')
})

test('shadow answers agree at the pointer whatever the key order; whole bodies compare as JSON or bytes', () => {
  const a = Buffer.from('{"label":"a","p":0.9}')
  assert.equal(answersAgree(a, Buffer.from('{"p":0.7,"label":"a"}'), '/label'), true)
  assert.equal(answersAgree(a, Buffer.from('{"p":0.9,"label":"b"}'), '/label'), false)
  assert.equal(answersAgree(a, Buffer.from('{"p":0.9,"label":"a"}'), ''), true)
  assert.equal(answersAgree(Buffer.from('plain'), Buffer.from('plain'), ''), true)
  assert.equal(answersAgree(Buffer.from('plain'), Buffer.from('plain'), '/x'), false)
  assert.equal(answersAgree(Buffer.from('{"x":[1,{"y":2}]}'), Buffer.from('{"x":[1,{"y":2}]}'), '/x/1/y'), true)
})
