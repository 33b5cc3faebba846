/** /api/jobs in the gateway's OpenAPI document (merged by _gateway-openapi.ts). */
const json = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } })
const error = { description: 'An error: `{"error": {"code", "message", "hint", "details"}}`', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
const id = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }
const op = (summary: string, extra: Record<string, unknown> = {}) => ({ summary, tags: ['ferry'], security: [{ bearer: [] }], responses: { 200: json('OK'), 401: error, 404: error }, ...extra })
const query = (name: string, type = 'string') => ({ name, in: 'query', schema: { type } })

const JOB_BODY = {
  type: 'object', required: ['model', 'endpoint', 'inputs'], additionalProperties: false,
  properties: {
    model: { type: 'string', description: 'name, name@version or name@alias' },
    endpoint: { type: 'string', description: 'a POST endpoint of the model, e.g. /predict' },
    inputs: { type: 'array', minItems: 1, description: 'one JSON value per call, each sent as the body' },
    concurrency: { type: 'integer', minimum: 1, description: 'calls in flight at once (default 4)' },
  },
}

export const JOBS_OPENAPI_PATHS: Record<string, unknown> = {
  '/api/jobs': {
    get: op('Batch jobs, newest first, each with its progress', { parameters: [query('limit', 'integer')] }),
    post: op('Submit a batch job: JSON inputs, or a zip of files (one input each; model, endpoint, concurrency in the query or as multipart fields)', {
      parameters: [query('model'), query('endpoint'), query('concurrency', 'integer')],
      requestBody: { required: true, content: { 'application/json': { schema: JOB_BODY }, 'application/zip': { schema: { type: 'string', format: 'binary' } }, 'multipart/form-data': { schema: { type: 'object' } } } },
      responses: { 201: json('the job with its progress'), 400: error, 401: error, 403: error, 404: error, 409: error, 413: error, 415: error },
    }),
  },
  '/api/jobs/{id}': {
    get: op('A job: status, done/total, succeeded, failed, in flight, rate, ETA, failures with their inputs', { parameters: [id, query('failures', 'integer')] }),
    delete: op('Remove an ended job with its results and files', { parameters: [id], responses: { 204: { description: 'removed' }, 401: error, 404: error, 409: error } }),
  },
  '/api/jobs/{id}/results': {
    get: op('The results as JSON lines, in the order kept; follow=1 streams until the job ends; X-Ferry-Job-Status tells finished, running or cancelled', {
      parameters: [id, query('after', 'integer'), query('follow')],
      responses: { 200: { description: 'one JSON object a line', content: { 'application/x-ndjson': { schema: { type: 'string' } } } }, 401: error, 404: error },
    }),
  },
  '/api/jobs/{id}/cancel': { post: op('Cancel a running job; the results kept so far stay', { parameters: [id], responses: { 200: json('the cancelled job'), 401: error, 404: error, 409: error } }) },
}
