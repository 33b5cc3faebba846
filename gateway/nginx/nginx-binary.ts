/**
 * Finds the nginx the nginx data plane runs and checks it can: on the PATH, 1.18 or later (mirror,
 * split_clients and map regex captures are older; 1.18 is the oldest Debian stable has shipped
 * for years), with the auth_request module (model tokens). Refuses with a clear error otherwise.
 */
import { spawnSync } from 'node:child_process'
import { createGatewayError } from '../errors.js'

export const MIN_NGINX_VERSION = [1, 18, 0] as const

export interface NginxBinary {
  path: string
  version: string
}

/**
 * @example const nginx = findNginx() // { path: 'nginx', version: '1.22.1' }, or throws E_NGINX_MISSING / E_NGINX_TOO_OLD
 */
export function findNginx(command = 'nginx', env: NodeJS.ProcessEnv = process.env): NginxBinary {
  const probe = spawnSync(command, ['-V'], { encoding: 'utf8', env })
  if (probe.error || probe.status !== 0) {
    throw createGatewayError('E_NGINX_MISSING', `--data-plane nginx needs nginx on the PATH, and \`${command} -V\` ${probe.error ? `failed: ${(probe.error as NodeJS.ErrnoException).code ?? probe.error.message}` : `exited with ${probe.status}`}`, { details: { command } })
  }
  const output = `${probe.stdout ?? ''}${probe.stderr ?? ''}`
  const version = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(output)
  if (!version) throw createGatewayError('E_NGINX_TOO_OLD', `cannot read the version of ${command} from \`nginx -V\``, { details: { command, found: output.slice(0, 200) } })
  const found = version.slice(1, 4).map(Number)
  const text = found.join('.')
  const older = found[0]! - MIN_NGINX_VERSION[0] || found[1]! - MIN_NGINX_VERSION[1] || found[2]! - MIN_NGINX_VERSION[2]
  if (older < 0) throw createGatewayError('E_NGINX_TOO_OLD', `nginx ${text} is older than ${MIN_NGINX_VERSION.join('.')}, the oldest the nginx data plane supports`, { details: { command, version: text, minimum: MIN_NGINX_VERSION.join('.') } })
  if (!output.includes('--with-http_auth_request_module')) {
    throw createGatewayError('E_NGINX_TOO_OLD', `nginx ${text} is built without the auth_request module, which model tokens need`, { details: { command, version: text, missing: 'http_auth_request_module' } })
  }
  return { path: command, version: text }
}
