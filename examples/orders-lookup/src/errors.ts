/**
 * The orders-lookup service's error registry: every failure a client can see, with its stable code
 * and HTTP status. Handlers throw `LookupError`; the server answers
 * `{"error": {"code", "message", "details"?}}`, `details.field` naming the body field at fault.
 */

export const LOOKUP_ERRORS = Object.freeze({
  E_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the body as application/json: {"text": "…"}.' },
  E_BODY_TOO_LARGE: { status: 413, message: 'The body is too large.' },
  E_INVALID_JSON: { status: 400, message: 'The body is not valid JSON.' },
  E_INVALID_BODY: { status: 400, message: 'The body must be a JSON object {"text": "…", "limit"?: n, "minScore"?: x}.' },
  E_INVALID_TEXT: { status: 400, message: '"text" must be a non-empty string.' },
  E_TEXT_TOO_LARGE: { status: 413, message: '"text" is too long.' },
  E_INVALID_LIMIT: { status: 400, message: '"limit" must be a whole number from 1 to 50.' },
  E_INVALID_MIN_SCORE: { status: 400, message: '"minScore" must be a number from 0 to 1.' },
  E_NOT_FOUND: { status: 404, message: 'No such route: see GET /openapi.json.' },
  E_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed on this route: see GET /openapi.json.' },
  E_INTERNAL: { status: 500, message: 'Internal error.' },
})

export type LookupErrorCode = keyof typeof LOOKUP_ERRORS

/** An error with a stable code, answered to the client as JSON with its status. */
export class LookupError extends Error {
  override readonly name = 'LookupError'
  readonly status: number

  constructor(readonly code: LookupErrorCode, message: string = LOOKUP_ERRORS[code].message, readonly details?: Record<string, unknown>) {
    super(message)
    this.status = LOOKUP_ERRORS[code].status
  }
}
