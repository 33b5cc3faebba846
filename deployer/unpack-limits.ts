/**
 * The limits an unpack enforces, resolved once into a frozen object. The defaults fit real model
 * packages with room to spare; the deployer's own options resolver is where a user's values (flags,
 * environment) come in, and it passes them here.
 */

export interface UnpackLimits {
  /** Most entries the zip may hold, directories included (default 20,000). */
  maxEntries?: number
  /** Most bytes all files may expand to (default 4 GiB). */
  maxBytes?: number
  /** Highest uncompressed / compressed ratio an entry may have (default 200)… */
  maxRatio?: number
  /** …checked only for entries larger than this (default 1 MiB): small text compresses well. */
  ratioThresholdBytes?: number
}

export type ResolvedUnpackLimits = Readonly<Required<UnpackLimits>>

export const DEFAULT_UNPACK_LIMITS: ResolvedUnpackLimits = Object.freeze({
  maxEntries: 20_000,
  maxBytes: 4 * 1024 ** 3,
  maxRatio: 200,
  ratioThresholdBytes: 1024 ** 2,
})

/**
 * Fills in defaults and checks each limit is a positive number.
 * @example
 * resolveUnpackLimits({ maxEntries: 10 }) // → { maxEntries: 10, maxBytes: 4294967296, maxRatio: 200, ratioThresholdBytes: 1048576 }
 */
export function resolveUnpackLimits(partial: UnpackLimits = {}): ResolvedUnpackLimits {
  const resolved = { ...DEFAULT_UNPACK_LIMITS }
  for (const key of Object.keys(DEFAULT_UNPACK_LIMITS) as (keyof UnpackLimits)[]) {
    const value = partial[key]
    if (value === undefined) continue
    if (typeof value !== 'number' || !(value > 0) || (key !== 'maxRatio' && !Number.isSafeInteger(value))) {
      throw new RangeError(`unpack limit ${key} must be a positive ${key === 'maxRatio' ? 'number' : 'integer'}, got ${String(value)}`)
    }
    resolved[key] = value
  }
  return Object.freeze(resolved)
}
