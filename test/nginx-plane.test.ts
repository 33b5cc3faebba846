/**
 * The nginx data plane beyond the shared contract: refusing to start without a usable nginx,
 * what the rendered configuration holds (no token, no hash), and nginx supervised: killed, it is
 * started again and serves the same routes.
 */
import assert from 'node:assert/strict'
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { renderNginxConfig } from '../gateway/nginx/render-config.js'
import { findNginx } from '../gateway/nginx/nginx-binary.js'
import type { RoutingTable } from '../gateway/routing/index.js'
import { startGateway } from '../gateway/server.js'
import { FAST, packFixture, waitFor } from './_deployer-helpers.js'
import { makeTempDir } from './_helpers.js'

/** Processes of a process group that still run (zombies left for a PID 1 that does not reap are not counted). */
async function liveInGroup(pgid: number): Promise<number[]> {
  const live: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // state ppid pgrp …
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') live.push(Number(entry))
    } catch {
      // gone meanwhile
    }
  }
  return live
}

test('--data-plane nginx is refused with a clear code when nginx is missing, too old or without auth_request, and an unknown plane too', async (t) => {
  const tmp = await makeTempDir(t, 'ferry-nginx-refuse-')
  assert.throws(() => findNginx(join(tmp, 'no-such-nginx')), { code: 'E_NGINX_MISSING' })
  const old = join(tmp, 'old-nginx')
  await writeFile(old, '#!/bin/sh\necho "nginx version: nginx/1.14.2" >&2\necho "configure arguments: --with-http_auth_request_module" >&2\n')
  await chmod(old, 0o755)
  assert.throws(() => findNginx(old), (error: { code: string; details: { version: string } }) => error.code === 'E_NGINX_TOO_OLD' && error.details.version === '1.14.2')
  const bare = join(tmp, 'bare-nginx')
  await writeFile(bare, '#!/bin/sh\necho "nginx version: nginx/1.24.0" >&2\necho "configure arguments: --with-http_ssl_module" >&2\n')
  await chmod(bare, 0o755)
  assert.throws(() => findNginx(bare), (error: { code: string; details: { missing: string } }) => error.code === 'E_NGINX_TOO_OLD' && error.details.missing === 'http_auth_request_module')
  const dataDir = join(tmp, 'data')
  await assert.rejects(startGateway({ port: 0, dataDir, dataPlane: 'nginx', env: { PATH: join(tmp, 'empty') } }), { code: 'E_NGINX_MISSING' })
  await assert.rejects(startGateway({ port: 0, dataDir, dataPlane: 'envoy', env: {} }), { code: 'E_DATA_PLANE_UNKNOWN' })
})

