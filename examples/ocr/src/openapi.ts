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

/** The JSON answer of POST /recognize (also the descriptor's output schema). */
export const RECOGNITION_SCHEMA = {
  type: 'object',
  required: ['text', 'words', 'meanConfidence', 'durationMs'],
  properties: {
    text: { type: 'string', description: 'The recognised text, lines separated by \\n.' },
    words: {
      type: 'array',
      items: {
        type: 'object',
        required: ['text', 'confidence', 'bbox'],
        properties: { text: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 100 }, bbox: BBOX },
      },
    },
    meanConfidence: { type: 'number', minimum: 0, maximum: 100, description: 'Tesseract\'s mean word confidence (0 when no word was found).' },
    durationMs: { type: 'number', description: 'Time spent recognising, including any wait for a free worker.' },
    highlight: {
      type: 'object',
      description: 'Only with ?highlight=1: the image with a box around each word (green: confident, orange, red: unsure).',
      required: ['contentType', 'base64'],
      properties: { contentType: { const: 'image/png' }, base64: { type: 'string', contentEncoding: 'base64' } },
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
export function buildOpenApiDocument(version: string): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'ocr',
      version,
      description: `Reads printed English text from a PNG or JPEG with tesseract.js (LSTM, tessdata_best integer model). Images up to ${MAX_SIDE}×${MAX_SIDE} and ${MAX_PIXELS / 1e6} megapixels, bodies up to ${MAX_BODY_BYTES / 1024 / 1024} MB.`,
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
          summary: 'Recognise the text of one image.',
          parameters: [{ name: 'highlight', in: 'query', required: false, description: '1 to also get the image with each word boxed, as a base64 PNG.', schema: { type: 'string', enum: ['0', '1', 'true', 'false'] } }],
          requestBody: {
            required: true,
            content: {
              'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } },
              'image/jpeg': { schema: { type: 'string', contentMediaType: 'image/jpeg' } },
              'multipart/form-data': { schema: { type: 'object', required: ['image'], properties: { image: BINARY } } },
            },
          },
          responses: {
            '200': { description: 'The text and its words.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Recognition' } } } },
            '400': errorResponse('Empty body, not an image, corrupt image, or a multipart body without "image".'),
            '413': errorResponse('Body over the size limit, or image dimensions over the limits (read from the header, before decoding).'),
            '415': errorResponse('A content-type other than image/png, image/jpeg or multipart/form-data.'),
            '503': errorResponse('The workers are still loading.'),
          },
        },
      },
      '/openapi.json': { get: { summary: 'This document.', responses: { '200': { description: 'OpenAPI 3.1 JSON.' } } } },
    },
    components: { schemas: { Recognition: RECOGNITION_SCHEMA, Error: ERROR_SCHEMA } },
  }
}
