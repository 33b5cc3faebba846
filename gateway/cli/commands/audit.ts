/** `ferry audit`: the audit trail, newest first, filtered like GET /api/audit. */
import type { AuditEntry } from '../../auth/index.js'
import { CLIENT_OPTIONS, createApiClient } from '../_client.js'
import { renderTable } from '../_table.js'
import { defineCommand } from '../command.js'

const FILTERS = ['since', 'until', 'token', 'action', 'outcome', 'before', 'limit'] as const

export default defineCommand<AuditEntry[]>({
  usage: 'ferry audit [--since TIME] [--until TIME] [--action "METHOD [/api/route]"] [--outcome ok|refused|failed|STATUS] [--limit N] [--by NAME] [--gateway URL] [--token TOKEN]',
  description: 'Print the audit trail: every management action and every refusal, with time, token, role, action, target, outcome, request id and client. Needs an admin token.',
  options: {
    since: { type: 'string', value: 'TIME', description: 'entries at or after this ISO 8601 time' },
    until: { type: 'string', value: 'TIME', description: 'entries at or before this ISO 8601 time' },
    'by': { type: 'string', value: 'NAME', description: 'only what this token did (its name; "admin" is the bootstrap token)' },
    action: { type: 'string', value: 'ACTION', description: 'a method ("POST"), or a method and route ("POST /api/tokens")' },
    outcome: { type: 'string', value: 'OUTCOME', description: 'ok, refused (401/403), failed, or a status code' },
    before: { type: 'string', value: 'ID', description: 'entries older than this id (the next page)' },
    limit: { type: 'string', short: 'n', value: 'N', description: 'at most N entries, 1 to 1000 (default 100)' },
    ...CLIENT_OPTIONS,
  },
  positionals: { min: 0, max: 0 },
  async run({ values }, context) {
    const query = new URLSearchParams()
    for (const key of FILTERS) {
      const value = key === 'token' ? values['by'] : values[key]
      if (typeof value === 'string') query.set(key, value)
    }
    const path = `/audit${query.size ? `?${query}` : ''}`
    return { result: (await createApiClient(values, context).call<{ entries: AuditEntry[] }>('GET', path)).entries }
  },
  render(entries) {
    if (entries.length === 0) return 'no entries'
    return renderTable(['TIME', 'TOKEN', 'ROLE', 'ACTION', 'TARGET', 'OUTCOME', 'CLIENT', 'REQUEST'],
      entries.map((e) => [e.time, e.token ?? '-', e.role ?? '-', e.action, e.target ?? '-', `${e.status}${e.code ? ` ${e.code}` : ''}`, e.client ?? '-', e.requestId]))
  },
})