test('the rendered configuration routes what nginx can carry, hands the rest to Node, and holds no token', () => {
  const secretHash = 'a'.repeat(64)
  const table: RoutingTable = {
    revision: 7, builtAt: '2026-01-01T00:00:00.000Z',
    models: {
      echo: {
        name: 'echo', servedBy: 'instances', rollout: { id: 3, split: { version: '1.1.0', weight: 20, sticky: true } }, auth: { required: true, tokenSha256: [secretHash] },
        aliases: { latest: '1.0.0' },
        versions: {
          '1.0.0': { version: '1.0.0', ref: 'echo@1.0.0', endpoints: [{ replica: 0, host: '127.0.0.1', port: 41001 }, { replica: 1, host: '127.0.0.1', port: 41002 }], gatewayPaths: [], batching: null },
          '1.1.0': { version: '1.1.0', ref: 'echo@1.1.0', endpoints: [{ replica: 0, host: '127.0.0.1', port: 41003 }], gatewayPaths: [], batching: null },
          '0.9.0': { version: '0.9.0', ref: 'echo@0.9.0', endpoints: [], gatewayPaths: [], batching: null },
        },
      },
      flow: { name: 'flow', servedBy: 'gateway', rollout: null, auth: { required: false, tokenSha256: [] }, aliases: { latest: '1.0.0' }, versions: { '1.0.0': { version: '1.0.0', ref: 'flow@1.0.0', endpoints: [], gatewayPaths: ['/'], batching: null } } },
    },
  }
  const config = renderNginxConfig(table, { listen: { host: '127.0.0.1', port: 8080 }, nodePort: 9000, prefix: '/tmp/p', accessLog: '/tmp/p/access.jsonl', upstreamTimeoutMs: 60_000, workers: 1 })
  assert.equal(renderNginxConfig(table, { listen: { host: '127.0.0.1', port: 8080 }, nodePort: 9000, prefix: '/tmp/p', accessLog: '/tmp/p/access.jsonl', upstreamTimeoutMs: 60_000, workers: 1 }), config, 'the same table renders the same text')
  assert.ok(!config.includes(secretHash), 'no token hash in the configuration')
  assert.match(config, /auth_request \/_ferry\/auth\/echo;/)
  assert.match(config, /server 127\.0\.0\.1:41001 max_fails=0;\n\s+server 127\.0\.0\.1:41002/)
  assert.match(config, /split_clients "\$ferry_session_key" \$ferry_pick_\w+ \{ 20% canary; \* stable; \}/)
  assert.match(config, /location \^~ \/models\/echo@1\.0\.0\//)
  assert.ok(!config.includes('/models/echo@0.9.0'), 'a version with no ready replica is left to Node (503)')
  assert.ok(!config.includes('/models/flow'), 'a name the gateway serves itself is left to Node')
  assert.match(config, /upstream ferry_node \{\n\s+server 127\.0\.0\.1:9000;/)
  assert.match(config, /Routing table revision 7/)
})

test('nginx is supervised: killed, it is started again and serves the same routes', { timeout: 120_000 }, async (t) => {
  const tmp = await makeTempDir(t, 'ferry-nginx-supervised-')
  const gateway = await startGateway({ port: 0, host: '127.0.0.1', dataDir: join(tmp, 'data'), dataPlane: 'nginx', deployer: { ...FAST, healthIntervalMs: 1000 } })
  t.after(() => gateway.close())
  const auth = { authorization: `Bearer ${gateway.token}` }
  const uploaded = await (await fetch(`${gateway.url}/api/packages`, { method: 'POST', headers: { ...auth, 'content-type': 'application/zip' }, body: await readFile(await packFixture('plane-model', tmp)) })).json() as { digest: string }
  assert.equal((await fetch(`${gateway.url}/api/deployments`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ package: uploaded.digest }) })).status, 201)
  await gateway.routingSettled()
  const served = async () => { try { const r = await fetch(`${gateway.url}/models/plane/headers`); await r.arrayBuffer(); return r.headers.get('x-ferry-plane') === 'nginx' && r.status === 200 } catch { return false } }
  assert.ok(await served(), 'latest, a version and an alias are carried by nginx itself, not handed to Node')
  for (const path of ['/models/plane@1.0.0/headers', '/models/plane@latest/headers']) assert.equal((await fetch(`${gateway.url}${path}`)).headers.get('x-ferry-plane'), 'nginx', path)
  assert.equal((await fetch(`${gateway.url}/models/plane@9.9.9/headers`)).headers.get('x-ferry-plane'), null, 'an unknown version is answered by Node')
  const before = gateway.nginx!.process.pid!
  process.kill(before, 'SIGKILL')
  await waitFor(async () => gateway.nginx!.process.restarts === 1 && (await served()), 20_000, 'nginx back')
  assert.notEqual(gateway.nginx!.process.pid, before)
  assert.deepEqual(await liveInGroup(before), [], 'no worker of the killed master is left')
  const config = await readFile(join(gateway.dataDir, 'nginx', 'nginx.conf'), 'utf8')
  assert.match(config, /daemon off;/)
  const pid = gateway.nginx!.process.pid!
  await gateway.close()
  assert.deepEqual(await liveInGroup(pid), [], 'nothing of nginx is left after the gateway closed')
})
