/**
 * `ferry rollout status|promote|abort|pause|resume <name>`: watch and steer a model's rollout.
 * `status` with no name lists the active rollouts.
 */
import type { RolloutRecord, WindowCheck } from '../../../deployer/index.js'
import { UsageError } from '../../../packager/ferry-error.js'
import { CLIENT_OPTIONS, createApiClient } from '../_client.js'
import { defineCommand } from '../command.js'

const ACTIONS = ['status', 'promote', 'abort', 'pause', 'resume'] as const
type RolloutView = RolloutRecord & { live?: { candidate: { requests: number; succeeded: number; p95Ms: number | null } } | null }

const percent = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `${Math.round(n * 10) / 10} %`)
const ms = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `${Math.round(n * 10) / 10} ms`)

/** One line per rollout, then its checks (newest last). */
export function renderRollout(r: RolloutView): string {
  const config = r.config as { step?: number; maxWeight?: number; intervalMs?: number; threshold?: number }
  const head = `${r.name}: ${r.strategy} ${r.stable ?? '(none)'} → ${r.candidate}, ${r.status}${r.strategy === 'canary' ? `, weight ${r.weight} % (step ${config.step}, max ${config.maxWeight}, every ${(config.intervalMs ?? 0) / 1000}s), failures ${r.failures}/${config.threshold}` : r.strategy === 'shadow' ? `, mirroring ${r.weight} %` : ''}${r.reason ? `\n  reason: ${r.reason}` : ''}`
  const lines = (r.checks as Array<WindowCheck | { type: 'acceptance'; passed: boolean; failures: unknown[] }>).map((c) => {
    if (c.type === 'acceptance') return `  acceptance  ${c.passed ? 'passed' : `FAILED (${c.failures.length})`}`
    const shadow = c.shadow ? ` | agreement ${percent(c.shadow.agreement)} of ${c.shadow.compared}` : ''
    return `  window ${String(c.window).padEnd(3)} ${c.verdict.padEnd(12)} at ${c.weight} %: candidate ${c.candidate.requests} req, ${percent(c.candidate.successRate)} ok, p95 ${ms(c.candidate.p95Ms)}${c.stable ? ` | stable ${c.stable.requests} req, p95 ${ms(c.stable.p95Ms)}` : ''}${shadow}${c.reasons.length && c.verdict !== 'pass' ? `\n              ${c.reasons.join('; ')}` : ''}`
  })
  return [head, ...lines].join('\n')
}

export default defineCommand<RolloutView | RolloutView[]>({
  usage: 'ferry rollout status|promote|abort|pause|resume [<name>] [--force] [--gateway URL] [--token TOKEN]',
  description: 'Show a model\'s rollout with each check and its figures, or promote, abort, pause or resume it. `status` with no name lists the active rollouts.',
  options: {
    force: { type: 'boolean', description: 'promote even when the rollout\'s own requirement (minAgreement) is not met' },
    ...CLIENT_OPTIONS,
  },
  positionals: { min: 1, max: 2 },
  async run({ values, positionals }, context) {
    const [action, name] = positionals as [string, string | undefined]
    if (!(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`unknown action "${action}"; use one of ${ACTIONS.join(', ')}`)
    const client = createApiClient(values, context)
    if (action === 'status') {
      if (!name) return { result: await client.call<RolloutView[]>('GET', '/rollouts?active=1') }
      return { result: await client.call<RolloutView>('GET', `/rollouts/${encodeURIComponent(name)}`) }
    }
    if (!name) throw new UsageError(`ferry rollout ${action} needs the model's name`)
    const json = action === 'promote' && values['force'] ? { force: true } : undefined
    return { result: await client.call<RolloutView>('POST', `/rollouts/${encodeURIComponent(name)}/${action}`, json ? { json } : {}) }
  },
  render: (r) => (Array.isArray(r) ? (r.length ? r.map(renderRollout).join('\n\n') : 'no rollout in progress') : renderRollout(r)),
})
