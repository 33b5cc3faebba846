/** `ferry logs <name@version>`: the last lines a version wrote, with time, stream and replica. */
import type { LogEntry } from '../../../deployer/index.js'
import { UsageError } from '../../../packager/ferry-error.js'
import { CLIENT_OPTIONS, createApiClient } from '../_client.js'
import { defineCommand } from '../command.js'

const formatEntry = (e: LogEntry) => `${e.time} ${e.stream}${e.replica === null ? '' : `[${e.replica}]`} ${e.line}`

export default defineCommand<LogEntry[]>({
  usage: 'ferry logs <name@version> [--tail N] [-f] [--gateway URL] [--token TOKEN]',
  description: 'Print the last lines a version (and its set-up) wrote; with -f, keep printing new lines until Ctrl-C.',
  options: {
    tail: { type: 'string', short: 'n', value: 'N', description: 'how many lines (default 100)' },
    follow: { type: 'boolean', short: 'f', description: 'keep printing new lines as they come' },
    ...CLIENT_OPTIONS,
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }, context) {
    const tail = Number(values['tail'] ?? 100)
    if (!Number.isInteger(tail) || tail < 1) throw new UsageError(`--tail takes a positive whole number, not "${values['tail']}"`)
    const client = createApiClient(values, context)
    const path = `/instances/${encodeURIComponent(positionals[0]!)}/logs?tail=${tail}`
    if (!values['follow']) return { result: await client.call<LogEntry[]>('GET', path) }
    await client.stream(`${path}&follow=1`, context.signal, (data) => {
      const entry = JSON.parse(data) as LogEntry
      context.stdout.write(context.json ? `${data}\n` : `${formatEntry(entry)}\n`)
    })
    return { result: [] as LogEntry[] }
  },
  render: (entries) => entries.map(formatEntry).join('\n'),
})
