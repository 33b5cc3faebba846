/**
 * The OCR server's error registry: every failure a client can see, with its stable code and HTTP
 * status. Handlers throw `OcrError`; the server turns it into `{"error": {"code", "message", "details"?}}`,
 * `details` naming the place at fault when there is one (e.g. `{ "page": 3 }` of a PDF).
 */

export const OCR_ERRORS = Object.freeze({
  E_EMPTY_BODY: { status: 400, message: 'The request has no image: send a PNG, JPEG or PDF as the body, or as the multipart field "image".' },
  E_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the image as image/png, image/jpeg, application/pdf or multipart/form-data (field "image").' },
  E_NOT_AN_IMAGE: { status: 400, message: 'The body is not a PNG or JPEG image, nor a PDF.' },
  E_IMAGE_CORRUPT: { status: 400, message: 'The image could not be decoded: it is truncated or corrupt.' },
  E_IMAGE_EMPTY: { status: 400, message: 'The image has no pixels: its header says 0 wide or 0 high.' },
  E_IMAGE_TOO_LARGE: { status: 413, message: 'The image is too large.' },
  E_PDF_INVALID: { status: 400, message: 'The body is not a readable PDF: not a PDF at all, truncated or corrupt.' },
  E_PDF_ENCRYPTED: { status: 422, message: 'The PDF is protected by a password; send it decrypted.' },
  E_PDF_TOO_MANY_PAGES: { status: 413, message: 'The PDF has more pages than are accepted.' },
  E_HIGHLIGHT_TOO_LARGE: { status: 413, message: 'The highlighted pages would make the answer too large: ask without ?highlight=1, or send fewer pages.' },
  E_BODY_TOO_LARGE: { status: 413, message: 'The body is too large.' },
  E_MULTIPART_INVALID: { status: 400, message: 'The multipart body could not be read.' },
  E_MULTIPART_NO_IMAGE: { status: 400, message: 'The multipart body has no file field "image" (or "file", "document").' },
  E_NOT_READY: { status: 503, message: 'The recognition workers are still loading; retry shortly.' },
  E_RECOGNITION_FAILED: { status: 500, message: 'Recognition failed.' },
  E_INTERNAL: { status: 500, message: 'Internal error.' },
  E_NOT_FOUND: { status: 404, message: 'No such route: see GET /openapi.json.' },
  E_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed on this route: see GET /openapi.json.' },
})

export type OcrErrorCode = keyof typeof OCR_ERRORS

/** An error with a stable code, answered to the client as JSON with its status. */
export class OcrError extends Error {
  override readonly name = 'OcrError'
  readonly status: number
  readonly details: Record<string, unknown> | undefined

  constructor(readonly code: OcrErrorCode, message: string = OCR_ERRORS[code].message, options?: ErrorOptions & { details?: Record<string, unknown> }) {
    super(message, options)
    this.details = options?.details
    this.status = OCR_ERRORS[code].status
  }
}
