/**
 * Types of descriptor.json, generated from descriptor.schema.json by generate-types.ts.
 * Do not edit by hand: change the schema and run `npm run gen:types`.
 */

/** descriptor.json at the root of a Ferry package: who the model is, how to run it and what its API looks like. */
export type Descriptor = {
  /** Path or URL of this schema, for editors. Ignored by Ferry. */
  $schema?: string
  /** The service's name: a slug (lowercase letters, digits and single dashes, 1-63 characters, starting with a letter). Served at /models/<name>/. */
  name: string
  /** Semantic version of this package (x.y.z, optional pre-release such as 1.0.0-rc.1; no +build metadata, which semver ignores when comparing). Omit it to have `ferry pack` assign one. */
  version?: string
  /** One or two sentences shown in the console and the API docs. */
  description?: string
  model?: Model
  runtime: Runtime
  resources?: Resources
  api: Api
  /** Sample requests, shown in the docs and the console's "try it" forms. */
  examples?: Array<Example>
  /** Other files or folders (relative paths) the service needs; packing fails if one is missing. */
  files?: Array<RelativePath>
  rollout?: Rollout
}

/** A path inside the package, with forward slashes, relative to its root. */
export type RelativePath = string

/** An absolute URL path on the instance, starting with /. */
export type UrlPath = string

/** The model this service wraps. */
export type Model = {
  /** The model's own name, e.g. "tesseract-eng". */
  name: string
  /** The model's own version (free form, e.g. a training run or a date). */
  version?: string
  /** What it runs on, e.g. "tesseract.js", "onnx", "pytorch", "none". */
  framework?: string
  /** Weight files or folders; packing fails if one is missing. */
  weights?: Array<RelativePath>
  /** Licence of the model or its data, e.g. "CC-BY-4.0". */
  license?: string
}

/** How the deployer starts the service, or, for a pipeline, the graph of calls the gateway runs instead of a process. */
export type Runtime = {
  /** node: the entry runs on the server's Node. python: the entry runs in a virtual environment made for this version. exec: the entry is any program. pipeline: no process; the gateway runs the steps graph, calling other models. */
  type: "node" | "python" | "exec" | "pipeline"
  /** node and python: the script, a relative path in the package. exec: a program in the package (a relative path such as bin/serve), an absolute path to a program on the machine, or a command on PATH (a bare name). */
  entry?: string
  /** Arguments passed after the entry. */
  args?: Array<string>
  dependencies?: Dependencies
  /** Environment variables set for the service. PORT, HOST, FERRY_* and the api.portEnv variable are set by Ferry and cannot be overridden. */
  env?: {
    [key: string]: string
  }
  /** pipeline: the id of the step the graph starts at. */
  start?: string
  /** pipeline: the steps by id (letters, digits, - and _, 1-63 characters): calls of other models, and the sequence, switch and ensemble nodes that order them. */
  steps?: {
    [key: string]: PipelineStep
  }
  /** pipeline: the answer, a template: JSON in which {"from": pointer} (with an optional "else" template), {"const": value}, {"count": pointer}, {"mean": pointer}, {"join": pointer, "with": text} and {"each": pointer, "to": template} (with /item the element) are replaced by what they name. Default: the start step's output. */
  output?: unknown
  track?: PipelineTracking
}

/** One node of a pipeline's graph. */
export type PipelineStep = {
  /** call: one endpoint of a model. sequence: its steps one after the other (its output: the last one's). switch: the step that cases name for the value at on, else default (its output: that step's). ensemble: its steps in parallel (its output: an object of their outputs by step id). */
  kind: "call" | "sequence" | "switch" | "ensemble"
  description?: string
  /** call: the model called, name (its latest), name@version or name@alias. */
  model?: string
  /** call: the model's endpoint, "METHOD /path". */
  endpoint?: string
  /** call: the body sent, a template (see runtime.output); one that names a file, {"from": "/request/file"}, sends its bytes as they came, with their content type. */
  input?: unknown
  /** call: query parameters sent, each a template. */
  query?: {
    [key: string]: unknown
  }
  /** call: how long the model may take to answer (default: the gateway's upstream timeout). */
  timeoutSeconds?: number
  /** sequence and ensemble: the ids of the steps they run. */
  steps?: Array<string>
  /** switch: a pointer to the value that picks the case, e.g. /steps/classify/output/label. */
  on?: string
  /** switch: value → id of the step run for it. */
  cases?: {
    [key: string]: string
  }
  /** switch: the step run when no case matches (without it, a value no case names fails the call). */
  default?: string
}

