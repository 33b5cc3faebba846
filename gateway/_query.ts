/**
 * Query parameters, one parser per kind, each refusing a bad value with E_QUERY_INVALID naming the
 * parameter: whole numbers in a range, times (ISO 8601 or milliseconds since 1970), one of a set,
 * and flags. Every route reads its parameters through these, so one kind is checked one way.
 */
import type { Context } from 'hono'
import { createGatewayError } from './errors.js'

function refuse(parameter: string, message: string): never {
  throw createGatewayError('E_QUERY_INVALID', `${parameter} ${message}`, { details: { parameter } })
}

/** A string parameter, or undefined when absent or empty. */
export function queryString(c: Context, parameter: string): string | undefined {
  const value = c.req.query(parameter)
  return value === undefined || value === '' ? undefined : value
}

/**
 * A whole number from `min` to `max`; `fallback` when absent.
 * @example queryInteger(c, 'limit', { min: 1, max: 1000, fallback: 100 })
 */
export function queryInteger(c: Context, parameter: string, range: { min: number; max: number; fallback: number }): number
export function queryInteger(c: Context, parameter: string, range: { min: number; max: number }): number | undefined
export function queryInteger(c: Context, parameter: string, range: { min: number; max: number; fallback?: number }): number | undefined {
  const value = queryString(c, parameter)
  if (value === undefined) return range.fallback
  const n = /^-?\d+$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) refuse(parameter, `must be a whole number from ${range.min} to ${range.max}, not "${value}"`)
  return n
}

/** A time as ISO 8601 or milliseconds since 1970; undefined when absent. */
export function queryTime(c: Context, parameter: string): Date | undefined {
  const value = queryString(c, parameter)
  if (value === undefined) return undefined
  const time = new Date(/^\d+$/.test(value) ? Number(value) : value)
  if (Number.isNaN(time.getTime())) refuse(parameter, `must be an ISO 8601 time or milliseconds since 1970, not "${value}"`)
  return time
}

/** A comma-separated list of values from `allowed`; undefined when absent. */
export function queryList<T extends string>(c: Context, parameter: string, allowed: readonly T[]): T[] | undefined {
  const value = queryString(c, parameter)
  if (value === undefined) return undefined
  const items = value.split(',')
  const unknown = items.filter((s) => !allowed.includes(s as T))
  if (unknown.length) refuse(parameter, `has unknown value(s) ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`)
  return items as T[]
}

/** A flag: `1`/`true` → true, `0`/`false` or absent → false. */
export function queryFlag(c: Context, parameter: string): boolean {
  const value = queryString(c, parameter)
  if (value === undefined || value === '0' || value === 'false') return false
  if (value === '1' || value === 'true') return true
  return refuse(parameter, `must be 1 or 0, not "${value}"`)
}
