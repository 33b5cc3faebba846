/**
 * Every error and warning code the packager (validate, pack) can produce. Codes are stable and
 * never reused; packager/ERRORS.md documents each one, and test/errors-registry.test.ts keeps the
 * two equal.
 */
import { defineErrors } from './ferry-error.js'

export const { ERRORS: PACKAGER_ERRORS, createError: createPackagerError } = defineErrors({
  // Reading the package
  E_PATH_NOT_FOUND: { status: 404, hint: 'Check the path: it must be a model folder or a package zip.' },
  E_NOT_A_PACKAGE: { status: 400, hint: 'Give a folder holding descriptor.json, or a .zip made by `ferry pack`.' },
  E_ZIP_INVALID: { status: 400, hint: 'The file is not a readable zip; pack the folder again with `ferry pack`.' },
  E_DESCRIPTOR_MISSING: { status: 422, hint: 'Add a descriptor.json at the package root (see descriptors/README.md).' },
  E_JSON_INVALID: { status: 422, hint: 'Fix the JSON syntax at the line and column given.' },
  E_JSON_DUPLICATE_KEY: { status: 422, hint: 'Remove one of the two keys: JSON parsers disagree on which one wins.' },
  // The schema (descriptors/descriptor.schema.json)
  E_SCHEMA_REQUIRED: { status: 422, hint: 'Add the missing field.' },
  E_SCHEMA_UNKNOWN_FIELD: { status: 422, hint: 'Remove the field or fix its spelling; descriptors/README.md lists every field.' },
  E_SCHEMA_TYPE: { status: 422, hint: 'Give a value of the type the schema expects.' },
  E_SCHEMA_ENUM: { status: 422, hint: 'Use one of the allowed values.' },
  E_SCHEMA_PATTERN: { status: 422, hint: 'Give a value in the expected format.' },
  E_SCHEMA_RANGE: { status: 422, hint: 'Give a value within the allowed range or length.' },
  E_SCHEMA_DUPLICATE_ITEM: { status: 422, hint: 'List each item once.' },
  E_SCHEMA_CONSTRAINT: { status: 422, hint: 'See descriptors/README.md for what this field accepts.' },
  E_NAME_NOT_SLUG: { status: 422, hint: 'Use lowercase letters, digits and single dashes, starting with a letter, e.g. "digit-classifier".' },
  E_VERSION_NOT_SEMVER: { status: 422, hint: 'Use a semantic version such as "1.4.0", or omit it and let `ferry pack` assign one.' },
  E_PATH_NOT_RELATIVE: { status: 422, hint: 'Use a path relative to the package root with forward slashes and no "..".' },
  E_URL_PATH_INVALID: { status: 422, hint: 'Start the path with "/", e.g. "/predict", without a query string.' },
  E_ENV_NAME_INVALID: { status: 422, hint: 'Environment variable names use letters, digits and "_", and do not start with a digit.' },
  E_HEALTH_NOT_DECLARED: { status: 422, hint: 'Declare api.health, a path that answers 2xx once the service is ready, e.g. "/health".' },
  E_API_UNDESCRIBED: { status: 422, hint: 'Give api.openapi (an OpenAPI document the instance serves) or api.endpoints (or both).' },
  E_EXAMPLE_BODY_OR_FILE: { status: 422, hint: 'Give each example either "body" (JSON) or "file" (a path in the package), not both.' },
  // Semantic rules, checked after the schema
  E_ENTRY_MISSING: { status: 422, hint: 'Add the entry file to the package or fix runtime.entry.' },
  E_WEIGHTS_MISSING: { status: 422, hint: 'Add the weight file to the package or fix model.weights.' },
  E_FILE_MISSING: { status: 422, hint: 'Add the file to the package or remove it from "files".' },
  E_DEPENDENCY_FILE_MISSING: { status: 422, hint: 'Add the dependency file to the package or fix runtime.dependencies.' },
  E_LOCKFILE_MISSING: { status: 422, hint: 'Run `npm install` beside the package.json to create package-lock.json (`npm ci` needs it), or set bundleNodeModules.' },
  E_ENV_RESERVED: { status: 422, hint: 'Ferry sets PORT (or api.portEnv), HOST and FERRY_* itself; remove the variable from runtime.env.' },
  E_ENDPOINT_DUPLICATE: { status: 422, hint: 'Declare each method and path once.' },
  E_ENDPOINT_SCHEMA_INVALID: { status: 422, hint: 'Fix the JSON Schema (2020-12) of this input or output.' },
  E_EXAMPLE_ENDPOINT_UNKNOWN: { status: 422, hint: 'Point the example at a declared endpoint, "METHOD /path".' },
  E_EXAMPLE_FILE_MISSING: { status: 422, hint: 'Add the example file to the package or fix the path.' },
  E_EXAMPLE_BODY_INVALID: { status: 422, hint: "Make the example's body match the endpoint's input schema." },
  // Packing
  E_DESCRIPTOR_INVALID: { status: 422, hint: 'Run `ferry validate` on the folder and fix every problem it lists.' },
  E_FILE_UNREADABLE: { status: 422, hint: 'Make the file readable, or list it in .ferryignore.' },
  E_SYMLINK_OUTSIDE: { status: 422, hint: 'Copy the target into the folder, or list the link in .ferryignore.' },
  E_FILE_TYPE_UNSUPPORTED: { status: 422, hint: 'Only regular files and folders can be packed; list it in .ferryignore.' },
  E_CASE_COLLISION: { status: 422, hint: 'Rename one of the files: names that differ only in case break on macOS and Windows.' },
  E_RESERVED_NAME: { status: 422, hint: 'Rename the file: Ferry writes this name into every package itself.' },
  E_VERSION_EXISTS: { status: 409, hint: 'A version is immutable: pass --bump patch (or --version) to pack a new one.' },
  E_OUT_DIR_UNWRITABLE: { status: 500, hint: 'Choose another --out folder, or fix its permissions.' },
  E_MANIFEST_INVALID: { status: 422, hint: 'The package manifest is damaged; pack the folder again with `ferry pack`.' },
  // Warnings: reported, never fatal
  W_VERSION_UNSET: { status: 200, hint: '`ferry pack` assigns a version; set "version" to choose it yourself.' },
  W_DESCRIPTION_MISSING: { status: 200, hint: 'Add a "description": the console and the API docs show it.' },
  W_DEPENDENCY_IGNORED: { status: 200, hint: 'Remove it: this runtime does not use it.' },
  W_MANIFEST_MISSING: { status: 200, hint: 'Pack with `ferry pack` so the deployer can verify every file.' },
  // Protocol hints (api.defaultEndpoint, apiName, payload fields and classification)
  E_DEFAULT_ENDPOINT_UNKNOWN: { status: 422, hint: 'Name one of api.endpoints exactly, "METHOD /path", or leave defaultEndpoint out.' },
  E_API_NAME_DUPLICATE: { status: 422, hint: 'Give each endpoint its own apiName.' },
  E_FIELD_HINT_UNKNOWN: { status: 422, hint: "Key the fields hints by the payload schema's property names." },
  E_FIELD_SHAPE_MISMATCH: { status: 422, hint: 'Give a shape whose product is the array length (minItems = maxItems), or use -1 for a variable dimension.' },
  E_CLASSIFICATION_FIELD_UNKNOWN: { status: 422, hint: "Name properties of the output schema in classification.label and classification.scores." },
  // Pipelines (runtime.type "pipeline", packager/pipeline/)
  E_PIPELINE_STEP_UNKNOWN: { status: 422, hint: 'Name a step of runtime.steps, or add the step.' },
  E_PIPELINE_CYCLE: { status: 422, hint: 'A step cannot run inside itself: break the loop of sequence, switch or ensemble steps.' },
  E_PIPELINE_STEP_REUSED: { status: 422, hint: 'Use each step in one place of the graph; copy it under another id to run it twice.' },
  E_PIPELINE_STEP_ID_INVALID: { status: 422, hint: 'Start a step id with a letter, then letters, digits, - and _ (at most 63 characters).' },
  E_PIPELINE_POINTER_UNRESOLVED: { status: 422, hint: 'Point at /request/{body,file,query,headers,method,path} or /steps/<id>/output of a step that runs before this one (in track also /output).' },
  E_PIPELINE_MODEL_REF_INVALID: { status: 422, hint: 'Name the model as name, name@1.2.0 or name@alias (e.g. "ocr@stable"), not the pipeline itself.' },
  E_PIPELINE_ENDPOINTS_MISSING: { status: 422, hint: 'List the endpoints the pipeline answers in api.endpoints, e.g. [{"method": "POST", "path": "/predict"}].' },
  W_PIPELINE_STEP_UNUSED: { status: 200, hint: 'Reach the step from runtime.start (a sequence, switch or ensemble), or remove it.' },
  // Signing (packager/signing/): keys, signatures, trust
  E_KEY_EXISTS: { status: 409, hint: 'Choose another --name or --out: `ferry keygen` never overwrites a key.' },
  E_KEY_NOT_FOUND: { status: 404, hint: 'Give the path of the .key file `ferry keygen` wrote.' },
  E_KEY_INVALID: { status: 422, hint: 'Give the private .key file `ferry keygen` wrote to sign, and its one-line .pub ("ferry-ed25519 <base64> [name]") to trust.' },
  E_SIGNATURE_MISSING: { status: 422, hint: 'Sign the package (`ferry pack --sign KEY`, or `ferry deploy --sign KEY`) and send its .sig with it (header X-Ferry-Signature).' },
  E_SIGNATURE_INVALID: { status: 400, hint: 'Send the .sig file `ferry pack --sign` wrote, unchanged (base64 of its bytes in X-Ferry-Signature).' },
  E_SIGNATURE_MISMATCH: { status: 422, hint: 'The package or its signature changed after signing: sign the package again with `ferry pack --sign KEY`.' },
  E_SIGNER_UNTRUSTED: { status: 403, hint: 'Trust the signer\'s public key (`ferry trust add KEY.pub`, or --key for `ferry verify`), or sign with a trusted key.' },
})

export type PackagerErrorCode = keyof typeof PACKAGER_ERRORS
