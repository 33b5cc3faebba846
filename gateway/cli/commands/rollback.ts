/**
 * `ferry rollback <name>`: aborts the model's rollout in progress; otherwise starts the newest
 * version older than `latest` (if it was retired) and switches `latest` to it, with no failed request.
 */
import type { RolloutRecord } from '../../../deployer/index.js'
import { CLIENT_OPTIONS, createApiClient } from '../_client.js'
import { defineCommand } from '../command.js'

export default defineCommand<RolloutRecord>({
  usage: 'ferry rollback <name> [--gateway URL] [--token TOKEN]',
  description: 'Take back the last change of a model: abort its rollout in progress, or start the previous version (when retired) and move latest to it.',
  options: { ...CLIENT_OPTIONS },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }, context) {
    const name = positionals[0]!
    return { result: await createApiClient(values, context).call<RolloutRecord>('POST', `/rollouts/${encodeURIComponent(name)}/rollback`) }
  },
  render: (r) => (r.status === 'promoted' ? `${r.name}: latest ${r.stable} → ${r.candidate}` : `${r.name}: rollout of ${r.candidate} ${r.status} (${r.reason}); latest stays ${r.stable}`),
})
