/**
 * The Prometheus exposition: the rendered text is read back with a strict parser (HELP and TYPE
 * before samples, well-formed sample lines, cumulative histogram buckets ending in +Inf equal to
 * _count), plus label escaping, counters, instance removal and the console's summary.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createMetrics, REQUEST_DURATION_BUCKETS, type Metrics } from '../gateway/metrics.js'
import { escapeLabelValue } from '../gateway/_prometheus.js'

interface Sample { name: string; labels: Record<string, string>; value: number }
interface Family { type: string; help: string; samples: Sample[] }

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const LABEL = `([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?\\})? (\\S+)$`)
const VALUE = /^(?:[+-]?(?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)|[+-]Inf|NaN)$/i

/** Parses the text format strictly; throws on any line that does not fit. */
function parseExposition(text: string): Map<string, Family> {
  assert.ok(text.endsWith('\n'), 'the text ends with a newline')
  const families = new Map<string, Family>()
  const pending = new Map<string, { help?: string; type?: string }>()
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line)
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string]
      assert.ok(!families.has(name), `${kind} for ${name} after its samples`)
      const entry = pending.get(name) ?? {}
      if (kind === 'HELP') entry.help = rest
      else {
        assert.match(rest, /^(counter|gauge|histogram|summary|untyped)$/)
        entry.type = rest
      }
      pending.set(name, entry)
      continue
    }
    const match = SAMPLE.exec(line)
    assert.ok(match, `malformed sample line: ${JSON.stringify(line)}`)
    const name = match[1]!
    const value = match.at(-1)!
    assert.match(value, VALUE, `bad value in ${line}`)
    const familyName = name.replace(/_(bucket|sum|count)$/, '')
    const base = pending.has(name) || families.has(name) ? name : familyName
    const header = pending.get(base)
    let family = families.get(base)
    if (!family) {
      assert.ok(header?.help !== undefined && header.type !== undefined, `samples of ${base} before its HELP and TYPE`)
      family = { type: header.type!, help: header.help!, samples: [] }
      families.set(base, family)
    }
    const labels: Record<string, string> = {}
    const labelText = line.slice(name.length).startsWith('{') ? line.slice(name.length + 1, line.lastIndexOf('} ')) : ''
    for (const pair of labelText.matchAll(new RegExp(LABEL, 'g'))) {
      labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    }
    family.samples.push({ name, labels, value: value === '+Inf' ? Infinity : Number(value) })
  }
  // A family announced but with no sample yet is fine (a counter before its first increment).
  for (const [name, header] of pending) {
    if (!families.has(name)) families.set(name, { type: header.type!, help: header.help!, samples: [] })
  }
  return families
}

function value(families: Map<string, Family>, name: string, labels: Record<string, string>): number | undefined {
  const family = families.get(name.replace(/_(bucket|sum|count)$/, '')) ?? families.get(name)
  return family?.samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value
}

function withMetrics(t: { after(fn: () => void): void }, now?: () => number): Metrics {
  const metrics = createMetrics(now ? { now } : {})
  t.after(() => metrics.close())
  return metrics
}

test('render: every line parses, families announce themselves, process metrics are there', (t) => {
  const metrics = withMetrics(t)
  metrics.recordRequest({ model: 'ocr', version: '1.0.0', code: 200, durationSeconds: 0.03 })
  metrics.recordDeploy('success')
  metrics.setInstanceUp('ocr', '1.0.0', 0, true)
  metrics.recordRestart('ocr', '1.0.0')
  const families = parseExposition(metrics.render())
  assert.equal(families.get('ferry_requests_total')?.type, 'counter')
  assert.equal(families.get('ferry_request_duration_seconds')?.type, 'histogram')
  assert.equal(families.get('ferry_instance_up')?.type, 'gauge')
  assert.equal(value(families, 'ferry_instance_up', { model: 'ocr', version: '1.0.0', replica: '0' }), 1)
  assert.equal(value(families, 'ferry_instance_restarts_total', { model: 'ocr', version: '1.0.0' }), 1)
  assert.equal(value(families, 'ferry_deploys_total', { result: 'success' }), 1)
  for (const name of ['process_resident_memory_bytes', 'process_cpu_seconds_total', 'process_start_time_seconds',
    'nodejs_heap_used_bytes', 'nodejs_eventloop_lag_seconds']) {
    const sample = families.get(name)?.samples[0]
    assert.ok(sample && Number.isFinite(sample.value) && sample.value >= 0, name)
  }
  if (process.platform === 'linux') assert.ok(families.get('process_open_fds')!.samples[0]!.value > 0)
  const start = families.get('process_start_time_seconds')!.samples[0]!.value
  assert.ok(start <= Date.now() / 1000 && start > Date.now() / 1000 - process.uptime() - 5)
})