/** pipeline: each call is recorded as a tracked run (GET /api/runs) with these values, templates that may also read /output (the pipeline's answer). */
export type PipelineTracking = {
  /** name → template of a string, number or boolean. */
  params?: {
    [key: string]: unknown
  }
  /** name → template of a number. */
  metrics?: {
    [key: string]: unknown
  }
  /** A template of the text recorded with the run, which GET /api/runs?q= searches. */
  text?: unknown
  /** name → template of {contentType, base64}, or of a list of them (stored as name-1, name-2, ...). */
  artifacts?: {
    [key: string]: unknown
  }
}

/** Dependency files installed when the version is deployed. */
export type Dependencies = {
  /** node: a package.json whose dependencies are installed with `npm ci --omit=dev` (its package-lock.json must sit beside it). */
  packageJson?: RelativePath
  /** node: pack node_modules into the package instead of installing at deploy. */
  bundleNodeModules?: boolean
  /** python: a requirements.txt installed into the version's virtual environment. */
  requirements?: RelativePath
  /** python: a folder of bundled wheels; pip installs from it alone (--no-index). */
  wheels?: RelativePath
}

/** How many processes to run and how long they may take to start. */
export type Resources = {
  /** Processes started for this version (overridable per deploy). */
  replicas?: number
  /** How long a replica may take to answer its health check with 2xx. */
  startupTimeoutSeconds?: number
  limits?: Limits
}

/** What the version's processes may use, enforced in the sandbox as RLIMITs (open files and memory per process, processes and threads for the whole version); where they cannot be enforced (--sandbox none) the log says so. */
export type Limits = {
  /** Open file descriptors per process (RLIMIT_NOFILE). */
  openFiles?: number
  /** Processes and threads of the whole version, all replicas and set-up steps together (RLIMIT_NPROC of the version's own user). */
  processes?: number
  /** Data memory (heap) per process in MiB (RLIMIT_DATA); unlimited when absent. */
  memoryMb?: number
}

/** The HTTP API the service offers. */
export type Api = {
  /** The environment variable that carries the port to listen on (not HOST or FERRY_*, which Ferry sets). */
  portEnv?: string
  /** Answers 2xx once the service is ready to take requests. */
  health: UrlPath
  /** Path of an OpenAPI 3 document served by the instance. */
  openapi?: UrlPath
  /** The endpoints, when no OpenAPI document is served (or to give the console its forms). */
  endpoints?: Array<Endpoint>
  /** What the service speaks. http: its own HTTP API, which Ferry also serves as a Gradio app and through the Open Inference Protocol v2. gradio: a Gradio app, whose API Ferry reads with @gradio/client. oip-v2: the Open Inference Protocol v2 itself, passed through. */
  protocol?: "http" | "gradio" | "oip-v2"
  /** The endpoint one-call protocols use (OIP's infer): "METHOD /path". Default: the first POST endpoint, else the first. */
  defaultEndpoint?: string
}

export type Endpoint = {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  path: UrlPath
  summary?: string
  input?: Payload
  output?: Payload
  /** The endpoint's name in Gradio (/<apiName>); default: its path's last segment with other characters as _, e.g. "predict". */
  apiName?: string
  /** Query parameters the endpoint reads (e.g. ?highlight=1), offered as inputs by the protocols. */
  query?: Array<QueryParameter>
}

