/**
 * Percentiles from histogram bucket counts, interpolated within the bucket holding the rank as
 * Prometheus' histogram_quantile does (and the console's metrics.ts): the figures are as good as
 * the buckets, never a sample of single requests. Used for the time series and for a pipeline's
 * step figures.
 */
/**
 * The q-quantile in milliseconds of per-bucket counts (not cumulative; the last one is above the
 * last bound) over `bounds` in seconds; null without requests. Beyond the last bound it is the last bound.
 * @example bucketQuantile(0.95, [0, 0, 10, 0, ...], REQUEST_DURATION_BUCKETS) // somewhere from 10 to 25 ms
 */
export function bucketQuantile(q: number, counts: readonly number[], bounds: readonly number[]): number | null {
  const total = counts.reduce((a, b) => a + b, 0)
  if (total <= 0) return null
  const rank = q * total
  let lower = 0
  let below = 0
  for (let i = 0; i < bounds.length; i++) {
    const upper = bounds[i]!
    const within = counts[i] ?? 0
    if (below + within >= rank && within > 0) return 1000 * (lower + (upper - lower) * ((rank - below) / within))
    below += within
    lower = upper
  }
  return 1000 * lower
}
