/**
 * The log store: every line a replica (or its set-up) writes, and later the gateway's access log,
 * kept per source (`name@version`, `gateway`) as JSONL files under `<dir>/<source>/` (see
 * _log-file.ts for the layout and rotation) plus the last `tailLines` entries in memory.
 *
 * - `seq` is one counter per store, so it orders entries across sources; a new store continues
 *   after the highest `seq` on disk (read once, synchronously, when the store is created).
 * - Captured lines are decoded and split by _line-splitter.ts; a line over `maxLineBytes` becomes
 *   several entries, each but the last with `continues: true`.
 * - A capture waits for the disk when more than `CAPTURE_HIGH_WATER_BYTES` are queued, so a child
 *   writing faster than the disk is slowed down (its pipe fills) instead of growing memory.
 * - `query` relies on each source's entries being in time order (they are unless `append` is
 *   given an older `time`); it tolerates `MAX_CLOCK_SKEW_MS` of disorder.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { cutToBytes, LineSplitter, type SplitLine } from './_line-splitter.js'
import { decodeSourceName, encodeSourceName, listLogFiles, LogFile, readLastSeqSync } from './_log-file.js'

export type LogStream = 'stdout' | 'stderr' | 'setup' | 'system' | 'access'

export interface LogEntry {
  /** Increases with every entry of the store, across sources and restarts. */
  seq: number
  /** ISO 8601 with milliseconds, UTC: `2024-05-01T12:00:00.123Z`. */
  time: string
  /** `name@version`, or `gateway`. */
  source: string
  stream: LogStream
  replica: number | null
  line: string
  /** Present (true) when the line was longer than `maxLineBytes`: it goes on in the next entry. */
  continues?: true
}

export interface LogStoreOptions {
  dir: string
  /** Size at which `current.jsonl` is rotated; default 10 MiB. */
  maxFileBytes?: number
  /** Rotated files kept per source besides `current.jsonl`; default 5. */
  maxFiles?: number
  /** Entries kept in memory per source; default 1000. */
  tailLines?: number
  /** Longer lines are split, each piece but the last marked `continues`; default 64 KiB. */
  maxLineBytes?: number
  /** How long an appended line may wait in memory before it is written to its file (readers never miss it: they write the queue first); default 50 ms. */
  flushDelayMs?: number
  /**
   * Sources whose entries are not kept in memory: their tail and queries are read from the files.
   * For the gateway's access log, a line per request: thousands of kept entries lived long enough
   * for V8 to promote them, and the old generation's collections cost the Node plane ~2 µs a request.
   */
  diskOnlySources?: readonly string[]
  /** Told when writing a source's files fails (once per streak of failures) or a `follow` listener throws; default: a process warning. */
  onError?: (error: Error, source: string) => void
}

export interface LogStore {
  /** Stores one line now (split when over `maxLineBytes`); returns its (last) entry. */
  append(source: string, entry: { stream: LogStream; replica?: number | null; line: string; time?: Date }): LogEntry
  /** Stores lines that all have the same time, stream and replica (the gateway's access lines of one event-loop turn), each as `append` would. */
  appendMany(source: string, entry: { stream: LogStream; replica?: number | null; lines: readonly string[]; time?: Date }): void
  /** Reads a child's stdout or stderr line by line until it ends; resolves after the last (possibly partial) line is stored. */
  capture(source: string, readable: NodeJS.ReadableStream, meta: { stream: LogStream; replica?: number | null }): Promise<void>
  /** Last n entries of a source, oldest first; from memory, or from the files when memory has fewer (after a restart). */
  tail(source: string, n: number): Promise<LogEntry[]>
  /** Entries across sources (all when sources omitted), merged by time, filtered; newest `limit` (default 1000), oldest first. */
  query(filter: { sources?: string[]; streams?: LogStream[]; since?: Date; limit?: number }): Promise<LogEntry[]>
  /** Calls listener for every new entry of `source` ('*' for all); returns unsubscribe. */
  follow(source: string, listener: (entry: LogEntry) => void): () => void
  /** The sources that have logs (from disk and memory). */
  sources(): Promise<string[]>
  /** Deletes a source's logs (when a version is removed). */
  remove(source: string): Promise<void>
  /** Flushes and closes files. */
  close(): Promise<void>
}

