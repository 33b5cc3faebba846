/**
 * The one error type every Ferry component throws for expected failures. Each component keeps its
 * own registry of codes (packager/errors.ts, …) built with `defineErrors`; a code carries an HTTP
 * status and a hint saying what to do, and is never reused for another meaning.
 */

/** One entry of an error registry. */
export interface ErrorSpec {
  /** HTTP status the gateway answers with. */
  status: number
  /** What the user should do about it, in one sentence. */
  hint: string
}

export interface FerryErrorOptions {
  /** JSON pointer (descriptor) or file path the error is about. */
  path?: string
  details?: Record<string, unknown>
  cause?: unknown
}

/** An expected failure: the CLI prints its message and exits 1; the gateway answers `status` with it as JSON. */
export class FerryError extends Error {
  override readonly name = 'FerryError'
  readonly code: string
  readonly status: number
  readonly hint: string
  readonly path: string | undefined
  readonly details: Record<string, unknown> | undefined

  constructor(code: string, spec: ErrorSpec, message: string, options: FerryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = spec.status
    this.hint = spec.hint
    this.path = options.path
    this.details = options.details
  }

  /** The JSON body the gateway answers with: `{ error: { code, message, details } }`. */
  toJSON(): { error: { code: string; message: string; hint: string; path?: string; details?: Record<string, unknown> } } {
    return { error: { code: this.code, message: this.message, hint: this.hint, path: this.path, details: this.details } }
  }
}

/** A command line that cannot be understood; the CLI prints usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/**
 * Freezes a registry and returns a factory for its errors.
 * @example
 * const { ERRORS, createError } = defineErrors({ E_X: { status: 400, hint: 'Fix x.' } })
 * throw createError('E_X', 'x is wrong', { path: '/x' })
 */
export function defineErrors<const T extends Record<string, ErrorSpec>>(registry: T) {
  const frozen = Object.freeze(registry)
  function createError(code: keyof T & string, message: string, options?: FerryErrorOptions): FerryError {
    return new FerryError(code, frozen[code] as ErrorSpec, message, options)
  }
  return { ERRORS: frozen, createError }
}

/** True for errors the user can fix (print the message, no stack). */
export function isFerryError(error: unknown): error is FerryError {
  return error instanceof FerryError
}