test('histogram: buckets are cumulative, in order, and end in +Inf equal to _count', (t) => {
  const metrics = withMetrics(t)
  const durations = [0.001, 0.005, 0.007, 0.2, 0.2, 3, 10, 42]
  for (const d of durations) metrics.recordRequest({ model: 'm', version: '1.0.0', code: 200, durationSeconds: d })
  metrics.recordRequest({ model: 'm', version: '2.0.0', code: 500, durationSeconds: 0.5 })
  const histogram = parseExposition(metrics.render()).get('ferry_request_duration_seconds')!
  for (const version of ['1.0.0', '2.0.0']) {
    const buckets = histogram.samples.filter((s) => s.name.endsWith('_bucket') && s.labels.version === version)
    assert.deepEqual(buckets.map((b) => b.labels.le), [...REQUEST_DURATION_BUCKETS.map(String), '+Inf'])
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, 'cumulative')
    const count = histogram.samples.find((s) => s.name.endsWith('_count') && s.labels.version === version)!.value
    assert.equal(buckets.at(-1)!.value, count)
  }
  const labels = { model: 'm', version: '1.0.0', role: 'stable' }
  const families = parseExposition(metrics.render())
  assert.equal(value(families, 'ferry_request_duration_seconds_bucket', { ...labels, le: '0.005' }), 2, 'le is inclusive')
  assert.equal(value(families, 'ferry_request_duration_seconds_bucket', { ...labels, le: '0.01' }), 3)
  assert.equal(value(families, 'ferry_request_duration_seconds_bucket', { ...labels, le: '10' }), 7)
  assert.equal(value(families, 'ferry_request_duration_seconds_count', labels), 8)
  assert.ok(Math.abs(value(families, 'ferry_request_duration_seconds_sum', labels)! - durations.reduce((a, b) => a + b)) < 1e-9)
})

test('counters increase per label set, and codes are separate series', (t) => {
  const metrics = withMetrics(t)
  for (let i = 0; i < 3; i++) metrics.recordRequest({ model: 'm', version: '1.0.0', code: 200, durationSeconds: 0.01 })
  metrics.recordRequest({ model: 'm', version: '1.0.0', code: 502, durationSeconds: 0.01 })
  metrics.recordDeploy('failure')
  metrics.recordDeploy('failure')
  let families = parseExposition(metrics.render())
  assert.equal(value(families, 'ferry_requests_total', { model: 'm', version: '1.0.0', code: '200', role: 'stable' }), 3)
  assert.equal(value(families, 'ferry_requests_total', { model: 'm', version: '1.0.0', code: '502', role: 'stable' }), 1)
  assert.equal(value(families, 'ferry_deploys_total', { result: 'failure' }), 2)
  assert.equal(value(families, 'ferry_deploys_total', { result: 'success' }), undefined)
  metrics.recordRequest({ model: 'm', version: '1.0.0', code: 200, durationSeconds: 0.01 })
  families = parseExposition(metrics.render())
  assert.equal(value(families, 'ferry_requests_total', { model: 'm', version: '1.0.0', code: '200', role: 'stable' }), 4)
})

test('label values are escaped and read back unchanged; ordering is stable', (t) => {
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd')
  const metrics = withMetrics(t)
  const nasty = 'we"ird\\name\nline'
  metrics.recordRequest({ model: nasty, version: '1.0.0', code: 200, durationSeconds: 0.01 })
  metrics.recordRequest({ model: 'a', version: '1.0.0', code: 200, durationSeconds: 0.01 })
  const text = metrics.render()
  const families = parseExposition(text)
  assert.equal(value(families, 'ferry_requests_total', { model: nasty, version: '1.0.0', code: '200', role: 'stable' }), 1)
  assert.deepEqual(families.get('ferry_requests_total')!.samples.map((s) => s.labels.model), ['a', nasty])
  const withoutProcess = (s: string) => s.slice(0, s.indexOf('# HELP process_'))
  assert.equal(withoutProcess(metrics.render()), withoutProcess(text))
})

