/**
 * Live logs: a version's (or a whole model's) lines, followed over server-sent events, with a
 * stream filter, a text filter, follow on/off and auto-scroll that pauses when the reader scrolls
 * up. Entries are de-duplicated by seq, as a reconnect sends the tail again.
 */
import { api, seg } from '../api.js'
import { h, field, replace, uid } from '../dom.js'
import { followSse, type SseConnection } from '../sse.js'
import type { LogEntry } from '../types.js'
import { errorBox } from './notice.js'

const MAX_LINES = 2000
const STREAMS = ['stdout', 'stderr', 'setup', 'system'] as const

export interface LogSource {
  /** `/api/instances/:ref/logs` for one version, `/api/logs?model=` for all of a model's. */
  url(follow: boolean): string
}

export function instanceLogs(ref: string): LogSource {
  return { url: (follow) => `/api/instances/${seg(ref)}/logs?tail=500${follow ? '&follow=1' : ''}` }
}

export function modelLogs(model: string, version?: string): LogSource {
  const query = new URLSearchParams({ model, limit: '500', ...(version ? { version } : {}) })
  return { url: (follow) => `/api/logs?${query}${follow ? '&follow=1' : ''}` }
}

export interface LogView { element: HTMLElement; setSource(source: LogSource): void; close(): void }

export function createLogView(initial: LogSource, options: { follow?: boolean; label?: string } = {}): LogView {
  let source = initial
  let connection: SseConnection | undefined
  let lastSeq = -1
  const entries: LogEntry[] = []
  const shown = new Set<string>(STREAMS)
  const filter = h('input', { type: 'search', placeholder: 'text or /regex/', autocomplete: 'off' })
  const follow = h('input', { type: 'checkbox', id: uid('follow'), checked: options.follow ?? true })
  const status = h('span', { class: 'muted', 'aria-live': 'polite' })
  const lines = h('ol', { class: 'log-lines', role: 'log', 'aria-label': options.label ?? 'Log lines', tabindex: '0' })
  const streamBoxes = STREAMS.map((name) => {
    const box = h('input', { type: 'checkbox', id: uid(`stream-${name}`), checked: true, value: name })
    box.addEventListener('change', () => { if (box.checked) shown.add(name); else shown.delete(name); render() })
    return h('label', { class: 'check', for: box.id }, box, name)
  })

  const filterProblem = h('small', { class: 'field-error', id: uid('filter-problem'), role: 'alert', hidden: true })
  filter.setAttribute('aria-describedby', filterProblem.id)

  /** The filter's test; a /regex/ that does not compile is said so beside the field and matched as text. */
  function matcher(): (line: string) => boolean {
    const text = filter.value.trim()
    let problem = ''
    let match: (line: string) => boolean = () => true
    const regex = /^\/(.+)\/([a-z]*)$/.exec(text)
    if (regex) {
      try {
        const re = new RegExp(regex[1]!, regex[2]!.includes('i') ? 'i' : '')
        match = (line) => re.test(line)
      } catch (error) {
        problem = `Not a valid regular expression (${(error as Error).message.replace(/^Invalid regular expression: /, '')}): matching it as plain text.`
      }
    }
    if (text && (!regex || problem)) {
      const lower = text.toLowerCase()
      match = (line) => line.toLowerCase().includes(lower)
    }
    filterProblem.textContent = problem
    filterProblem.hidden = !problem
    if (problem) filter.setAttribute('aria-invalid', 'true')
    else filter.removeAttribute('aria-invalid')
    return match
  }

  function row(entry: LogEntry): HTMLElement {
    const time = new Date(entry.time)
    return h('li', { class: `log ${entry.stream}`, 'data-stream': entry.stream },
      h('time', { datetime: entry.time }, Number.isNaN(time.getTime()) ? entry.time : time.toLocaleTimeString()),
      h('span', { class: 'stream' }, entry.stream + (entry.replica !== null ? `·${entry.replica}` : '')),
      h('span', { class: 'text' }, entry.line))
  }

  function visible(entry: LogEntry, match: (line: string) => boolean): boolean {
    return (entry.stream === 'access' || shown.has(entry.stream as (typeof STREAMS)[number])) && match(entry.line)
  }

  function render(): void {
    const match = matcher()
    replace(lines, entries.filter((e) => visible(e, match)).map(row))
    status.textContent = `${lines.childElementCount} of ${entries.length} lines`
    lines.scrollTop = lines.scrollHeight
  }

  function add(entry: LogEntry): void {
    if (entry.seq <= lastSeq) return
    lastSeq = entry.seq
    entries.push(entry)
    if (entries.length > MAX_LINES) entries.splice(0, entries.length - MAX_LINES)
    const atBottom = lines.scrollHeight - lines.scrollTop - lines.clientHeight < 40
    if (visible(entry, matcher())) {
      lines.append(row(entry))
      while (lines.childElementCount > MAX_LINES) lines.firstElementChild?.remove()
      if (atBottom) lines.scrollTop = lines.scrollHeight
    }
    status.textContent = `${lines.childElementCount} of ${entries.length} lines${connection ? ' · following' : ''}`
  }

  function reset(): void {
    connection?.close()
    connection = undefined
    entries.length = 0
    lastSeq = -1
    render()
  }

  async function load(): Promise<void> {
    reset()
    if (follow.checked) {
      connection = followSse(source.url(true), {
        onMessage(m) { if (m.event === 'log') { try { add(JSON.parse(m.data) as LogEntry) } catch { /* skip */ } } },
        onStatus(s, error) { if (s === 'closed' && error) replace(lines, h('li', null, errorBox(error))) },
      })
    } else {
      try {
        const response = await api.get<LogEntry[]>(source.url(false).replace(/^\/api/, ''))
        for (const entry of response) add(entry)
      } catch (error) {
        replace(lines, h('li', null, errorBox(error)))
      }
    }
  }

  filter.addEventListener('input', render)
  follow.addEventListener('change', () => { void load() })
  void load()

  const element = h('div', { class: 'log-view' },
    h('div', { class: 'toolbar' },
      h('div', null, field('Filter lines', filter), filterProblem),
      h('fieldset', { class: 'streams' }, h('legend', null, 'Streams'), streamBoxes),
      h('label', { class: 'check', for: follow.id }, follow, 'Follow'),
      status),
    lines)
  return {
    element,
    setSource(next) { source = next; void load() },
    close() { connection?.close(); connection = undefined },
  }
}
