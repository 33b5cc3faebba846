/** `ferry logs <name@version>`: the last lines a version wrote, with time, stream and replica. */
import type { LogEntry } from '../../../deployer/index.js'
import { UsageError } from '../../../packager/ferry-error.js'
import { CLIENT_OPTIONS, createApiClient } from '../_client.js'
import { defineCommand } from '../command.js'

export default defineCommand<LogEntry[]>({
  usage: 'ferry logs <name@version> [--tail N] [--gateway URL] [--token TOKEN]',
  description: 'Print the last lines a version (and its set-up) wrote.',
  options: { tail: { type: 'string', short: 'n', value: 'N', description: 'how many lines (default 100)' }, ...CLIENT_OPTIONS },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }, context) {
    const tail = Number(values['tail'] ?? 100)
    if (!Number.isInteger(tail) || tail < 1) throw new UsageError(`--tail takes a positive whole number, not "${values['tail']}"`)
    return { result: await createApiClient(values, context).call<LogEntry[]>('GET', `/instances/${encodeURIComponent(positionals[0]!)}/logs?tail=${tail}`) }
  },
  render: (entries) => entries.map((e) => `${e.time} ${e.stream}${e.replica === null ? '' : `[${e.replica}]`} ${e.line}`).join('\n'),
})
