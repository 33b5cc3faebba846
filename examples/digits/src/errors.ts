/**
 * Every error the digits service answers with: a stable code, its HTTP status and what it means.
 * Bodies are `{"error": {"code", "message"}}`; the message says what was wrong with this request.
 */

export const DIGITS_ERRORS = {
  E_EMPTY_BODY: { status: 400, meaning: 'The request had no body.' },
  E_NOT_JSON: { status: 400, meaning: 'A JSON body that does not parse.' },
  E_PIXELS_MISSING: { status: 400, meaning: 'The JSON is not an object with a "pixels" array.' },
  E_UNKNOWN_FIELD: { status: 400, meaning: 'The JSON object has a field other than "pixels".' },
  E_PIXELS_LENGTH: { status: 400, meaning: '"pixels" does not hold exactly 64 values.' },
  E_PIXELS_TYPE: { status: 400, meaning: 'A pixel is not a number.' },
  E_PIXELS_RANGE: { status: 400, meaning: 'A pixel is outside 0-16.' },
  E_NOT_IMAGE: { status: 400, meaning: 'An image body that is not a readable PNG or JPEG.' },
  E_NO_INK: { status: 422, meaning: 'The image is blank: nothing stands out from its background.' },
  E_BODY_TOO_LARGE: { status: 413, meaning: 'The body is over 10 MB.' },
  E_IMAGE_TOO_LARGE: { status: 413, meaning: 'The image is wider or taller than 4096 pixels.' },
  E_UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'The content-type is not application/json, image/png or image/jpeg.' },
  E_NOT_FOUND: { status: 404, meaning: 'No such route.' },
  E_METHOD_NOT_ALLOWED: { status: 405, meaning: 'The route exists but not for this method.' },
  E_INTERNAL: { status: 500, meaning: 'A bug in the service; the details are in its log.' },
} as const

export type DigitsErrorCode = keyof typeof DIGITS_ERRORS

/** A request the service refuses; the server turns it into its status and JSON body. */
export class DigitsError extends Error {
  readonly code: DigitsErrorCode
  readonly status: number

  constructor(code: DigitsErrorCode, message: string) {
    super(message)
    this.name = 'DigitsError'
    this.code = code
    this.status = DIGITS_ERRORS[code].status
  }
}
