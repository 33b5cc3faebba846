/** The gateway's own API as an OpenAPI 3.1 document: the base that every model's API is merged into. */
import type { OpenApiDocument } from './openapi.js'
import { JOBS_OPENAPI_PATHS } from './jobs/jobs-openapi.js'

const json = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } })
const error = { description: 'An error: `{"error": {"code", "message", "hint", "details"}}`', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
const ref = { name: 'ref', in: 'path', required: true, description: 'name@version', schema: { type: 'string' } }
const runId = { name: 'id', in: 'path', required: true, schema: { type: 'integer' } }
const artifact = { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$' } }
const keyId = { name: 'keyId', in: 'path', required: true, description: '16 hex digits of the sha256 of the public key', schema: { type: 'string', pattern: '^[0-9a-f]{16}$' } }
const signatureHeader = { name: 'X-Ferry-Signature', in: 'header', required: false, description: "base64 of the package's .sig file (`ferry pack --sign`)", schema: { type: 'string' } }
const timeseriesRange = { name: 'range', in: 'query', description: '15m and 1h: one point per sample (FERRY_TIMESERIES_SAMPLE_MS, 10 s by default); 24h: one per minute', schema: { type: 'string', enum: ['15m', '1h', '24h'], default: '1h' } }
const op = (summary: string, extra: Record<string, unknown> = {}) => ({ summary, tags: ['ferry'], security: [{ bearer: [] }], responses: { 200: json('OK'), 401: error, 404: error }, ...extra })

/** The document, e.g. `mergeOpenApi(createGatewayOpenApi('0.1.0'), models)`. */
export function createGatewayOpenApi(version: string): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: { title: 'Ferry', version, description: 'Ferry gateway: the management API (Bearer token) and every ready model under /models/name@version/.' },
    paths: {
      '/health': { get: { summary: 'Liveness', tags: ['ferry'], responses: { 200: json('alive') } } },
      '/ready': { get: { summary: 'Readiness', tags: ['ferry'], responses: { 200: json('ready') } } },
      '/metrics': { get: { summary: 'Prometheus metrics', tags: ['ferry'], responses: { 200: { description: 'text format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
      '/api/packages': {
        get: op('List packages'),
        post: op('Upload a package zip (its signature in X-Ferry-Signature, or a multipart field "signature" before the file)', { parameters: [signatureHeader], requestBody: { required: true, content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } } }, responses: { 200: json('already stored'), 201: json('stored'), 400: error, 401: error, 403: error, 413: error, 415: error, 422: error } }),
      },
      '/api/packages/{digest}': {
        get: op('Show a package', { parameters: [{ name: 'digest', in: 'path', required: true, schema: { type: 'string' } }] }),
        delete: op('Delete a package no version uses', { parameters: [{ name: 'digest', in: 'path', required: true, schema: { type: 'string' } }] }),
      },
      '/api/packages/{digest}/files/{path}': { get: op('A file of a stored package (e.g. a sample input its descriptor names)', { parameters: [{ name: 'digest', in: 'path', required: true, schema: { type: 'string' } }, { name: 'path', in: 'path', required: true, schema: { type: 'string' } }] }) },
      '/api/deployments': { post: op('Deploy a package or version', { requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['package'], additionalProperties: false, properties: { package: { type: 'string' }, replicas: { type: 'integer', minimum: 1, maximum: 64 }, alias: { type: 'string' }, wait: { type: 'boolean' }, bump: { type: 'boolean' } } } } } } }) },
      '/api/instances': { get: op('List versions') },
      '/api/instances/{ref}': { get: op('Show a version', { parameters: [ref] }), delete: op('Remove a version', { parameters: [ref] }) },
      '/api/instances/{ref}/stop': { post: op('Stop a version', { parameters: [ref] }) },
      '/api/instances/{ref}/start': { post: op('Start a version', { parameters: [ref] }) },
      '/api/instances/{ref}/restart': { post: op('Restart a version, make-before-break', { parameters: [ref] }) },
      '/api/instances/{ref}/logs': { get: op('The last log lines of a version; with follow=1, server-sent events of new lines', { parameters: [ref, { name: 'tail', in: 'query', schema: { type: 'integer' } }, { name: 'follow', in: 'query', schema: { type: 'string', enum: ['1'] } }] }) },
      '/api/logs': { get: op('Every log merged by time, filtered; with follow=1, server-sent events', { parameters: ['model', 'version', 'stream', 'since', 'limit', 'follow'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })) }) },
      '/api/events': { get: op('Server-sent events of state changes; replays from Last-Event-ID or ?after=', { parameters: [{ name: 'after', in: 'query', schema: { type: 'integer' } }] }) },
      '/api/models': { get: op('Models with their versions and aliases') },
      '/api/models/{name}/token': {
        put: op('Require a token for inference on the model', { parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }] }),
        delete: op('Open inference on the model again', { parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }] }),
      },
      '/api/runs': {
        get: op('Tracked runs, newest first, filtered', { parameters: ['model', 'version', 'since', 'q', 'limit'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })) }),
        post: op('Record a run (an instance with its FERRY_TRACKING_TOKEN, or the admin naming model and version)', { requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', additionalProperties: false, properties: { model: { type: 'string' }, version: { type: 'string' }, params: { type: 'object' }, metrics: { type: 'object', additionalProperties: { type: 'number' } }, tags: { type: 'object', additionalProperties: { type: 'string' } }, status: { enum: ['running', 'finished', 'failed'] }, startedAt: { type: 'string', format: 'date-time' }, endedAt: { type: 'string', format: 'date-time' }, requestId: { type: 'string' } } } } } }, responses: { 201: json('recorded'), 400: error, 401: error, 403: error } }),
      },
      '/api/runs/{id}': { get: op('Show a run', { parameters: [runId] }), patch: op('Merge params, metrics, tags or status into a run', { parameters: [runId] }) },
      '/api/runs/{id}/artifacts/{name}': {
        get: op('Download an artifact', { parameters: [runId, artifact] }),
        put: op('Store an artifact (raw body, up to 20 MB)', { parameters: [runId, artifact], requestBody: { required: true, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } } }),
      },
      '/api/models/{name}/capture': {
        get: op('Whether the model\'s request and response bodies are kept (body capture; off by default)', { parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }] }),
        put: op('Turn body capture on or off for the model: {enabled, maxBytes?} (1 to 1048576, default 65536 per body); off forgets the kept bodies', { parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }], requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['enabled'], properties: { enabled: { type: 'boolean' }, maxBytes: { type: 'integer', minimum: 1, maximum: 1048576 } } } } } } }),
      },
      '/api/requests/{requestId}/body': { get: op('The kept bodies of one request (text, or base64 for binary; truncated when cut at the cap)', { parameters: [{ name: 'requestId', in: 'path', required: true, schema: { type: 'string' } }] }) },
      '/api/routing': { get: op('The routing table the data plane serves now (versions, ready endpoints, aliases, rollout weights, whether a token is needed) and which plane (node or nginx)') },
      '/api/requests': { get: op('Prediction history: every proxied request, newest first, filtered and paged: {requests, next, total}', { parameters: [
        ...['model', 'version'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
        ...['since', 'until'].map((name) => ({ name, in: 'query', description: 'ISO 8601 or ms since 1970', schema: { type: 'string' } })),
        { name: 'status', in: 'query', description: 'comma-separated: 2xx…5xx, error (400 and up) or codes (404)', schema: { type: 'string' } },
        ...['minMs', 'maxMs'].map((name) => ({ name, in: 'query', description: 'time taken, milliseconds', schema: { type: 'integer' } })),
        { name: 'before', in: 'query', description: 'the `next` of the previous page', schema: { type: 'integer' } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
      ] }) },
      '/api/models/{name}/aliases/{alias}': { put: op('Point an alias at a version', { parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }, { name: 'alias', in: 'path', required: true, schema: { type: 'string' } }] }) },
      '/api/tokens': {
        get: op('Named tokens (admin): name, role, model, creator, revoked'),
        post: op('Create a named token (admin); its secret is in this answer only', { requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['name', 'role'], additionalProperties: false, properties: { name: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,62}$' }, role: { enum: ['admin', 'deployer', 'viewer', 'inference'] }, model: { type: 'string', description: 'the model an inference token calls' } } } } } }, responses: { 201: json('created, with `token`'), 400: error, 401: error, 403: error, 409: error } }),
      },
      '/api/tokens/{token}': { delete: op('Revoke a named token by name or id (admin); refused from the next request on', { parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }] }) },
      '/api/audit': { get: op('The audit trail (admin), newest first, filtered', { parameters: [...['since', 'until', 'token', 'action', 'outcome'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })), ...['before', 'limit'].map((name) => ({ name, in: 'query', schema: { type: 'integer' } }))] }) },
      '/api/session': {
        get: op('Who the session (cookie) or token is, with the session\'s CSRF token'),
        post: { summary: 'Sign the console in: sets the HttpOnly session cookie', tags: ['ferry'], requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['token'], additionalProperties: false, properties: { token: { type: 'string' }, remember: { type: 'boolean' } } } } } }, responses: { 201: json('signed in: `{name, role, csrf, expiresAt}`'), 401: error, 403: error } },
        delete: op('Sign out: ends the session and clears its cookie', { responses: { 204: { description: 'signed out' } } }),
      },
      '/api/trust': {
        get: op('The trusted public keys, and whether uploads must be signed (--require-signed)'),
        post: op('Trust a public key (its line as `ferry keygen` prints it)', { requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['publicKey'], additionalProperties: false, properties: { publicKey: { type: 'string', pattern: '^ferry-ed25519 ' }, name: { type: 'string' } } } } } }, responses: { 200: json('already trusted'), 201: json('trusted'), 400: error, 401: error, 422: error } }),
      },
      '/api/trust/{keyId}': {
        get: op('A trusted key', { parameters: [keyId] }),
        delete: op('Stop trusting a key (packages it signed keep their recorded signer)', { parameters: [keyId] }),
      },
      '/api/models/{name}/timeseries': { get: op("A model's time series: per version, points {t, requests, rps, errorRate (5xx share), p50, p95, p99 (ms), replicas, weight (percent of latest during a rollout)}, and markers {t, kind: deploy|alias|rollback|rollout, version, detail}", { parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }, timeseriesRange], responses: { 200: json('OK'), 400: error, 401: error, 404: error } }) },
      '/api/timeseries': { get: op("Every model's time series and markers (the same points per version)", { parameters: [timeseriesRange], responses: { 200: json('OK'), 400: error, 401: error } }) },
      ...JOBS_OPENAPI_PATHS,
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' }, details: { type: 'object' } } } } } },
    },
  } as OpenApiDocument
}
