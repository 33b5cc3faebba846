/**
 * What the console knows live: the instances (GET /api/instances), refreshed whenever
 * /api/events reports a change, and the event stream itself for pages that follow one deploy.
 * One events connection for the whole app, opened after sign-in.
 */
import { api } from './api.js'
import { followSse, type SseConnection } from './sse.js'
import type { EventRecord, InstanceInfo } from './types.js'

type InstancesListener = (instances: InstanceInfo[]) => void
type EventListener = (event: EventRecord) => void
/** `offline`: the browser says it has no network; `retrying`: the server stopped answering. */
export type LiveStatus = 'connecting' | 'open' | 'retrying' | 'closed' | 'offline'
type StatusListener = (status: LiveStatus) => void

let instances: InstanceInfo[] = []
let loaded = false
let connection: SseConnection | undefined
let status: LiveStatus = 'closed'
let refreshTimer: ReturnType<typeof setTimeout> | undefined
const instanceListeners = new Set<InstancesListener>()
const eventListeners = new Set<EventListener>()
const statusListeners = new Set<StatusListener>()
/** The last events received, for watchEvents(…, afterId). */
const RECENT_EVENTS = 200
const recent: EventRecord[] = []

function setStatus(next: LiveStatus): void {
  status = next
  for (const listener of statusListeners) listener(next)
}

/** Fetches the instances now and tells every subscriber. */
export async function refreshInstances(): Promise<InstanceInfo[]> {
  instances = await api.get<InstanceInfo[]>('/instances')
  loaded = true
  for (const listener of instanceListeners) listener(instances)
  return instances
}

function scheduleRefresh(): void {
  clearTimeout(refreshTimer)
  refreshTimer = setTimeout(() => { refreshInstances().catch(() => undefined) }, 120)
}

/** The server's heartbeat comes every 15 s (gateway/stream-routes.ts): two missed means it is gone. */
const IDLE_MS = 35_000
let online = true

function onOffline(): void {
  online = false
  setStatus('offline')
}

function onOnline(): void {
  online = true
  setStatus('connecting')
  connection?.reconnect()
}

/** Opens the events stream (idempotent). */
export function startLive(): void {
  if (connection) return
  online = navigator.onLine
  window.addEventListener('offline', onOffline)
  window.addEventListener('online', onOnline)
  setStatus(online ? 'connecting' : 'offline')
  connection = followSse('/api/events', {
    idleMs: IDLE_MS,
    onStatus(next) {
      // Offline wins over "retrying": it says why, and what the user can do about it.
      setStatus(!online && next !== 'open' ? 'offline' : next)
      // Whatever happened while disconnected is in the list.
      if (next === 'open') scheduleRefresh()
    },
    onMessage(message) {
      let event: EventRecord
      try { event = JSON.parse(message.data) as EventRecord } catch { return }
      recent.push(event)
      if (recent.length > RECENT_EVENTS) recent.splice(0, recent.length - RECENT_EVENTS)
      for (const listener of eventListeners) listener(event)
      scheduleRefresh()
    },
  })
}

export function stopLive(): void {
  window.removeEventListener('offline', onOffline)
  window.removeEventListener('online', onOnline)
  connection?.close()
  connection = undefined
  instances = []
  loaded = false
  setStatus('closed')
}

/** Calls `listener` with the instances now (if loaded) and on every change; returns unsubscribe. */
export function watchInstances(listener: InstancesListener): () => void {
  instanceListeners.add(listener)
  if (loaded) listener(instances)
  else refreshInstances().catch(() => undefined)
  return () => instanceListeners.delete(listener)
}

/**
 * Calls `listener` on every event from now on; with `afterId`, first with the events already
 * received whose id is greater (so one that came before a page subscribed is not missed).
 */
export function watchEvents(listener: EventListener, afterId?: number): () => void {
  if (afterId !== undefined) for (const event of recent.filter((e) => e.id > afterId)) listener(event)
  eventListeners.add(listener)
  return () => eventListeners.delete(listener)
}

/** Resolves once the events stream is open (at once when it is), or after `timeoutMs` regardless. */
export function whenLive(timeoutMs: number): Promise<void> {
  if (status === 'open') return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => { clearTimeout(timer); statusListeners.delete(listener); resolve() }
    const listener: StatusListener = (next) => { if (next === 'open') done() }
    const timer = setTimeout(done, timeoutMs)
    statusListeners.add(listener)
  })
}

/** The id of the newest event received (0 when none yet): pass it to watchEvents later. */
export function lastEventId(): number {
  return recent.at(-1)?.id ?? 0
}

export function watchLiveStatus(listener: StatusListener): () => void {
  statusListeners.add(listener)
  listener(status)
  return () => statusListeners.delete(listener)
}

/** Whether the instances have been fetched once (before that, currentInstances() is empty). */
export function instancesLoaded(): boolean {
  return loaded
}

export function currentInstances(): InstanceInfo[] {
  return instances
}
