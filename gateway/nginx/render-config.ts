/**
 * The routing table rendered as an nginx configuration (a pure function: same table, same text).
 * nginx carries what it can carry at nginx's speed (a ready version, its canary split, its shadow
 * mirror, a model token through auth_request) and hands everything else to the Node gateway
 * behind it, which holds the same table: unknown names (404), versions with no ready replica
 * (503), names the gateway serves itself (pipelines, a Gradio app's /api/), requests whose
 * Connection header names other headers (stock nginx cannot drop those), and all of /api, /docs,
 * /metrics and the console. Errors nginx makes itself (refused paths, 401, 502, 504) are the same
 * JSON bodies with the same codes as the Node plane's. No plaintext token is ever written here.
 */
import { createHash } from 'node:crypto'
import { createGatewayError, type GatewayErrorCode } from '../errors.js'
import type { ModelRoute, RoutingTable, VersionRoute } from '../routing/index.js'
import { MODEL_SANDBOX_CSP } from '../proxy/model-proxy.js'

export interface NginxRenderOptions {
  /** Where nginx listens (the address users call). */
  listen: { host: string; port: number }
  /** The Node gateway behind it (127.0.0.1:<port>). */
  nodePort: number
  /** nginx's prefix directory (pid, temp paths, logs) under the data directory. */
  prefix: string
  /** The JSON access log nginx writes and Ferry reads back. */
  accessLog: string
  upstreamTimeoutMs: number
  workers: number
}

/** Selectors that may not be written into a location (anything but a plain name, version or alias). */
const SAFE = /^[A-Za-z0-9._~+-]+$/

const LINE = '{"time":$msec,"model":"$ferry_model","version":"$ferry_version","role":"$ferry_role","status":$status,"duration":$request_time,"requestBytes":$request_length,"responseBytes":$body_bytes_sent,"requestId":"$ferry_request_id","method":"$request_method","path":"$request_uri"}'
const SHADOW_LINE = LINE.replace('$ferry_model', 'MODEL').replace('$ferry_version', 'VERSION').replace('$ferry_role', 'shadow')

const literal = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
const id = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12)

/** One JSON error body with the gateway's code, as nginx returns it (`return <status> '<body>'`). */
function errorReturn(code: GatewayErrorCode, message: string, details?: Record<string, unknown>): string {
  const error = createGatewayError(code, message, details ? { details } : {})
  // `$` would start an nginx variable inside the returned text: JSON spells it \u0024 instead.
  return `return ${error.status} ${literal(JSON.stringify(error.toJSON()).replace(/\$/g, '\\u0024'))};`
}

/** An address nginx may be given in `server host:port` (an IPv4/IPv6 literal or a host name). */
const SAFE_HOST = /^(?:[A-Za-z0-9.-]+|[0-9A-Fa-f:.]+)$/

/** The version a rollout on `latest` sends to (`split`) or copies to (`mirror`), when there is one. */
function rolloutVersion(model: ModelRoute, selector: string, kind: 'split' | 'mirror'): VersionRoute | undefined {
  const name = selector === 'latest' ? model.rollout?.[kind]?.version : undefined
  return name === undefined ? undefined : model.versions[name]
}

/** True when every name of `route` that the configuration spells out is a plain token (absent: nothing to write). */
function isRenderable(route: VersionRoute | undefined): boolean {
  if (!route) return true
  return SAFE.test(route.version) && SAFE.test(route.ref.replace('@', '')) && route.endpoints.every((e) => SAFE_HOST.test(e.host) && Number.isInteger(e.port) && e.port > 0 && e.port < 65536)
}

/**
 * @example renderNginxConfig(publisher.current(), { listen: { host: '127.0.0.1', port: 8080 }, nodePort: 41000, ... })
 */
export function renderNginxConfig(table: RoutingTable, options: NginxRenderOptions): string {
  const upstreams: string[] = []
  const locations: string[] = []
  const maps: string[] = []
  const upstreamOf = new Map<string, string>()
  const upstreamFor = (v: VersionRoute): string => {
    let name = upstreamOf.get(v.ref)
    if (!name) {
      name = `v_${id(v.ref)}`
      upstreamOf.set(v.ref, name)
      upstreams.push(`  upstream ${name} {\n${v.endpoints.map((e) => `    server ${e.host}:${e.port} max_fails=0;`).join('\n')}\n    keepalive 64;\n  }`)
    }
    return name
  }
  for (const model of Object.values(table.models).sort((a, b) => a.name.localeCompare(b.name))) {
    if (model.servedBy !== 'instances' || !SAFE.test(model.name)) continue
    const selectors = new Map<string, string>()
    for (const v of Object.keys(model.versions)) selectors.set(v, v)
    for (const [alias, v] of Object.entries(model.aliases)) selectors.set(alias, v)
    for (const [selector, version] of [...selectors].sort(([a], [b]) => a.localeCompare(b))) {
      if (!SAFE.test(selector)) continue
      const route = model.versions[version]
      if (!route || route.endpoints.length === 0 || route.gatewayPaths.length > 0) continue // Node answers (503, a Gradio app)
      // Every name written into the configuration is checked here, whatever was checked upstream: a
      // version (the one an alias names, a canary's, a shadow's) or an address that is not plain is left to Node.
      if (!isRenderable(route) || !isRenderable(rolloutVersion(model, selector, 'split')) || !isRenderable(rolloutVersion(model, selector, 'mirror'))) continue
      const prefixes = [`/models/${model.name}@${selector}`, ...(selector === 'latest' ? [`/models/${model.name}`] : [])]
      for (const prefix of prefixes) locations.push(renderLocation(model, route, prefix, selector === 'latest' ? model.rollout : null, upstreamFor, maps, options))
    }
  }
  return [
    'daemon off;',
    'master_process on;',
    'pcre_jit on;',
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    `worker_processes ${options.workers};`,
    `pid ${options.prefix}/nginx.pid;`,
    `error_log ${options.prefix}/error.log warn;`,
    'events { worker_connections 4096; }',
    'http {',
    `  # Routing table revision ${table.revision}, built ${table.builtAt}.`,
    '  access_log off;',
    `  client_body_temp_path ${options.prefix}/client_body;`,
    `  proxy_temp_path ${options.prefix}/proxy;`,
    `  fastcgi_temp_path ${options.prefix}/fastcgi;`,
    `  uwsgi_temp_path ${options.prefix}/uwsgi;`,
    `  scgi_temp_path ${options.prefix}/scgi;`,
    '  default_type application/json;',
    '  server_tokens off;',
    '  keepalive_requests 1000000;',
    '  keepalive_timeout 65s;',
    '  client_max_body_size 0;',
    '  proxy_http_version 1.1;',
    '  proxy_buffering off;',
    '  proxy_request_buffering off;',
    `  proxy_connect_timeout ${Math.max(1, Math.ceil(options.upstreamTimeoutMs / 1000))}s;`,
    `  proxy_read_timeout ${Math.max(1, Math.ceil(options.upstreamTimeoutMs / 1000))}s;`,
    `  proxy_send_timeout ${Math.max(1, Math.ceil(options.upstreamTimeoutMs / 1000))}s;`,
    '  proxy_next_upstream error timeout;',
    `  log_format ferry escape=json '${LINE}';`,
    // A sane client id is kept (the Node plane's rule), any other gets nginx's own 32 hex digits.
    '  map $http_x_request_id $ferry_request_id { "~^[A-Za-z0-9._~:+=/-]{1,128}$" $http_x_request_id; default $request_id; }',
    // The path after /models/<name>[@selector], still encoded, with its query: what the instance receives.
    '  map $request_uri $ferry_rest { "~^/models/[^/?]+(?<rest>/[^?]*)(?<query>\\?.*)?$" "$rest$query"; "~^/models/[^/?]+(?<query>\\?.*)?$" "/$query"; default "/"; }',
    // The Node plane\'s refusals (gateway/proxy/_path.ts), on the raw request line, before nginx normalises it.
    // One regular expression (one match per request): a backslash, an encoded "/", "\\" or NUL, a "%" not followed by two hex digits, a "." or ".." segment.
    '  map $request_uri $ferry_bad_path {',
    '    "~*^/models/(?:[^?]*(?:\\x5c|%(?:2f|5c|00)|%(?![0-9a-f]{2}))|(?:[^?]*/)?(?:\\.|%2e){1,2}(?:/|\\?|$))" 1;',
    '    default 0;',
    '  }',
    // Connection naming headers other than keep-alive/close/upgrade: those must be dropped, which stock nginx cannot do: Node carries it.
    '  map $http_connection $ferry_via_node { "" 0; "~*^\\s*(keep-alive|close|upgrade)\\s*$" 0; "~*^\\s*(keep-alive|upgrade)\\s*,\\s*(keep-alive|upgrade)\\s*$" 0; default 1; }',
    '  map $http_upgrade $ferry_connection { default upgrade; "" ""; }',
    // Sticky key: the session header, else the session cookie, else this request's own id.
    '  map $http_x_ferry_session $ferry_session_key { "" $ferry_cookie_key; default $http_x_ferry_session; }',
    '  map $cookie_ferry_session $ferry_cookie_key { "" $request_id; default $cookie_ferry_session; }',
    ...maps,
    `  upstream ferry_node {\n    server 127.0.0.1:${options.nodePort};\n    keepalive 32;\n  }`,
    ...upstreams,
    '  server {',
    `    listen ${options.listen.host.includes(':') ? `[${options.listen.host}]` : options.listen.host}:${options.listen.port};`,
    '    if ($ferry_bad_path) {',
    `      ${errorReturn('E_PROXY_PATH_INVALID', 'refused: the path holds a ".", ".." segment, an encoded "/" or "\\\\", a backslash, NUL or invalid percent-encoding')}`,
    '    }',
    // Which table revision this nginx serves (the plane polls it after a reload to know it is applied).
    `    location = /_ferry/revision { access_log off; default_type text/plain; return 200 "${table.revision}"; }`,
    '    location @ferry_token_required {',
    `      ${errorReturn('E_MODEL_TOKEN_REQUIRED', 'inference on this model requires its token')}`,
    '    }',
    // Requests nginx hands to Node as they came (the Connection header included: Node drops what it names).
    '    location @ferry_via_node {',
    '      proxy_pass http://ferry_node;',
    '      proxy_set_header Host $http_host;',
    '      proxy_set_header Connection $http_connection;',
    '      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '    }',
    '    location ^~ /_ferry/auth/ {',
    '      internal;',
    '      proxy_pass http://ferry_node;',
    '      proxy_pass_request_body off;',
    '      proxy_set_header Content-Length "";',
    '      proxy_set_header Connection "";',
    '    }',
    ...locations,
    '    location / {',
    // Declares the variables the access log format names (a table with no model sets them nowhere else).
    '      set $ferry_model "";',
    '      set $ferry_version "";',
    '      set $ferry_role "";',
    '      proxy_pass http://ferry_node;',
    '      proxy_set_header Host $http_host;',
    '      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '      proxy_set_header X-Ferry-Front nginx;',
    '      proxy_set_header Connection $ferry_connection;',
    '      proxy_set_header Upgrade $http_upgrade;',
    '      proxy_read_timeout 1h;',
    '      proxy_send_timeout 1h;',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n')
}

function renderLocation(model: ModelRoute, route: VersionRoute, prefix: string, rollout: ModelRoute['rollout'], upstreamFor: (v: VersionRoute) => string, maps: string[], options: NginxRenderOptions): string {
  const key = id(prefix)
  const stable = upstreamFor(route)
  const split = rollout?.split ? model.versions[rollout.split.version] : undefined
  const canary = split && split.endpoints.length > 0 ? split : undefined
  const mirror = rollout?.mirror ? model.versions[rollout.mirror.version] : undefined
  const shadow = mirror && mirror.endpoints.length > 0 ? mirror : undefined
  let target = stable
  let version = `"${route.version}"`
  let ref = `"${route.ref}"`
  let role = '"stable"'
  if (canary && rollout?.split) {
    // split_clients hashes the key (MurmurHash2) into [0, 100 %): one session, one side, while the weight holds.
    const weight = Math.min(100, Math.max(0, rollout.split.weight))
    maps.push(`  split_clients "${rollout.split.sticky ? '$ferry_session_key' : '$request_id'}" $ferry_pick_${key} { ${weight > 0 ? `${weight}% canary; ` : ''}* stable; }`)
    maps.push(`  map $ferry_pick_${key} $ferry_up_${key} { canary ${upstreamFor(canary)}; default ${stable}; }`)
    maps.push(`  map $ferry_pick_${key} $ferry_ver_${key} { canary "${canary.version}"; default "${route.version}"; }`)
    maps.push(`  map $ferry_pick_${key} $ferry_role_${key} { canary "canary"; default "stable"; }`)
    target = `$ferry_up_${key}`
    version = `$ferry_ver_${key}`
    ref = `"${model.name}@$ferry_ver_${key}"`
    role = `$ferry_role_${key}`
  }
  const body = [
    `      set $ferry_model "${model.name}";`,
    `      set $ferry_version ${version};`,
    `      set $ferry_role ${role};`,
    `      access_log ${options.accessLog} ferry buffer=64k flush=200ms;`,
    ...(model.auth.required ? [`      auth_request /_ferry/auth/${model.name};`, '      error_page 401 = @ferry_token_required;'] : []),
    `      error_page 502 = @ferry_502_${key};`,
    `      error_page 504 = @ferry_504_${key};`,
    `      proxy_pass http://${target}$ferry_rest;`,
    '      proxy_set_header Host "127.0.0.1";',
    '      proxy_set_header Connection $ferry_connection;',
    '      proxy_set_header Upgrade $http_upgrade;',
    '      proxy_set_header TE "";',
    '      proxy_set_header Keep-Alive "";',
    '      proxy_set_header X-Request-Id $ferry_request_id;',
    '      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '      proxy_set_header X-Forwarded-Proto $scheme;',
    '      proxy_set_header X-Forwarded-Host $http_host;',
    `      proxy_set_header X-Forwarded-Prefix "${prefix}";`,
    '      proxy_hide_header X-Request-Id;',
    '      proxy_hide_header X-Ferry-Version;',
    '      add_header X-Request-Id $ferry_request_id always;',
    `      add_header X-Ferry-Version ${ref} always;`,
    `      add_header Content-Security-Policy "${MODEL_SANDBOX_CSP}" always;`,
    // Says nginx carried it (not the Node gateway behind it): what the nginx plane's tests check.
    '      add_header X-Ferry-Plane nginx always;',
    ...(shadow && rollout?.mirror ? [`      mirror /_ferry_mirror_${key};`, '      mirror_request_body on;'] : []),
  ]
  const lines = [
    `    location ${prefix.endsWith(model.name) ? '~' : '^~'} ${prefix.endsWith(model.name) ? `"^${prefix.replace(/[.+]/g, (c) => `\\${c}`)}(/|$)"` : `${prefix}/`} {`,
    '      error_page 418 = @ferry_via_node;',
    '      if ($ferry_via_node) { return 418; }',
    // While a reload is prepared, answers close their connection (a twin with keepalive_timeout 0), so
    // no keep-alive connection sits idle on a worker the reload retires (closing one races the client's next request).
    `      error_page 419 = @ferry_closing_${key};`,
    `      if (-f ${options.prefix}/reloading) { return 419; }`,
    ...body,
    '    }',
    `    location @ferry_closing_${key} {`,
    '      keepalive_timeout 0;',
    ...body,
    '    }',
    `    location @ferry_502_${key} {`,
    `      access_log ${options.accessLog} ferry buffer=64k flush=200ms;`,
    `      add_header X-Request-Id $ferry_request_id always;`,
    `      add_header X-Ferry-Version ${ref} always;`,
    `      ${errorReturn('E_UPSTREAM_UNREACHABLE', `${route.ref} could not be reached`, { cause: 'nginx' })}`,
    '    }',
    `    location @ferry_504_${key} {`,
    `      access_log ${options.accessLog} ferry buffer=64k flush=200ms;`,
    `      add_header X-Request-Id $ferry_request_id always;`,
    `      add_header X-Ferry-Version ${ref} always;`,
    `      ${errorReturn('E_UPSTREAM_TIMEOUT', `${route.ref} did not answer within ${options.upstreamTimeoutMs} ms`, { timeoutMs: options.upstreamTimeoutMs })}`,
    '    }',
  ]
  if (shadow && rollout?.mirror) {
    const percent = Math.min(100, Math.max(0, rollout.mirror.percent))
    maps.push(`  split_clients "$request_id" $ferry_copy_${key} { ${percent > 0 ? `${percent}% 1; ` : ''}* 0; }`)
    // A mirror subrequest shares the main request's variables: its log line names its version literally.
    maps.push(`  log_format ferry_shadow_${key} escape=json '${SHADOW_LINE.replace('MODEL', model.name).replace('VERSION', shadow.version)}';`)
    lines.push(
      `    location = /_ferry_mirror_${key} {`,
      '      internal;',
      `      if ($ferry_copy_${key} = 0) { return 204; }`,
      '      log_subrequest on;',
      `      access_log ${options.accessLog} ferry_shadow_${key} buffer=64k flush=200ms;`,
      `      proxy_pass http://${upstreamFor(shadow)}$ferry_rest;`,
      '      proxy_set_header Host "127.0.0.1";',
      '      proxy_set_header Connection "";',
      '      proxy_set_header X-Ferry-Shadow 1;',
      '      proxy_set_header X-Request-Id $ferry_request_id;',
      `      proxy_set_header X-Forwarded-Prefix "${prefix}";`,
      '    }',
    )
  }
  return lines.join('\n')
}
