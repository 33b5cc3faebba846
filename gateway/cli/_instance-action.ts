/** `ferry stop|start|restart|rm <name@version>`: one command per action, the same shape each. */
import type { InstanceInfo } from '../../deployer/index.js'
import { CLIENT_OPTIONS, createApiClient } from './_client.js'
import { defineCommand } from './command.js'

type Action = 'stop' | 'start' | 'restart' | 'rm'
const DESCRIPTIONS: Record<Action, string> = {
  stop: 'Stop a version\'s replicas (SIGTERM, grace, SIGKILL); it stays stopped across server restarts. Refused for the version latest points to while another is ready, unless --force (which moves latest to the newest other ready version).',
  start: 'Start a stopped or failed version again and wait until it is healthy.',
  restart: 'Restart a version make-before-break: new replicas take over only once healthy.',
  rm: 'Stop and remove a version (its directory, logs and aliases; the package stays). The same rule as stop for the version latest points to.',
}

/** The command for one action. */
type Removed = { removed: string; latest: string | null; latestMoved: boolean }
const FORCE = { force: { type: 'boolean', description: 'for the version latest points to: move latest to the newest other ready version first' } } as const

export function defineInstanceAction(action: Action) {
  const forceable = action === 'stop' || action === 'rm'
  return defineCommand<(InstanceInfo & { latestMovedTo?: string }) | Removed>({
    usage: `ferry ${action} <name@version>${forceable ? ' [--force]' : ''} [--gateway URL] [--token TOKEN]`,
    description: DESCRIPTIONS[action],
    options: { ...CLIENT_OPTIONS, ...(forceable ? FORCE : {}) },
    positionals: { min: 1, max: 1 },
    async run({ values, positionals }, context) {
      const client = createApiClient(values, context)
      const ref = encodeURIComponent(positionals[0]!)
      const force = values['force'] === true ? '?force=1' : ''
      if (action === 'rm') return { result: await client.call<Removed>('DELETE', `/instances/${ref}${force}`) }
      return { result: await client.call<InstanceInfo>('POST', `/instances/${ref}/${action}${force}`) }
    },
    render: (r) => {
      if ('removed' in r) return `removed ${r.removed}${r.latestMoved ? `; latest → ${r.latest}` : ''}`
      return `${r.ref} ${r.state}${r.reason ? ` (${r.reason})` : ''}${r.latestMovedTo ? `; latest → ${r.latestMovedTo}` : ''}`
    },
  })
}
