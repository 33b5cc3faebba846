/**
 * GET /openapi.json: the service's OpenAPI 3.1 document. The request and response schemas of
 * POST /predict are taken from descriptor.json, so the descriptor stays their one source; this file
 * adds the image bodies, the errors and the other routes.
 */
import { DIGITS_ERRORS } from './errors.js'
import { MAX_IMAGE_SIDE } from './image-decode.js'
import { MAX_BODY_BYTES } from './request-body.js'

interface DescriptorPart {
  name: string
  version?: string
  description?: string
  api: { endpoints?: Array<{ method: string; path: string; summary?: string; input?: { schema?: unknown }; output?: { schema?: unknown } }> }
}

const errorResponse = (description: string): object => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } })

/** Which codes each status of POST /predict can carry, listed in its responses. */
function describeStatus(status: number): string {
  const codes = Object.entries(DIGITS_ERRORS).filter(([, e]) => e.status === status).map(([code, e]) => `${code}: ${e.meaning}`)
  return codes.join(' ')
}

/**
 * @example
 * buildOpenApi(JSON.parse(readFileSync('descriptor.json', 'utf8'))).paths['/predict'].post
 */
export function buildOpenApi(descriptor: DescriptorPart): object {
  const predict = descriptor.api.endpoints?.find((e) => e.method === 'POST' && e.path === '/predict')
  const image = { type: 'string', contentMediaType: 'image/*', description: `A PNG or JPEG of one digit, at most ${MAX_IMAGE_SIDE}x${MAX_IMAGE_SIDE} and ${MAX_BODY_BYTES / 1024 / 1024} MB, dark on light or light on dark.` }
  return {
    openapi: '3.1.0',
    info: { title: descriptor.name, version: descriptor.version ?? '0.0.0', description: descriptor.description ?? '' },
    paths: {
      '/health': {
        get: {
          operationId: 'health',
          summary: 'Ready once the weights are loaded.',
          responses: { 200: { description: 'Ready.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } } },
        },
      },
      '/openapi.json': {
        get: { operationId: 'openapi', summary: 'This document.', responses: { 200: { description: 'An OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } } },
      },
      '/predict': {
        post: {
          operationId: 'predict',
          summary: predict?.summary ?? 'Classify one digit.',
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/PixelsInput' } },
              'image/png': { schema: image },
              'image/jpeg': { schema: image },
            },
          },
          responses: {
            200: { description: 'The digit and the probability of each.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Prediction' } } } },
            ...Object.fromEntries([400, 413, 415, 422].map((status) => [status, errorResponse(describeStatus(status))])),
          },
        },
      },
      '/predict/image': {
        post: {
          operationId: 'predict_image',
          summary: 'Classify the digit in a PNG or JPEG (/predict for images alone).',
          requestBody: { required: true, content: { 'image/png': { schema: image }, 'image/jpeg': { schema: image } } },
          responses: {
            200: { description: 'The digit, the probability of each, and the 8x8 image it was reduced to.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Prediction' } } } },
            ...Object.fromEntries([400, 413, 415, 422].map((status) => [status, errorResponse(describeStatus(status))])),
          },
        },
      },
    },
    components: {
      schemas: {
        PixelsInput: predict?.input?.schema ?? { type: 'object' },
        Prediction: predict?.output?.schema ?? { type: 'object' },
        Health: { type: 'object', required: ['status'], properties: { status: { const: 'ready' }, model: { type: 'string' }, heldOutAccuracy: { type: 'number' } } },
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { enum: Object.keys(DIGITS_ERRORS) }, message: { type: 'string' } },
            },
          },
        },
      },
    },
  }
}
