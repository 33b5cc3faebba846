/** The OCR server's OpenAPI 3.1 document, served at GET /openapi.json and merged by Ferry's /docs. */
import { OCR_ERRORS } from './errors.js'
import { MAX_PIXELS, MAX_SIDE } from './image-header.js'
import { MAX_BODY_BYTES } from './request-body.js'

const BBOX = {
  type: 'object',
  description: 'The word\'s box in pixels: left, top (inclusive) to right, bottom (exclusive).',
  required: ['x0', 'y0', 'x1', 'y1'],
  properties: { x0: { type: 'integer' }, y0: { type: 'integer' }, x1: { type: 'integer' }, y1: { type: 'integer' } },
}

const WORD = {
  type: 'object',
  required: ['text', 'confidence', 'bbox'],
  properties: { text: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 100 }, bbox: BBOX, page: { type: 'integer', description: 'A PDF\'s words only: the page.' } },
}

const HIGHLIGHT = {
  type: 'object',
  required: ['contentType', 'base64'],
  properties: { contentType: { const: 'image/png' }, base64: { type: 'string', contentEncoding: 'base64' } },
}

/** The JSON answer of POST /recognize (also the descriptor's output schema). */
export const RECOGNITION_SCHEMA = {
  type: 'object',
  required: ['text', 'words', 'meanConfidence', 'durationMs', 'pages'],
  properties: {
    text: { type: 'string', description: 'The recognised text, lines separated by \\n.' },
    words: { type: 'array', items: WORD },
    meanConfidence: { type: 'number', minimum: 0, maximum: 100, description: 'Tesseract\'s mean word confidence (0 when no word was found).' },
    durationMs: { type: 'number', description: 'Time spent recognising, including any wait for a free worker.' },
    highlight: { ...HIGHLIGHT, description: 'Only with ?highlight=1, for an image: the image with a box around each word (green: confident, orange, red: unsure). A PDF\'s are in pages[].highlight.' },
    pages: {
      type: 'array',
      description: 'Page by page (an image is one page); boxes are in the pixels of the page (a PDF page rendered at 144 dpi).',
      items: {
        type: 'object',
        required: ['page', 'width', 'height', 'text', 'words', 'meanConfidence', 'source'],
        properties: {
          page: { type: 'integer', minimum: 1 },
          width: { type: 'integer' },
          height: { type: 'integer' },
          text: { type: 'string' },
          words: { type: 'array', items: WORD },
          meanConfidence: { type: 'number', minimum: 0, maximum: 100 },
          source: { enum: ['text-layer', 'ocr'], description: 'text-layer: the PDF\'s own text (confidence 100); ocr: recognised from pixels.' },
          highlight: { ...HIGHLIGHT, description: 'Only with ?highlight=1: the page with its words boxed.' },
        },
      },
    },
  },
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string', enum: Object.keys(OCR_ERRORS) }, message: { type: 'string' } },
    },
  },
}

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } })
const BINARY = { type: 'string', contentMediaType: 'application/octet-stream' }

/** Builds the document; `version` is the service's version. */
export function buildOpenApiDocument(version: string, maxPdfPages: number): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'ocr',
      version,
      description: `Reads printed English text from a PNG, a JPEG or a PDF with tesseract.js (LSTM, tessdata_best integer model); a PDF page with a text layer gives its own text. Images up to ${MAX_SIDE}×${MAX_SIDE} and ${MAX_PIXELS / 1e6} megapixels, PDFs up to ${maxPdfPages} pages, bodies up to ${MAX_BODY_BYTES / 1024 / 1024} MB.`,
    },
    paths: {
      '/health': {
        get: {
          summary: 'Readiness: 200 once every recognition worker is loaded, 503 before.',
          responses: { '200': { description: 'Ready.' }, '503': { description: 'Workers still loading.' } },
        },
      },
      '/recognize': {
        post: {
          summary: 'Recognise the text of one image or PDF.',
          parameters: [{ name: 'highlight', in: 'query', required: false, description: '1 to also get the image with each word boxed, as a base64 PNG.', schema: { type: 'string', enum: ['0', '1', 'true', 'false'] } }],
          requestBody: {
            required: true,
            content: {
              'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } },
              'image/jpeg': { schema: { type: 'string', contentMediaType: 'image/jpeg' } },
              'application/pdf': { schema: { type: 'string', contentMediaType: 'application/pdf' } },
              'multipart/form-data': { schema: { type: 'object', required: ['image'], properties: { image: BINARY } } },
            },
          },
          responses: {
            '200': { description: 'The text and its words.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Recognition' } } } },
            '400': errorResponse('Empty body, not an image, corrupt or empty (0×0) image, not a readable PDF (E_PDF_INVALID), or a multipart body without "image".'),
            '413': errorResponse('Body over the size limit, image dimensions over the limits (read from the header, before decoding), a PDF with too many pages (E_PDF_TOO_MANY_PAGES), or highlighted pages over 64 MiB of PNG (E_HIGHLIGHT_TOO_LARGE).'),
            '415': errorResponse('A content-type other than image/png, image/jpeg, application/pdf or multipart/form-data.'),
            '422': errorResponse('A password-protected PDF (E_PDF_ENCRYPTED).'),
            '503': errorResponse('The workers are still loading.'),
          },
        },
      },
      '/openapi.json': { get: { summary: 'This document.', responses: { '200': { description: 'OpenAPI 3.1 JSON.' } } } },
    },
    components: { schemas: { Recognition: RECOGNITION_SCHEMA, Error: ERROR_SCHEMA } },
  }
}
