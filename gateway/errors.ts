/**
 * Every error code the gateway itself answers with (the deployer's and packager's codes pass
 * through unchanged). gateway/ERRORS.md documents each; test/errors-registry.test.ts keeps them equal.
 */
import { defineErrors } from '../packager/ferry-error.js'

export const { ERRORS: GATEWAY_ERRORS, createError: createGatewayError } = defineErrors({
  // Management API
  E_MODEL_TOKEN_REQUIRED: { status: 401, hint: "This model requires its inference token: send `Authorization: Bearer <the model's token>`." },
  E_UNAUTHORIZED: { status: 401, hint: 'Send `Authorization: Bearer <token>`; the token is in <data dir>/token (or FERRY_TOKEN).' },
  E_ROUTE_NOT_FOUND: { status: 404, hint: 'See GET /openapi.json or /docs for the routes the gateway serves.' },
  E_BODY_INVALID_JSON: { status: 400, hint: 'Send a valid JSON body.' },
  E_BODY_INVALID: { status: 400, hint: 'Fix the fields named in details; unknown fields are refused.' },
  E_UNSUPPORTED_MEDIA_TYPE: { status: 415, hint: 'Send the content type the route expects: application/json, or a package zip as application/zip or multipart/form-data.' },
  E_PAYLOAD_TOO_LARGE: { status: 413, hint: 'Send a smaller body, or raise the limit the server was started with.' },
  E_FORBIDDEN: { status: 403, hint: 'A tracking token may only record runs of its own model@version; use the admin token for anything else.' },
  E_QUERY_INVALID: { status: 400, hint: 'Fix the query parameter named in details (e.g. since must be an ISO 8601 time, limit a whole number in its range).' },
  E_URL_INVALID: { status: 400, hint: 'Percent-encode the URL correctly: "%" must be followed by two hex digits, and the bytes must be UTF-8.' },
  // Tracked runs
  E_RUN_NOT_FOUND: { status: 404, hint: 'List runs with GET /api/runs; ids are never reused.' },
  E_ARTIFACT_NOT_FOUND: { status: 404, hint: 'The run lists its artifacts under "artifacts".' },
  E_ARTIFACT_NAME_INVALID: { status: 400, hint: 'Artifact names are 1-100 characters of letters, digits, ".", "_" and "-", not starting with ".".' },
  // The CLI as a client
  E_GATEWAY_UNREACHABLE: { status: 503, hint: 'Start the server with `ferry serve`, or point --gateway / FERRY_GATEWAY at it.' },
  E_STARTING: { status: 503, hint: 'The server is opening its data directory; retry after Retry-After seconds.' },
  E_INTERNAL: { status: 500, hint: 'An internal error: the gateway log has the details. This is a bug in Ferry.' },
  // Proxy
  E_PROXY_PATH_INVALID: { status: 400, hint: 'Remove ".", ".." segments, encoded slashes (%2F, %5C), backslashes and NUL from the path after /models/<name>/.' },
  E_NO_READY_INSTANCE: { status: 503, hint: 'No replica of this version is ready: start it (`ferry start name@version`) or retry after Retry-After seconds.' },
  E_UPSTREAM_UNREACHABLE: { status: 502, hint: 'The instance refused or dropped the connection; check its logs (`ferry logs name@version`).' },
  E_UPSTREAM_TIMEOUT: { status: 504, hint: 'The instance did not answer in time; check its logs, or raise the upstream timeout.' },
  // Trusted keys (/api/trust)
  E_TRUSTED_KEY_NOT_FOUND: { status: 404, hint: 'List the trusted keys with `ferry trust list` (GET /api/trust); a key is named by its 16-hex-digit key id.' },
})

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS
