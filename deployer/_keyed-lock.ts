/**
 * Work serialised by key: `run(key, work)` starts `work` once every earlier work on the same key
 * has settled (whatever its outcome); different keys run side by side. Used for a version's
 * lifecycle (by ref) and for package intake (by digest).
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>()

  /** @example await lock.run('echo@1.0.0', () => startIt()) */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const next = (this.tails.get(key) ?? Promise.resolve()).catch(() => undefined).then(work)
    this.tails.set(key, next)
    void next.finally(() => { if (this.tails.get(key) === next) this.tails.delete(key) }).catch(() => undefined)
    return next
  }

  /** Every work still queued or running, e.g. to wait for them on close. */
  pending(): Array<Promise<unknown>> {
    return [...this.tails.values()]
  }
}
