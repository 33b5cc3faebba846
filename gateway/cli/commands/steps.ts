/**
 * `ferry steps <pipeline[@version|@alias]>`: a pipeline version's steps graph as the gateway runs
 * it (GET /api/instances/:ref/steps), as an indented tree: each call step with the model and
 * endpoint it calls, the version that reaches now (or why it cannot be called: a call reaching it
 * answers 503), and its calls, failures and p95 since the server started.
 */
import type { StepNode, StepReport } from '../../pipelines/step-report.js'
import { CLIENT_OPTIONS, createApiClient } from '../_client.js'
import { defineCommand } from '../command.js'

const KIND: Record<StepNode['kind'], string> = { call: 'call', sequence: 'sequence (one after another)', ensemble: 'ensemble (in parallel)', switch: 'switch', unknown: 'no step has this id' }

function lines(node: StepNode, depth: number, number: number | undefined, out: string[]): void {
  const pad = '  '.repeat(depth)
  const branch = node.branch === undefined ? '' : node.branch === 'default' ? 'otherwise → ' : `when ${JSON.stringify(node.branch)} → `
  const head = `${pad}${number === undefined ? '' : `${number}. `}${branch}${node.id}  ${node.repeat ? '(shown above)' : KIND[node.kind]}`
  if (node.repeat || node.kind === 'unknown') return void out.push(head)
  if (node.kind === 'call') {
    const target = node.target!
    const reach = target.ready ? `→ ${target.ref} ready` : `→ UNAVAILABLE: ${target.reason}`
    const { calls, failed, p95Ms } = node.figures!
    const figures = calls === 0 ? 'not called yet' : `${calls} call${calls === 1 ? '' : 's'}, ${failed} failed, p95 ${p95Ms === null ? '-' : `${p95Ms.toFixed(1)} ms`}`
    out.push(`${head}  ${node.model} ${node.endpoint}${node.timeoutSeconds === undefined ? '' : ` (times out after ${node.timeoutSeconds} s)`}`, `${pad}    ${reach} · ${figures}`)
  } else if (node.kind === 'switch') out.push(`${head} on ${node.on}${node.hasDefault ? '' : ' (no default: a value no case names fails the call)'}`)
  else out.push(head)
  node.children.forEach((child, i) => lines(child, depth + 1, node.kind === 'sequence' ? i + 1 : undefined, out))
}

export default defineCommand<StepReport>({
  usage: 'ferry steps <pipeline[@version|@alias]> [--json] [--gateway URL] [--token TOKEN]',
  description: 'Print a pipeline version\'s steps as the gateway runs them: each call step with the model and endpoint it calls, the version that reaches now or why it cannot be called, and its calls, failures and p95 since the server started. Without @, latest.',
  options: { ...CLIENT_OPTIONS },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }, context) {
    // The server resolves a name (its latest) or an alias, and names what exists when it cannot.
    return { result: await createApiClient(values, context).call<StepReport>('GET', `/instances/${encodeURIComponent(positionals[0]!)}/steps`) }
  },
  render(report) {
    const steps = `${report.callSteps} call step${report.callSteps === 1 ? '' : 's'}`
    const summary = report.unavailable === 0 ? (report.callSteps === 1 ? 'its call step can be called' : `all ${steps} can be called`) : `${report.unavailable} of ${steps} cannot be called now: a call reaching one answers 503 E_PIPELINE_STEP_UNAVAILABLE`
    const out = [report.served.ready ? `${report.ref}: ${summary}` : `${report.ref}: NOT SERVED: ${report.served.reason}; ${summary}`]
    lines(report.tree, 0, undefined, out)
    if (report.unreached.length > 0) out.push(`not reached from ${report.start}: ${report.unreached.join(', ')}`)
    return out.join('\n')
  },
})