type ResolvedLogStoreOptions = Readonly<Required<LogStoreOptions>>

/** Queued bytes per source above which a capture waits for the disk before reading on. */
export const CAPTURE_HIGH_WATER_BYTES = 4 * 1024 * 1024
/** How far back in time `query` reads past `since`, for entries stored out of order. */
export const MAX_CLOCK_SKEW_MS = 60_000
const DEFAULT_QUERY_LIMIT = 1000

function resolveLogStoreOptions(options: LogStoreOptions): ResolvedLogStoreOptions {
  const resolved = {
    dir: options.dir,
    maxFileBytes: options.maxFileBytes ?? 10 * 1024 * 1024,
    maxFiles: options.maxFiles ?? 5,
    tailLines: options.tailLines ?? 1000,
    maxLineBytes: options.maxLineBytes ?? 64 * 1024,
    flushDelayMs: options.flushDelayMs ?? 50,
    diskOnlySources: Object.freeze([...(options.diskOnlySources ?? [])]),
    onError: options.onError ?? ((error: Error, source: string) => process.emitWarning(`log store, source ${source}: ${error.message}`)),
  }
  if (typeof resolved.dir !== 'string' || resolved.dir === '') throw new TypeError('log store: `dir` must be a folder path')
  const minimums = { maxFileBytes: 1, maxFiles: 0, tailLines: 0, maxLineBytes: 16, flushDelayMs: 0 } as const
  for (const [key, min] of Object.entries(minimums)) {
    const value = resolved[key as keyof typeof minimums]
    if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`log store: \`${key}\` must be an integer >= ${min}, got ${value}`)
  }
  return Object.freeze(resolved)
}

/** The last entries of one source in memory; `complete` while they are all the source ever had. */
class TailBuffer {
  #entries: LogEntry[] = []
  constructor(readonly limit: number, public complete: boolean) {}