export type Payload = {
  /** Media type, e.g. application/json, image/png, image/*, multipart/form-data. */
  contentType?: string
  /** JSON Schema (2020-12) of the body, for JSON bodies. */
  schema?: {
    [key: string]: unknown
  } | boolean
  /** The name of a body that is not a JSON object (an image, say) as a Gradio input or an OIP tensor; default "image" for image types, else "body". */
  name?: string
  /** multipart/form-data: the form field that carries the file. */
  fileField?: string
  /** Hints per property of a JSON object body, for the protocols: component, tensor datatype and shape, order. */
  fields?: {
    [key: string]: FieldHint
  }
  classification?: Classification
}

export type QueryParameter = {
  /** The parameter's name in the query string. */
  name: string
  description?: string
  /** JSON Schema of its value; a boolean is sent as 1 or 0. */
  schema?: {
    [key: string]: unknown
  } | boolean
}

export type FieldHint = {
  /** The Gradio component that shows it (default: from its JSON type). */
  component?: "Number" | "Textbox" | "Checkbox" | "JSON" | "Image" | "File" | "Label"
  /** Its Open Inference Protocol tensor datatype (default: from its JSON type). */
  datatype?: "BOOL" | "UINT8" | "UINT16" | "UINT32" | "UINT64" | "INT8" | "INT16" | "INT32" | "INT64" | "FP16" | "FP32" | "FP64" | "BYTES"
  /** Its logical tensor shape, row-major, -1 for a variable dimension (e.g. [8, 8] for 64 values). */
  shape?: Array<number>
  /** Its position among the inputs, lowest first (default: the schema's order). */
  order?: number
  /** The label shown for it (default: its name). */
  label?: string
}

/** Marks an output as a classification: a Gradio Label, and label and score tensors in OIP. */
export type Classification = {
  /** The property holding the predicted label. */
  label: string
  /** The property holding the scores: a map label to score, or an array in the order of labels. */
  scores?: string
  /** The label of each position of an array of scores (default "0", "1", ...). */
  labels?: Array<string>
}

export type Example = {
  name: string
  /** Which endpoint it is for: "METHOD /path". */
  endpoint: string
  /** A JSON body. */
  body?: unknown
  /** A file in the package sent as the body (an image, say). */
  file?: RelativePath
  contentType?: string
  /** What acceptance requires of the answer before a new version takes traffic (without it: any 2xx). */
  expect?: {
    /** The status the answer must have (default: any 2xx). */
    status?: number
    /** JSON the answer must contain: objects match on the keys given, arrays element by element, other values exactly. */
    body?: unknown
  }
}

/** How a new version of this model reaches traffic by default; a deploy's own options win. */
export type Rollout = {
  /** replace: switch latest once accepted; canary: weights in steps with live checks; shadow: mirrored copies compared; manual: under the canary alias until promoted. */
  strategy?: "replace" | "canary" | "shadow" | "manual"
  /** Canary: percent of latest traffic added per passing window. */
  step?: number
  /** Canary: the weight at which a passing window promotes. */
  maxWeight?: number
  /** Window length: seconds, or "30s", "500ms", "2m" (at least 1 s). */
  interval?: number | string
  /** Failed windows after which the candidate is rolled back. */
  threshold?: number
  /** Percent of the candidate's requests that must succeed (non-5xx, no socket error). */
  minSuccessRate?: number
  /** The candidate's p95 may be at most this times the stable version's. */
  maxLatencyRatio?: number
  /** A window with fewer candidate requests does not count either way. */
  minRequests?: number
  /** Thresholds on the mean of metrics the model reports in tracked runs, e.g. {"mean_confidence": {"min": 80}}. */
  metrics?: {
    [key: string]: {
      min?: number
      max?: number
    }
  }
  /** Keep a client on one side of a canary (by X-Ferry-Session or the ferry_session cookie). */
  sticky?: boolean
  /** Shadow: percent of live requests copied to the candidate. */
  mirror?: number
  /** Shadow: the JSON pointer compared between the two answers ("": the whole body). */
  compare?: string
  /** Shadow: the agreement (percent) promotion requires. */
  minAgreement?: number
  /** Previous versions kept running, with no traffic, for an instant rollback. */
  keepWarm?: number
  /** Send the examples to a new version before any traffic. */
  acceptance?: boolean
}
