/**
 * A rollout's options, resolved once per deploy: what the request says, else the descriptor's
 * `rollout` defaults, else Ferry's. Every bad value is refused with its own code and the option
 * at fault (`path`), before anything starts.
 */
import { createDeployerError } from '../errors.js'
import type { RolloutStrategy } from '../state-store.js'

export const ROLLOUT_STRATEGIES: readonly RolloutStrategy[] = Object.freeze(['replace', 'canary', 'shadow', 'manual'])

/** A model metric (from tracked runs) the candidate's mean must stay within, per window. */
export interface MetricThreshold { min?: number; max?: number }

/** What a deploy request (or a descriptor's `rollout`) may say; every field optional. */
export interface RolloutRequest {
  strategy?: string
  /** Canary: weight added per passing window (percent, default 10). */
  step?: number
  /** Canary: the weight at which a passing window promotes (percent, default 50). */
  maxWeight?: number
  /** Window length: "30s", "500ms", "2m" or a number of seconds (default 30 s, at least 1 s). */
  interval?: string | number
  /** Failed windows that roll back (default 3). */
  threshold?: number
  /** Percent of the candidate's requests that must succeed (non-5xx, no socket error), default 99. */
  minSuccessRate?: number
  /** The candidate's p95 may be at most this × the stable version's (default 1.5). */
  maxLatencyRatio?: number
  /** Fewer candidate requests in a window than this: the window does not count (default 20). */
  minRequests?: number
  /** Thresholds on the mean of metrics the candidate reports in tracked runs, e.g. { mean_confidence: { min: 80 } }. */
  metrics?: Record<string, MetricThreshold>
  /** Keep one client on one side (by X-Ferry-Session or the ferry_session cookie). */
  sticky?: boolean
  /** Shadow: percent of live requests copied to the candidate (default 100). */
  mirror?: number
  /** Shadow: the JSON pointer compared between the two answers ("" = the whole body). */
  compare?: string
  /** Shadow: agreement (percent) promotion requires. */
  minAgreement?: number
  /** Previous versions kept running (with no traffic) for an instant rollback (default 1). */
  keepWarm?: number
  /** Send the descriptor's examples to the candidate before any traffic (default true). */
  acceptance?: boolean
}

export interface RolloutConfig {
  readonly strategy: RolloutStrategy
  readonly step: number
  readonly maxWeight: number
  readonly intervalMs: number
  readonly threshold: number
  readonly minSuccessRate: number
  readonly maxLatencyRatio: number
  readonly minRequests: number
  readonly metrics: Readonly<Record<string, MetricThreshold>>
  readonly sticky: boolean
  readonly mirror: number
  readonly compare: string
  readonly minAgreement: number | null
  readonly keepWarm: number
  readonly acceptance: boolean
}

const DEFAULTS = { strategy: 'replace', step: 10, maxWeight: 50, interval: 30, threshold: 3, minSuccessRate: 99, maxLatencyRatio: 1.5, minRequests: 20, mirror: 100, compare: '', keepWarm: 1, sticky: false, acceptance: true } as const
const KNOWN = new Set<string>(['strategy', 'step', 'maxWeight', 'interval', 'threshold', 'minSuccessRate', 'maxLatencyRatio', 'minRequests', 'metrics', 'sticky', 'mirror', 'compare', 'minAgreement', 'keepWarm', 'acceptance'])
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 }

/** "30s" → 30000; a number is seconds; undefined for anything else. */
export function parseDurationMs(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value * 1000 : undefined
  const match = DURATION.exec(value.trim())
  return match ? Number(match[1]) * UNIT_MS[match[2] ?? 's']! : undefined
}

/** True for an RFC 6901 JSON pointer: "" or "/" segments where "~" only starts "~0" or "~1". */
export function isJsonPointer(value: string): boolean {
  return value === '' || (value.startsWith('/') && !/~(?![01])/.test(value))
}

function fail(code: 'E_ROLLOUT_WEIGHT_INVALID' | 'E_ROLLOUT_OPTION_INVALID', key: string, message: string): never {
  throw createDeployerError(code, message, { path: `/${key}`, details: { option: key } })
}

function pickNumber(key: string, value: unknown, fallback: number, check: (n: number) => boolean, range: string, code: 'E_ROLLOUT_WEIGHT_INVALID' | 'E_ROLLOUT_OPTION_INVALID' = 'E_ROLLOUT_OPTION_INVALID'): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) fail(code, key, `${key} must be ${range}, not ${JSON.stringify(value)}`)
  return value
}

/**
 * Resolves a rollout's options: `request` first, then the descriptor's `rollout`, then defaults.
 * @example
 * resolveRolloutOptions({ strategy: 'canary', step: 20, interval: '5s' }).intervalMs // 5000
 */
