/**
 * Items queued and handed to `write` together, at most `delayMs` after the first of them, or at
 * once on flush(): a reader flushes first and so sees every item queued. For writes kept off the
 * hot path (the prediction history, body captures); `write` handles its own failures.
 * @example
 * const rows = new BatchQueue(25, (batch) => insertAll(batch))
 * rows.push(row) // written within 25 ms, or by rows.flush()
 */
export class BatchQueue<T> {
  #items: T[] = []
  #timer: NodeJS.Timeout | undefined

  constructor(private readonly delayMs: number, private readonly write: (items: T[]) => void) {}

  push(item: T): void {
    this.#items.push(item)
    this.#timer ??= setTimeout(() => this.flush(), this.delayMs).unref()
  }

  /** Writes what is queued now. */
  flush(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#items.length === 0) return
    const items = this.#items
    this.#items = []
    this.write(items)
  }
}
