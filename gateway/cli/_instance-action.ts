/** `ferry stop|start|restart|rm <name@version>`: one command per action, the same shape each. */
import type { InstanceInfo } from '../../deployer/index.js'
import { CLIENT_OPTIONS, createApiClient } from './_client.js'
import { defineCommand } from './command.js'

type Action = 'stop' | 'start' | 'restart' | 'rm'
const DESCRIPTIONS: Record<Action, string> = {
  stop: 'Stop a version\'s replicas (SIGTERM, grace, SIGKILL); it stays stopped across server restarts.',
  start: 'Start a stopped or failed version again and wait until it is healthy.',
  restart: 'Restart a version make-before-break: new replicas take over only once healthy.',
  rm: 'Stop and remove a version (its directory, logs and aliases; the package stays).',
}

/** The command for one action. */
export function defineInstanceAction(action: Action) {
  return defineCommand<InstanceInfo | { removed: string }>({
    usage: `ferry ${action} <name@version> [--gateway URL] [--token TOKEN]`,
    description: DESCRIPTIONS[action],
    options: { ...CLIENT_OPTIONS },
    positionals: { min: 1, max: 1 },
    async run({ values, positionals }, context) {
      const client = createApiClient(values, context)
      const ref = encodeURIComponent(positionals[0]!)
      if (action === 'rm') {
        await client.call('DELETE', `/instances/${ref}`)
        return { result: { removed: positionals[0]! } }
      }
      return { result: await client.call<InstanceInfo>('POST', `/instances/${ref}/${action}`) }
    },
    render: (r) => ('removed' in r ? `removed ${r.removed}` : `${r.ref} ${r.state}${r.reason ? ` (${r.reason})` : ''}`),
  })
}