export function resolveRolloutOptions(request: RolloutRequest = {}, descriptorDefaults: RolloutRequest = {}): RolloutConfig {
  for (const key of Object.keys(request)) if (!KNOWN.has(key)) fail('E_ROLLOUT_OPTION_INVALID', key, `unknown rollout option "${key}"; known: ${[...KNOWN].join(', ')}`)
  const merged: Record<string, unknown> = { ...descriptorDefaults }
  for (const [key, value] of Object.entries(request)) if (value !== undefined) merged[key] = value
  const strategy = merged['strategy'] ?? DEFAULTS.strategy
  if (typeof strategy !== 'string' || !ROLLOUT_STRATEGIES.includes(strategy as RolloutStrategy)) {
    throw createDeployerError('E_ROLLOUT_STRATEGY_UNKNOWN', `unknown strategy ${JSON.stringify(strategy)}; use one of ${ROLLOUT_STRATEGIES.join(', ')}`, { path: '/strategy', details: { strategy, strategies: ROLLOUT_STRATEGIES } })
  }
  const percent = (n: number) => n >= 0 && n <= 100
  const step = pickNumber('step', merged['step'], DEFAULTS.step, (n) => n >= 1 && n <= 100, 'a weight from 1 to 100', 'E_ROLLOUT_WEIGHT_INVALID')
  const maxWeight = pickNumber('maxWeight', merged['maxWeight'], DEFAULTS.maxWeight, (n) => n >= 1 && n <= 100, 'a weight from 1 to 100', 'E_ROLLOUT_WEIGHT_INVALID')
  if (step > maxWeight) throw createDeployerError('E_ROLLOUT_STEP_TOO_LARGE', `step ${step} is larger than maxWeight ${maxWeight}`, { path: '/step', details: { step, maxWeight } })
  const rawInterval = merged['interval'] ?? DEFAULTS.interval
  const intervalMs = typeof rawInterval === 'string' || typeof rawInterval === 'number' ? parseDurationMs(rawInterval) : undefined
  if (intervalMs === undefined || intervalMs < 1000) {
    throw createDeployerError('E_ROLLOUT_INTERVAL_TOO_SHORT', `interval ${JSON.stringify(rawInterval)} is ${intervalMs === undefined ? 'not a duration' : 'under 1 s'}; give e.g. "30s", "2m" or 30`, { path: '/interval', details: { interval: rawInterval } })
  }
  const compare = merged['compare'] ?? DEFAULTS.compare
  if (typeof compare !== 'string' || !isJsonPointer(compare)) {
    throw createDeployerError('E_ROLLOUT_COMPARE_INVALID', `compare ${JSON.stringify(compare)} is not a JSON pointer; give "" (the whole body) or e.g. "/label"`, { path: '/compare', details: { compare } })
  }
  const flag = (key: 'sticky' | 'acceptance'): boolean => {
    const value = merged[key] ?? DEFAULTS[key]
    if (typeof value !== 'boolean') fail('E_ROLLOUT_OPTION_INVALID', key, `${key} must be true or false`)
    return value
  }
  const minAgreement = merged['minAgreement'] === undefined ? null : pickNumber('minAgreement', merged['minAgreement'], 0, percent, 'a percentage from 0 to 100', 'E_ROLLOUT_WEIGHT_INVALID')
  return Object.freeze({
    strategy: strategy as RolloutStrategy,
    step,
    maxWeight,
    intervalMs,
    threshold: pickNumber('threshold', merged['threshold'], DEFAULTS.threshold, (n) => Number.isInteger(n) && n >= 1 && n <= 100, 'a whole number from 1 to 100'),
    minSuccessRate: pickNumber('minSuccessRate', merged['minSuccessRate'], DEFAULTS.minSuccessRate, percent, 'a percentage from 0 to 100', 'E_ROLLOUT_WEIGHT_INVALID'),
    maxLatencyRatio: pickNumber('maxLatencyRatio', merged['maxLatencyRatio'], DEFAULTS.maxLatencyRatio, (n) => n > 0, 'a positive number'),
    minRequests: pickNumber('minRequests', merged['minRequests'], DEFAULTS.minRequests, (n) => Number.isInteger(n) && n >= 1, 'a whole number from 1'),
    metrics: resolveMetricThresholds(merged['metrics']),
    sticky: flag('sticky'),
    mirror: pickNumber('mirror', merged['mirror'], DEFAULTS.mirror, percent, 'a percentage from 0 to 100', 'E_ROLLOUT_WEIGHT_INVALID'),
    compare,
    minAgreement,
    keepWarm: pickNumber('keepWarm', merged['keepWarm'], DEFAULTS.keepWarm, (n) => Number.isInteger(n) && n >= 0 && n <= 16, 'a whole number from 0 to 16'),
    acceptance: flag('acceptance'),
  })
}

function resolveMetricThresholds(value: unknown): Readonly<Record<string, MetricThreshold>> {
  if (value === undefined) return Object.freeze({})
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('E_ROLLOUT_OPTION_INVALID', 'metrics', 'metrics must be an object such as {"mean_confidence": {"min": 80}}')
  const out: Record<string, MetricThreshold> = {}
  for (const [name, bounds] of Object.entries(value as Record<string, unknown>)) {
    const key = `metrics/${name}`
    if (typeof bounds !== 'object' || bounds === null) fail('E_ROLLOUT_OPTION_INVALID', key, `metrics.${name} must be {"min": n} and/or {"max": n}`)
    const { min, max, ...rest } = bounds as Record<string, unknown>
    if (Object.keys(rest).length > 0 || (min === undefined && max === undefined)) fail('E_ROLLOUT_OPTION_INVALID', key, `metrics.${name} takes "min" and/or "max" only`)
    for (const [bound, n] of [['min', min], ['max', max]] as const) {
      if (n !== undefined && (typeof n !== 'number' || !Number.isFinite(n))) fail('E_ROLLOUT_OPTION_INVALID', `${key}/${bound}`, `metrics.${name}.${bound} must be a number`)
    }
    out[name] = Object.freeze({ ...(min !== undefined ? { min: min as number } : {}), ...(max !== undefined ? { max: max as number } : {}) })
  }
  return Object.freeze(out)
}