test('setInstanceUp sets 1 or 0; removeInstance drops only that version', (t) => {
  const metrics = withMetrics(t)
  metrics.setInstanceUp('m', '1.0.0', 0, true)
  metrics.setInstanceUp('m', '1.0.0', 1, true)
  metrics.setInstanceUp('m', '1.0.0', 1, false)
  metrics.setInstanceUp('m', '2.0.0', 0, true)
  metrics.setInstanceUp('m2', '1.0.0', 0, true)
  let up = parseExposition(metrics.render()).get('ferry_instance_up')!
  assert.deepEqual(up.samples.map((s) => [s.labels.model, s.labels.version, s.labels.replica, s.value]),
    [['m', '1.0.0', '0', 1], ['m', '1.0.0', '1', 0], ['m', '2.0.0', '0', 1], ['m2', '1.0.0', '0', 1]])
  metrics.removeInstance('m', '1.0.0')
  up = parseExposition(metrics.render()).get('ferry_instance_up')!
  assert.deepEqual(up.samples.map((s) => `${s.labels.model}@${s.labels.version}`), ['m@2.0.0', 'm2@1.0.0'])
  assert.ok(metrics.render().includes('# TYPE ferry_instance_up gauge'), 'the family stays announced')
})

test('summary: requests per second and p95 over the last minute', (t) => {
  let clock = 1_000_000_000
  const metrics = withMetrics(t, () => clock)
  assert.deepEqual(metrics.summary(), [])
  // 100 requests of 1..100 ms over 50 s: p95 (nearest rank) is 95 ms.
  for (let i = 1; i <= 100; i++) {
    metrics.recordRequest({ model: 'm', version: '1.0.0', code: 200, durationSeconds: i / 1000 })
    if (i % 2 === 0) clock += 1000
  }
  metrics.recordRequest({ model: 'a', version: '0.1.0', code: 200, durationSeconds: 2 })
  let summary = metrics.summary()
  assert.deepEqual(summary.map((s) => s.model), ['a', 'm'])
  assert.deepEqual(summary[1], { model: 'm', version: '1.0.0', requestsPerSecond: 100 / 60, p95Seconds: 0.095 })
  assert.deepEqual(summary[0], { model: 'a', version: '0.1.0', requestsPerSecond: 1 / 60, p95Seconds: 2 })
  // Now at second 80: the window holds seconds 21..80, so requests 43..100 (58 of them) remain.
  clock += 30_000
  summary = metrics.summary()
  assert.equal(summary[1]!.requestsPerSecond * 60, 58)
  assert.equal(summary[1]!.p95Seconds, 0.098)
  clock += 60_000
  assert.deepEqual(metrics.summary().map((s) => [s.requestsPerSecond, s.p95Seconds]), [[0, null], [0, null]])
})

test('requests are counted by role, and rollout weights are a gauge that goes away when the rollout ends', (t) => {
  const metrics = withMetrics(t)
  metrics.recordRequest({ model: 'm', version: '1.0.0', code: 200, durationSeconds: 0.01 })
  metrics.recordRequest({ model: 'm', version: '1.1.0', code: 200, durationSeconds: 0.01, role: 'canary' })
  metrics.recordRequest({ model: 'm', version: '1.2.0', code: 200, durationSeconds: 0.01, role: 'shadow' })
  metrics.setRolloutWeights('m', [{ version: '1.0.0', role: 'stable', weight: 80 }, { version: '1.1.0', role: 'canary', weight: 20 }])
  let families = parseExposition(metrics.render())
  assert.equal(value(families, 'ferry_requests_total', { model: 'm', version: '1.1.0', code: '200', role: 'canary' }), 1)
  assert.equal(value(families, 'ferry_requests_total', { model: 'm', version: '1.2.0', code: '200', role: 'shadow' }), 1)
  assert.equal(value(families, 'ferry_rollout_weight', { model: 'm', version: '1.1.0', role: 'canary' }), 20)
  assert.equal(value(families, 'ferry_rollout_weight', { model: 'm', version: '1.0.0', role: 'stable' }), 80)
  assert.deepEqual(metrics.summary().map((s) => s.version), ['1.0.0', '1.1.0'], 'mirrored copies are not in the console summary')
  metrics.setRolloutWeights('m', undefined)
  families = parseExposition(metrics.render())
  assert.equal(value(families, 'ferry_rollout_weight', { model: 'm', version: '1.1.0', role: 'canary' }), undefined)
})