  push(entry: LogEntry): void {
    this.#entries.push(entry)
    if (this.#entries.length > this.limit) {
      this.complete = false
      if (this.#entries.length >= 2 * this.limit + 64) this.#entries.splice(0, this.#entries.length - this.limit)
    }
  }

  /** The kept entries, oldest first. */
  entries(): LogEntry[] {
    return this.#entries.slice(-this.limit || this.#entries.length)
  }
}

/**
 * One entry as its file line: what JSON.stringify(entry) gives, with the parts every entry of a
 * batch shares (`{"seq":` … and the time, source, stream and replica) made once per batch.
 */
function entryLine(seq: number, shared: string, line: string, continues: boolean): string {
  return `{"seq":${seq}${shared}${JSON.stringify(line)}${continues ? ',"continues":true}' : '}'}`
}

function sharedPart(time: string, source: string, stream: LogStream, replica: number | null): string {
  return `,"time":"${time}","source":${JSON.stringify(source)},"stream":${JSON.stringify(stream)},"replica":${JSON.stringify(replica)},"line":`
}

function compareEntries(a: LogEntry, b: LogEntry): number {
  return a.time < b.time ? -1 : a.time > b.time ? 1 : a.seq - b.seq
}

/**
 * Opens the log store kept in `options.dir` (created on the first write).
 * @example
 * const logs = createLogStore({ dir: join(dataDir, 'logs') })
 * void logs.capture('sentiment@1.4.0', child.stdout, { stream: 'stdout', replica: 0 })
 * const unfollow = logs.follow('*', (entry) => console.log(entry.source, entry.line))
 * const last = await logs.tail('sentiment@1.4.0', 100)
 * await logs.close()
 */
export function createLogStore(options: LogStoreOptions): LogStore {
  const config = resolveLogStoreOptions(options)
  // A JSON line is at most ~6x its text (\u0000 escapes); read that much to find the last entry.
  const onDisk = readLastSeqSync(config.dir, Math.max(1024 * 1024, config.maxLineBytes * 6 + 4096))
  let seq = onDisk.seq
  const startedOnDisk = new Set(onDisk.sources)
  const files = new Map<string, LogFile>()
  const removals = new Map<string, Promise<void>>()
  const tails = new Map<string, TailBuffer>()
  const listeners = new Map<string, Set<(entry: LogEntry) => void>>()
  const diskOnly = new Set(config.diskOnlySources)
  let closed = false

  function checkSource(source: string): void {
    if (typeof source !== 'string' || source === '') throw new TypeError('log store: a source is a non-empty string')
  }

  function fileOf(source: string): LogFile {
    let file = files.get(source)
    if (!file) {
      const onError = (error: Error) => config.onError(error, source)
      file = new LogFile(join(config.dir, encodeSourceName(source)), { ...config, onError }, removals.get(source))
      files.set(source, file)
    }
    return file
  }

  function notify(key: string, entry: LogEntry): void {
    for (const listener of listeners.get(key) ?? []) {
      try {
        listener(entry)
      } catch (error) {
        config.onError(error as Error, entry.source)
      }
    }
  }

  function store(source: string, stream: LogStream, replica: number | null, time: string, piece: SplitLine, needEntry: boolean, shared = sharedPart(time, source, stream, replica)): LogEntry | undefined {
    const at = ++seq
    fileOf(source).write(entryLine(at, shared, piece.line, piece.continues))
    const kept = !diskOnly.has(source)
    if (!kept && !needEntry && !listeners.has(source) && !listeners.has('*')) return undefined
    const entry: LogEntry = { seq: at, time, source, stream, replica, line: piece.line }
    if (piece.continues) entry.continues = true
    Object.freeze(entry)
    if (kept) {
      let tail = tails.get(source)
      if (!tail) tails.set(source, (tail = new TailBuffer(config.tailLines, !startedOnDisk.has(source))))
      tail.push(entry)
    }
    notify(source, entry)
    notify('*', entry)
    return entry
  }

  /** Newest entries of one source that `accept`, newest first, up to `limit`; stops at `stopAt`. */
  async function collect(source: string, limit: number, accept: (entry: LogEntry) => boolean, stopAt: string | null): Promise<LogEntry[]> {
    const found: LogEntry[] = []
    const visit = (entry: LogEntry): boolean => {
      if (stopAt !== null && entry.time < stopAt) return false
      if (accept(entry)) found.push(entry)
      return found.length < limit
    }
    const tail = tails.get(source)
    const memory = tail?.entries() ?? []
    let i = memory.length - 1
    while (i >= 0 && visit(memory[i]!)) i--
    if (i >= 0 || tail?.complete) return found // memory answered: a limit or a time bound was reached
    if (!tail && !startedOnDisk.has(source) && !files.has(source)) return found
    found.length = 0
    await fileOf(source).scan(visit)
    return found
  }

  /** Sources with entries in memory or files on disk, sorted. */
  async function listSources(): Promise<string[]> {
    const found = new Set<string>()
    for (const [source, tail] of tails) if (tail.entries().length > 0) found.add(source)
    for (const source of diskOnly) if (files.has(source)) found.add(source)
    let folders: string[] = []
    try {
      folders = await readdir(config.dir)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    for (const folder of folders) {
      const source = decodeSourceName(folder)
      if (source !== null && !found.has(source) && (await listLogFiles(join(config.dir, folder))).length > 0) found.add(source)
    }
    return [...found].sort()
  }

  return {
    append(source, { stream, replica = null, line, time = new Date() }) {
      if (closed) throw new Error('log store: append after close')
      checkSource(source)
      const iso = time.toISOString() // throws a RangeError for an invalid Date
      const pieces = cutToBytes(line, config.maxLineBytes)
      let entry: LogEntry | undefined
      pieces.forEach((piece, i) => { entry = store(source, stream, replica, iso, { line: piece, continues: i < pieces.length - 1 }, true) })
      return entry!
    },

    appendMany(source, { stream, replica = null, lines, time = new Date() }) {
      if (closed) throw new Error('log store: append after close')
      checkSource(source)
      const iso = time.toISOString()
      const shared = sharedPart(iso, source, stream, replica)
      for (const line of lines) {
        const pieces = cutToBytes(line, config.maxLineBytes)
        for (let i = 0; i < pieces.length; i++) store(source, stream, replica, iso, { line: pieces[i]!, continues: i < pieces.length - 1 }, false, shared)
      }
    },

    async capture(source, readable, { stream, replica = null }) {
      checkSource(source)
      const splitter = new LineSplitter(config.maxLineBytes)
      const storeLines = (lines: SplitLine[]): void => {
        if (closed || lines.length === 0) return // after close the pipe is still drained, so the child never blocks
        const time = new Date().toISOString()
        const shared = sharedPart(time, source, stream, replica)
        for (const piece of lines) store(source, stream, replica, time, piece, false, shared)
      }
      let failure: unknown
      try {
        for await (const chunk of readable) {
          storeLines(splitter.push(chunk))
          const file = files.get(source)
          if (file && file.pendingBytes > CAPTURE_HIGH_WATER_BYTES) await file.flush()
        }
      } catch (error) {
        failure = error
      }
      storeLines(splitter.end())
      if (failure !== undefined && !closed) {
        const line = `log capture of ${stream} stopped: ${failure instanceof Error ? failure.message : String(failure)}`
        store(source, 'system', replica, new Date().toISOString(), { line, continues: false }, false)
      }
      await files.get(source)?.flush()
    },

    async tail(source, n) {
      if (!(n > 0)) return []
      const tail = tails.get(source)
      const memory = tail?.entries() ?? []
      if (memory.length >= n || tail?.complete) return memory.slice(-n)
      const found = await collect(source, n, () => true, null)
      return found.reverse()
    },

    async query({ sources, streams, since, limit = DEFAULT_QUERY_LIMIT }) {
      if (!(limit > 0)) return []
      const wanted = streams ? new Set<string>(streams) : null
      const from = since ? since.toISOString() : null
      const stopAt = since ? new Date(since.getTime() - MAX_CLOCK_SKEW_MS).toISOString() : null
      const accept = (entry: LogEntry): boolean => (!wanted || wanted.has(entry.stream)) && (!from || entry.time >= from)
      const names = sources ?? await listSources()
      const found = await Promise.all([...new Set(names)].map((source) => collect(source, limit, accept, stopAt)))
      return found.flat().sort(compareEntries).slice(-limit)
    },

    follow(source, listener) {
      let set = listeners.get(source)
      if (!set) listeners.set(source, (set = new Set()))
      const own = set
      const wrapped = (entry: LogEntry): void => listener(entry) // each subscription is its own, even for the same function
      own.add(wrapped)
      return () => {
        own.delete(wrapped)
        if (own.size === 0 && listeners.get(source) === own) listeners.delete(source)
      }
    },

    sources: listSources,

    async remove(source) {
      checkSource(source)
      const file = fileOf(source)
      files.delete(source)
      tails.delete(source)
      startedOnDisk.delete(source)
      const removal = file.destroy()
      removals.set(source, removal)
      try {
        await removal
      } finally {
        if (removals.get(source) === removal) removals.delete(source)
      }
    },

    async close() {
      closed = true
      await Promise.all([...files.values()].map((file) => file.close()))
      await Promise.all([...removals.values()].map((removal) => removal.catch(() => undefined)))
    },
  }
}
