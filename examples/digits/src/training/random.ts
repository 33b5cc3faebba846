/**
 * A small seeded pseudo-random generator (mulberry32) so that the split, the initial weights and
 * the order of the mini-batches are the same on every run: training is reproducible.
 */

export interface Random {
  /** A float in [0, 1). */
  next(): number
  /** A standard normal sample (Box-Muller). */
  normal(): number
}

/**
 * @example
 * const random = createRandom(42)
 * random.next() // 0.6011…, the same every time
 */
export function createRandom(seed: number): Random {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
  }
}

/** Shuffles `items` in place (Fisher-Yates) and returns it. */
export function shuffleInPlace<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1))
    const held = items[i]!
    items[i] = items[j]!
    items[j] = held
  }
  return items
}
