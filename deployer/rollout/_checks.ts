/**
 * One window's check of a candidate against the stable version: success rate, p95 latency ratio
 * and the model metrics thresholds. Too few candidate requests make the window inconclusive: it
 * counts neither way, and the check says so.
 */
import type { RolloutConfig } from './rollout-options.js'
import type { ShadowFigures, WindowFigures } from './traffic.js'

export type Verdict = 'pass' | 'fail' | 'inconclusive'

export interface WindowCheck {
  type: 'check'
  window: number
  at: string
  fromMs: number
  toMs: number
  weight: number
  verdict: Verdict
  /** Why it failed, or why it could not judge. */
  reasons: string[]
  candidate: WindowFigures & { successRate: number | null }
  stable: (WindowFigures & { successRate: number | null }) | null
  metrics?: Record<string, { mean: number; runs: number } | null>
  shadow?: ShadowFigures & { agreement: number | null }
}

const rate = (f: WindowFigures) => (f.requests === 0 ? null : (100 * f.succeeded) / f.requests)
const round = (n: number) => Math.round(n * 100) / 100

/** Judges a canary window. */
export function judgeWindow(config: RolloutConfig, base: Pick<WindowCheck, 'window' | 'at' | 'fromMs' | 'toMs' | 'weight'>, candidate: WindowFigures, stable: WindowFigures | null, metrics: Record<string, { mean: number; runs: number } | undefined>): WindowCheck {
  const check: WindowCheck = { type: 'check', ...base, verdict: 'pass', reasons: [], candidate: { ...candidate, successRate: rate(candidate) }, stable: stable && { ...stable, successRate: rate(stable) } }
  if (Object.keys(config.metrics).length > 0) check.metrics = Object.fromEntries(Object.keys(config.metrics).map((m) => [m, metrics[m] ?? null]))
  if (candidate.requests < config.minRequests) {
    check.verdict = 'inconclusive'
    check.reasons.push(`${candidate.requests} candidate request(s) in the window, fewer than minRequests ${config.minRequests}: not counted`)
    return check
  }
  const successRate = check.candidate.successRate!
  if (successRate < config.minSuccessRate) check.reasons.push(`success rate ${round(successRate)} % < ${config.minSuccessRate} %`)
  if (stable && stable.requests >= config.minRequests && stable.p95Ms !== null && candidate.p95Ms !== null) {
    // A floor of 1 ms on the stable p95: sub-millisecond answers would make any jitter a failure.
    const limit = config.maxLatencyRatio * Math.max(stable.p95Ms, 1)
    if (candidate.p95Ms > limit) check.reasons.push(`p95 ${round(candidate.p95Ms)} ms > ${config.maxLatencyRatio} × stable's ${round(stable.p95Ms)} ms`)
  }
  for (const [name, bounds] of Object.entries(config.metrics)) {
    const found = metrics[name]
    if (!found) continue // no runs reported this window: this metric cannot judge it
    if (bounds.min !== undefined && found.mean < bounds.min) check.reasons.push(`${name} mean ${round(found.mean)} < ${bounds.min}`)
    if (bounds.max !== undefined && found.mean > bounds.max) check.reasons.push(`${name} mean ${round(found.mean)} > ${bounds.max}`)
  }
  if (check.reasons.length > 0) check.verdict = 'fail'
  return check
}

/** Records a shadow window: figures only, never a verdict on its own (promotion reads the totals). */
export function describeShadowWindow(base: Pick<WindowCheck, 'window' | 'at' | 'fromMs' | 'toMs' | 'weight'>, shadow: ShadowFigures, stable: WindowFigures): WindowCheck {
  return {
    type: 'check', ...base, verdict: 'inconclusive', reasons: ['shadow windows are measured, not judged; promotion checks minAgreement'],
    candidate: { requests: shadow.requests, succeeded: shadow.succeeded, p95Ms: shadow.p95Ms, successRate: rate(shadow) },
    stable: { ...stable, successRate: rate(stable) },
    shadow: { ...shadow, agreement: shadow.compared === 0 ? null : (100 * shadow.agreed) / shadow.compared },
  }
}
