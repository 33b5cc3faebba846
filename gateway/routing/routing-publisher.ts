/**
 * Publishes the routing table: rebuilt after every change the control plane makes (a deployer
 * event: versions, replicas, aliases, rollouts; an inference token created, revoked or set), then
 * handed to each subscriber (the nginx plane re-renders and reloads). The Node plane reads
 * `current()`, which rebuilds at most once per change and is otherwise a field read.
 */
import { buildRoutingTable, type RoutingSources } from './build-routing-table.js'
import type { RoutingTable } from './routing-table.js'

export class RoutingPublisher {
  #table: RoutingTable
  #dirty = false
  #scheduled = false
  #revision = 1
  readonly #listeners = new Set<(table: RoutingTable) => void>()
  readonly #protocols = new Map<string, string>()

  constructor(private readonly sources: RoutingSources) {
    this.#table = buildRoutingTable(sources, this.#revision, this.#protocols)
  }

  /** The table now; rebuilt first when something changed since the last build. */
  current(): RoutingTable {
    if (this.#dirty) {
      this.#dirty = false
      this.#table = buildRoutingTable(this.sources, ++this.#revision, this.#protocols)
    }
    return this.#table
  }

  /**
   * Something the table is built from changed. The rebuild waits for the current task to end:
   * a change is often several writes in one go (a rollout's alias, then its weights).
   */
  invalidate(): void {
    this.#dirty = true
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      if (!this.#dirty || this.#listeners.size === 0) return
      const table = this.current()
      for (const listener of this.#listeners) {
        try {
          listener(table)
        } catch (error) {
          console.error('routing: a subscriber failed on revision', table.revision, error)
        }
      }
    }).unref()
  }

  /** Calls `listener` with every new table from now on; returns unsubscribe. */
  subscribe(listener: (table: RoutingTable) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}
