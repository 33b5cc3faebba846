/**
 * The nginx renderer writes only plain names into the configuration, whatever the table holds: a
 * version an alias names, a canary's or a shadow's version, or an instance address with a quote,
 * semicolon, brace, `$` or newline is left to the Node plane (which routes by lookup, not by text),
 * and the configuration still passes `nginx -t`.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { findNginx } from '../gateway/nginx/nginx-binary.js'
import { renderNginxConfig } from '../gateway/nginx/render-config.js'
import type { ModelRoute, RoutingTable, VersionRoute } from '../gateway/routing/index.js'
import { makeTempDir } from './_helpers.js'

const INJECTED = '1.0.0"; return 200 "owned'
const version = (name: string, v: string, port: number, host = '127.0.0.1'): VersionRoute => ({ version: v, ref: `${name}@${v}`, endpoints: [{ replica: 0, host, port }], gatewayPaths: [], batching: null })
const model = (name: string, versions: VersionRoute[], aliases: Record<string, string>, rollout: ModelRoute['rollout'] = null): ModelRoute => ({
  name, servedBy: 'instances', rollout, auth: { required: false, tokenSha256: [] }, aliases, versions: Object.fromEntries(versions.map((v) => [v.version, v])),
})

test('a table with unsafe versions, rollout targets and addresses renders none of them, and nginx accepts the configuration', async (t) => {
  const table: RoutingTable = {
    revision: 3, builtAt: '2026-01-01T00:00:00.000Z',
    models: {
      // latest names a version whose text would close the quoted string and add a directive.
      alias: model('alias', [version('alias', '1.0.0', 41001), version('alias', INJECTED, 41002)], { latest: INJECTED, stable: '1.0.0' }),
      // A canary and a shadow whose versions are unsafe: latest is left to Node, the plain version stays.
      canary: model('canary', [version('canary', '1.0.0', 41003), version('canary', '2.0.0}\nserver {', 41004)], { latest: '1.0.0' }, { id: 1, split: { version: '2.0.0}\nserver {', weight: 50, sticky: false } }),
      shadow: model('shadow', [version('shadow', '1.0.0', 41005), version('shadow', "2.0.0'$x", 41006)], { latest: '1.0.0' }, { id: 2, mirror: { version: "2.0.0'$x", percent: 100, compare: 'exact' } }),
      address: model('address', [version('address', '1.0.0', 41007, '127.0.0.1;include /etc/passwd')], { latest: '1.0.0' }),
      plain: model('plain', [version('plain', '1.0.0', 41008)], { latest: '1.0.0' }),
    },
  }
  const tmp = await makeTempDir(t, 'ferry-nginx-render-')
  const prefix = join(tmp, 'prefix')
  const config = renderNginxConfig(table, { listen: { host: '127.0.0.1', port: 18080 }, nodePort: 19000, prefix, accessLog: join(prefix, 'access.jsonl'), upstreamTimeoutMs: 60_000, workers: 1 })
  for (const text of ['owned', '2.0.0}', "'$x", '/etc/passwd']) assert.ok(!config.includes(text), `the configuration holds no ${JSON.stringify(text)}`)
  assert.match(config, /location \^~ \/models\/alias@stable\//, 'an alias of a plain version is still carried by nginx')
  assert.doesNotMatch(config, /"\^\/models\/alias\(/, 'latest of the unsafe version is left to Node')
  assert.doesNotMatch(config, /"\^\/models\/canary\(/, 'latest with an unsafe canary is left to Node')
  assert.match(config, /location \^~ \/models\/canary@1\.0\.0\//)
  assert.doesNotMatch(config, /"\^\/models\/shadow\(/, 'latest with an unsafe shadow is left to Node')
  assert.ok(!config.includes('/models/address'), 'a version with an unsafe address is left to Node')
  assert.match(config, /"\^\/models\/plain\(\/\|\$\)"/, 'a plain model is carried by nginx')

  // nginx itself parses it (the temp paths must exist for -t).
  const nginx = findNginx()
  for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(prefix, dir), { recursive: true })
  const file = join(tmp, 'nginx.conf')
  await writeFile(file, config)
  const checked = spawnSync(nginx.path, ['-t', '-q', '-p', prefix, '-e', join(prefix, 'error.log'), '-c', file], { encoding: 'utf8' })
  assert.equal(checked.status, 0, checked.stderr)
})
