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

export function watchEvents(listener: EventListener): () => void {
  eventListeners.add(listener)
  return () => eventListeners.delete(listener)
}

export function watchLiveStatus(listener: StatusListener): () => void {
  statusListeners.add(listener)
  listener(status)
  return () => statusListeners.delete(listener)
}

export function currentInstances(): InstanceInfo[] {
  return instances
}
