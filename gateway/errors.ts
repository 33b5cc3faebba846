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
  // Body capture (gateway/capture/)
  E_CAPTURE_NOT_FOUND: { status: 404, hint: 'Bodies are kept only for models with capture on (PUT /api/models/:name/capture), only for requests after it was turned on, and only the newest 2,000.' },
  E_CAPTURE_LIMIT_INVALID: { status: 400, hint: 'Give maxBytes as a whole number of bytes from 1 to 1048576 (1 MiB); the default is 65536.' },
  // The CLI as a client
  E_GATEWAY_UNREACHABLE: { status: 503, hint: 'Start the server with `ferry serve`, or point --gateway / FERRY_GATEWAY at it.' },
  E_STARTING: { status: 503, hint: 'The server is opening its data directory; retry after Retry-After seconds.' },
  E_INTERNAL: { status: 500, hint: 'An internal error: the gateway log has the details. This is a bug in Ferry.' },
  // Proxy
  E_PROXY_PATH_INVALID: { status: 400, hint: 'Remove ".", ".." segments, encoded slashes (%2F, %5C), backslashes and NUL from the path after /models/<name>/.' },
  E_NO_READY_INSTANCE: { status: 503, hint: 'No replica of this version is ready: start it (`ferry start name@version`) or retry after Retry-After seconds.' },
  E_UPSTREAM_UNREACHABLE: { status: 502, hint: 'The instance refused or dropped the connection; check its logs (`ferry logs name@version`).' },
  E_UPSTREAM_TIMEOUT: { status: 504, hint: 'The instance did not answer in time; check its logs, or raise the upstream timeout.' },
  // Protocols (gateway/protocols/): each answered in its protocol's own error form
  E_PROTOCOL_UNSUPPORTED: { status: 404, hint: "The model declares no endpoints this protocol can present (or speaks another protocol itself); call it at /models/<name>/." },
  E_PROTOCOL_MODEL_ERROR: { status: 502, hint: "The model refused or failed the call; the message carries its own error. Check the input, or the model's logs." },
  E_GRADIO_ENDPOINT_UNKNOWN: { status: 404, hint: 'Use an api_name or fn_index the app lists in gradio_api/info (view_api()).' },
  E_GRADIO_ARITY: { status: 422, hint: 'Send one value per input, in the order view_api() lists them.' },
  E_GRADIO_VALUE_INVALID: { status: 422, hint: "Send each input a value of its component's type (view_api() lists them)." },
  E_GRADIO_FILE_INVALID: { status: 422, hint: 'Upload the file first (handle_file does) and send a file of the media type the input takes.' },
  E_GRADIO_UPLOAD_INVALID: { status: 400, hint: 'POST the files as multipart/form-data in the field "files".' },
  E_GRADIO_SESSION_UNKNOWN: { status: 404, hint: 'Join the queue (POST gradio_api/queue/join) with this session_hash before reading its stream.' },
  E_OIP_REQUEST_INVALID: { status: 400, hint: 'Send {"inputs": [{"name", "shape", "datatype", "data"}]} as JSON (Open Inference Protocol v2).' },
  E_OIP_INPUT_UNKNOWN: { status: 400, hint: "Name only inputs the model's metadata lists (GET /v2/models/<name>)." },
  E_OIP_INPUT_MISSING: { status: 400, hint: "Send every input the model's metadata lists without a default." },
  E_OIP_DATATYPE_INVALID: { status: 400, hint: "Use the input's datatype from the model's metadata (BOOL, UINT8-64, INT8-64, FP16/32/64, BYTES)." },
  E_OIP_SHAPE_INVALID: { status: 400, hint: "Give a shape whose product is the number of data values, matching the metadata's shape (-1 is any size)." },
  E_OIP_DATA_INVALID: { status: 400, hint: 'Give data values of the declared datatype: numbers in its range, true/false for BOOL, strings for BYTES.' },
  E_OIP_OUTPUT_UNKNOWN: { status: 400, hint: "Request only outputs the model's metadata lists." },
  E_OIP_MODEL_NOT_READY: { status: 503, hint: 'No replica of this version is ready: start it, or retry shortly.' },
  // Named tokens, roles, console sessions, TLS (gateway/auth/)
  E_ROLE_FORBIDDEN: { status: 403, hint: "The token's role may not do this: GET/HEAD needs viewer, other methods deployer, /api/tokens, /api/trust and /api/audit admin; inference tokens only call their model." },
  E_CSRF: { status: 403, hint: 'A console session works only from the console itself: same origin, and writes carry the X-Ferry-CSRF header from GET /api/session. Scripts use Authorization: Bearer.' },
  E_TOKEN_NOT_FOUND: { status: 404, hint: 'List tokens with GET /api/tokens (or `ferry token ls`); revoke by name or id.' },
  E_TOKEN_NAME_TAKEN: { status: 409, hint: 'An active token already has this name: revoke it first or choose another name.' },
  E_TLS_OPTIONS_INCOMPLETE: { status: 400, hint: 'Give both --tls-cert FILE and --tls-key FILE (or FERRY_TLS_CERT and FERRY_TLS_KEY), or neither.' },
  E_TLS_FILE_UNREADABLE: { status: 400, hint: 'Check the path and that the user running ferry can read the file.' },
  E_TLS_PAIR_INVALID: { status: 400, hint: 'Give a PEM certificate and its unencrypted PEM private key, e.g. from `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem -out cert.pem`.' },
  // Trusted keys (/api/trust)
  E_TRUSTED_KEY_NOT_FOUND: { status: 404, hint: 'List the trusted keys with `ferry trust list` (GET /api/trust); a key is named by its 16-hex-digit key id.' },
  // Batch jobs (gateway/jobs/)
  // Pipelines (gateway/pipelines/)
  E_PIPELINE_STEP_FAILED: { status: 502, hint: "A step's model failed (5xx, or no answer): details name the step and its model; check that model's logs (`ferry logs name@version`)." },
  E_PIPELINE_STEP_TIMEOUT: { status: 504, hint: "A step's model did not answer in time: details name the step; raise its timeoutSeconds or check the model." },
  E_PIPELINE_STEP_UNAVAILABLE: { status: 503, hint: "A step's model is not deployed or has no ready replica: deploy or start the model details name (GET /models/<pipeline>/health lists every step)." },
  E_PIPELINE_STEP_REJECTED: { status: 422, hint: "A step's model refused the input it was given (4xx, its status and error in details): fix the request, or the step's input template." },
  E_PIPELINE_VALUE_MISSING: { status: 502, hint: 'A template read a value an earlier step did not answer: details name the step and pointer; give the template an "else", or fix the step.' },
  E_PIPELINE_INPUT_MISSING: { status: 400, hint: "Send what the pipeline reads (details.pointer, e.g. /request/body/text: a JSON body with \"text\"; /request/file: a file); see its endpoint in /openapi.json." },
  E_PIPELINE_NO_CASE: { status: 422, hint: "A switch step found a value none of its cases names and it has no default: send an input the switch knows, or give it a default." },
  E_PIPELINE_ENDPOINT_NOT_FOUND: { status: 404, hint: "Call one of the endpoints the pipeline's descriptor lists (api.endpoints; see /openapi.json)." },
  E_NOT_A_PIPELINE: { status: 404, hint: 'Only a pipeline (runtime.type "pipeline") has steps: ask for a pipeline\'s version, e.g. GET /api/instances/docflow@1.0.0/steps.' },
  E_JOB_NOT_FOUND: { status: 404, hint: 'List jobs with GET /api/jobs (`ferry job status`); ids are never reused, and a removed job is gone.' },
  E_JOB_INPUTS_EMPTY: { status: 400, hint: 'Send at least one input: a non-empty "inputs" array, or a zip holding at least one file.' },
  E_JOB_TOO_MANY_INPUTS: { status: 413, hint: 'Split the inputs into several jobs of at most the limit in details, or raise FERRY_JOB_MAX_INPUTS.' },
  E_JOB_ENDPOINT_UNKNOWN: { status: 404, hint: "Name one of the POST endpoints the model's descriptor lists (details.endpoints)." },
  E_JOB_MODEL_TOKEN_UNSUPPORTED: { status: 409, hint: 'A job carries no inference token: remove the model\'s token (DELETE /api/models/:name/token) or its named inference tokens, or call it from a client.' },
  E_JOB_ZIP_INVALID: { status: 400, hint: 'Send a readable, unencrypted zip of files (one input each) within the size limits in details.' },
  E_JOB_FINISHED: { status: 409, hint: 'The job has finished: its results are all kept (GET /api/jobs/:id/results); remove it with DELETE /api/jobs/:id.' },
  E_JOB_RUNNING: { status: 409, hint: 'Cancel the job first (POST /api/jobs/:id/cancel, `ferry job cancel`), then remove it.' },
  // Data planes (gateway/nginx/)
  E_DATA_PLANE_UNKNOWN: { status: 400, hint: 'Use --data-plane node (the default: Node serves /models/) or --data-plane nginx (FERRY_DATA_PLANE).' },
  E_NGINX_MISSING: { status: 400, hint: 'Install nginx (`sudo apt-get install nginx` on Debian/Ubuntu) so `nginx` is on the PATH, or serve with --data-plane node.' },
  E_NGINX_TOO_OLD: { status: 400, hint: 'Upgrade nginx to 1.18 or later, built with the auth_request module (Debian and Ubuntu packages are), or serve with --data-plane node.' },
  E_NGINX_UNSUPPORTED: { status: 400, hint: 'The nginx data plane serves plain HTTP on the address nginx listens on: leave out --tls-cert/--tls-key, or serve with --data-plane node.' },
  E_NGINX_FAILED: { status: 500, hint: "nginx refused its configuration or would not start: see details.output and <data dir>/nginx/error.log." },
})

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS
