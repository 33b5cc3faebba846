/**
 * The gateway's options, resolved once: flag → environment variable (FERRY_PORT, FERRY_HOST,
 * FERRY_HOME, FERRY_TOKEN, FERRY_MAX_UPLOAD_MB, FERRY_UPSTREAM_TIMEOUT_MS, FERRY_TLS_CERT,
 * FERRY_TLS_KEY, FERRY_SESSION_MINUTES, FERRY_REQUIRE_SIGNED, FERRY_TIMESERIES_SAMPLE_MS) → default. Nothing else in the gateway reads
 * process.env.
 */
import { resolve } from 'node:path'
import { UsageError } from '../packager/ferry-error.js'
import { createGatewayError } from './errors.js'

export interface GatewayOptions {
  port?: number | string
  host?: string
  dataDir?: string
  token?: string
  maxUploadBytes?: number
  /** How long an instance may stay silent before the proxy answers 504 (default 60 s). */
  upstreamTimeoutMs?: number
  requestHistory?: number
  /** PEM certificate and key: both serve HTTPS (FERRY_TLS_CERT, FERRY_TLS_KEY). */
  tlsCert?: string
  tlsKey?: string
  /** How long a console session lasts (FERRY_SESSION_MINUTES, default 12 h). */
  sessionTtlMs?: number
  /** Refuse uploads that are not signed by a trusted key (FERRY_REQUIRE_SIGNED=1). */
  requireSigned?: boolean
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** How models are sandboxed: auto, bwrap or none; resolved with FERRY_SANDBOX by the deployer's options. */
  sandbox?: string
  /** Who carries /models/ traffic: `node` (the gateway's own proxy, default) or `nginx` in front (FERRY_DATA_PLANE). */
  dataPlane?: string
  /** How often the time series (gateway/timeseries/) samples the metrics, in ms (FERRY_TIMESERIES_SAMPLE_MS, default 10 s). */
  timeseriesSampleMs?: number
}

export interface ResolvedGatewayOptions {
  readonly port: number
  readonly host: string
  readonly dataDir: string
  /** The admin token when given (FERRY_TOKEN); otherwise it is read or generated in the data directory. */
  readonly token: string | undefined
  readonly maxUploadBytes: number
  readonly upstreamTimeoutMs: number
  /** Proxied requests kept in the prediction history (FERRY_REQUEST_HISTORY). */
  readonly requestHistory: number
  /** Absolute paths of the TLS pair, or undefined for plain HTTP. */
  readonly tls: { readonly cert: string; readonly key: string } | undefined
  readonly sessionTtlMs: number
  /** Uploads must be signed by a trusted key (`--require-signed`, FERRY_REQUIRE_SIGNED). */
  readonly requireSigned: boolean
  readonly dataPlane: 'node' | 'nginx'
  readonly timeseriesSampleMs: number
}

function parsePort(value: number | string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`the port must be a whole number from 0 to 65535, not "${value}"`)
  return port
}

function positive(what: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`the ${what} must be a positive number, not "${value}"`)
  return value
}

function parseFlag(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '' || value === '0' || value === 'false') return false
  if (value === '1' || value === 'true') return true
  throw new UsageError(`${name} takes 1 or 0 (true or false), not "${value}"`)
}

/**
 * Resolves gateway options once.
 * @example resolveGatewayOptions({ port: '9000' }) // { port: 9000, host: '127.0.0.1', dataDir: '/cwd/.ferry', … }
 */
export function resolveGatewayOptions(options: GatewayOptions = {}): ResolvedGatewayOptions {
  const env = options.env ?? process.env
  const token = options.token ?? env['FERRY_TOKEN']
  if (token !== undefined && token.length < 16) throw new UsageError('the admin token must be at least 16 characters')
  const cwd = options.cwd ?? process.cwd()
  const tlsCert = options.tlsCert ?? env['FERRY_TLS_CERT']
  const tlsKey = options.tlsKey ?? env['FERRY_TLS_KEY']
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw createGatewayError('E_TLS_OPTIONS_INCOMPLETE', `${tlsCert === undefined ? '--tls-key' : '--tls-cert'} was given without ${tlsCert === undefined ? '--tls-cert' : '--tls-key'}: HTTPS needs both`, { details: { option: tlsCert === undefined ? '--tls-cert' : '--tls-key' } })
  }
  const dataPlane = options.dataPlane ?? env['FERRY_DATA_PLANE'] ?? 'node'
  if (dataPlane !== 'node' && dataPlane !== 'nginx') {
    throw createGatewayError('E_DATA_PLANE_UNKNOWN', `unknown data plane "${String(dataPlane).slice(0, 40)}"; use node or nginx`, { details: { dataPlane: String(dataPlane).slice(0, 40), planes: ['node', 'nginx'] } })
  }
  return Object.freeze({
    dataPlane,
    port: parsePort(options.port ?? env['FERRY_PORT'] ?? 8080),
    host: options.host ?? env['FERRY_HOST'] ?? '127.0.0.1',
    dataDir: resolve(options.cwd ?? process.cwd(), options.dataDir ?? env['FERRY_HOME'] ?? '.ferry'),
    token,
    maxUploadBytes: positive('max upload size', options.maxUploadBytes ?? Number(env['FERRY_MAX_UPLOAD_MB'] ?? 4096) * 1024 * 1024),
    upstreamTimeoutMs: positive('upstream timeout', options.upstreamTimeoutMs ?? Number(env['FERRY_UPSTREAM_TIMEOUT_MS'] ?? 60_000)),
    requestHistory: positive('request history size', options.requestHistory ?? Number(env['FERRY_REQUEST_HISTORY'] ?? 100_000)),
    tls: tlsCert !== undefined && tlsKey !== undefined ? Object.freeze({ cert: resolve(cwd, tlsCert), key: resolve(cwd, tlsKey) }) : undefined,
    sessionTtlMs: positive('session length', options.sessionTtlMs ?? Number(env['FERRY_SESSION_MINUTES'] ?? 720) * 60_000),
    timeseriesSampleMs: positive('time-series sample interval', options.timeseriesSampleMs ?? Number(env['FERRY_TIMESERIES_SAMPLE_MS'] ?? 10_000)),
    requireSigned: options.requireSigned ?? parseFlag('FERRY_REQUIRE_SIGNED', env['FERRY_REQUIRE_SIGNED']),
  })
}
