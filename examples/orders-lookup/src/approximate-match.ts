/**
 * Approximate substring matching: the fewest edits (insertions, deletions, substitutions) that turn
 * some substring of a text into a pattern (Sellers' algorithm: edit distance with a free start and
 * end in the text), and where that substring is. O(pattern × text) time, O(pattern) memory.
 */

export interface ApproximateMatch {
  /** Edits needed; 0 when the pattern occurs exactly. */
  distance: number
  /** The best substring's start and end (exclusive) in the text. */
  start: number
  end: number
}

/**
 * The best approximate occurrence of `pattern` in `text` (the earliest among equally good ones).
 * @example
 * findApproximate('4471A2', 'PN4471AZSN0093') // { distance: 1, start: 2, end: 8 }
 */
export function findApproximate(pattern: string, text: string): ApproximateMatch {
  const m = pattern.length
  if (m === 0) return { distance: 0, start: 0, end: 0 }
  // Two columns of the table, for pattern prefixes 0..m: cost, and where the substring started.
  let cost = new Int32Array(m + 1)
  let start = new Int32Array(m + 1)
  let nextCost = new Int32Array(m + 1)
  let nextStart = new Int32Array(m + 1)
  for (let i = 0; i <= m; i++) cost[i] = i
  const codes = Int32Array.from(pattern, (char) => char.charCodeAt(0))
  let best: ApproximateMatch = { distance: m, start: 0, end: 0 }
  for (let j = 1; j <= text.length; j++) {
    const code = text.charCodeAt(j - 1)
    nextCost[0] = 0
    nextStart[0] = j
    for (let i = 1; i <= m; i++) {
      const substitute = cost[i - 1]! + (codes[i - 1] === code ? 0 : 1)
      const skipText = cost[i]! + 1
      const skipPattern = nextCost[i - 1]! + 1
      if (substitute <= skipText && substitute <= skipPattern) {
        nextCost[i] = substitute
        nextStart[i] = start[i - 1]!
      } else if (skipText <= skipPattern) {
        nextCost[i] = skipText
        nextStart[i] = start[i]!
      } else {
        nextCost[i] = skipPattern
        nextStart[i] = nextStart[i - 1]!
      }
    }
    ;[cost, nextCost] = [nextCost, cost]
    ;[start, nextStart] = [nextStart, start]
    if (cost[m]! < best.distance) best = { distance: cost[m]!, start: start[m]!, end: j }
    if (best.distance === 0) break
  }
  return best
}
