/**
 * The proxy benchmark's scale case: 50 versions deployed at once (examples/echo under 50 names)
 * on the gateway already measured, then what must stay flat: the route lookup (in process, over
 * tables of 1, 50 and 500 models), the request rate through both planes, the gateway's RSS, and
 * the time of /openapi.json (every instance's API merged), the console's model list and an nginx
 * reload with that many routes.
 */
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { lookupRoute, type RoutingTable } from '../../gateway/routing/index.js'
import { createTableResolver } from '../../gateway/proxy/table-resolver.js'
import { roundTo, logNote } from './_measure.js'
import { callApi, deployEcho, measureTarget, type GatewayChild, type WrkFigures, type WrkOptions } from './_proxy-tools.js'

export interface ScaleFigures {
  versions: number
  /** ns per lookup of a name@selector in a table of that many models (the Node plane's per-request routing work). */
  routeLookupNs: Record<string, { lookupRoute: number; resolver: number }>
  gatewayRssMb: { oneVersion: number; fiftyVersions: number; goal: string; met: boolean }
  openapiMs: { oneVersion: number; fiftyVersions: number }
  consoleModelsMs: { oneVersion: number; fiftyVersions: number }
  /** Time from an alias set through the API to nginx serving it, with that many routes. */
  nginxApplyMs: number
  nodePlane: WrkFigures
  nginxPlane: WrkFigures
  deploySeconds: number
}

/** Median of `runs` timings of `work`, in ms. */
async function medianMs(runs: number, work: () => Promise<unknown>): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    await work()
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  return roundTo(times[Math.floor(times.length / 2)]!, 2)
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return roundTo(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024, 1)
}

function syntheticTable(models: number): RoutingTable {
  const table: RoutingTable = { revision: 1, builtAt: new Date().toISOString(), models: {} }
  for (let i = 0; i < models; i++) {
    const name = `echo-${i}`
    table.models[name] = {
      name, servedBy: 'instances', rollout: null, auth: { required: false, tokenSha256: [] }, aliases: { latest: '1.0.0', stable: '1.0.0' },
      versions: { '1.0.0': { version: '1.0.0', ref: `${name}@1.0.0`, endpoints: [{ replica: 0, host: '127.0.0.1', port: 40000 + i }], gatewayPaths: [], batching: null } },
    }
  }
  return table
}

function timeLookups(models: number): { lookupRoute: number; resolver: number } {
  const table = syntheticTable(models)
  const resolve = createTableResolver(() => table)
  const names = Array.from({ length: models }, (_, i) => `echo-${i}`)
  const req = { headers: {} } as Parameters<typeof resolve>[2]
  const rounds = 200_000
  let sink = 0
  const time = (work: (name: string) => void) => {
    for (let i = 0; i < 20_000; i++) work(names[i % models]!) // warm-up
    const started = process.hrtime.bigint()
    for (let i = 0; i < rounds; i++) work(names[i % models]!)
    return roundTo(Number(process.hrtime.bigint() - started) / rounds, 1)
  }
  const lookup = time((name) => { const found = lookupRoute(table, name, 'stable'); if (found.ok) sink += found.version.endpoints.length })
  const resolver = time((name) => { sink += resolve(name, 'stable', req).endpoints.length })
  if (sink < 0) throw new Error('unreachable')
  return { lookupRoute: lookup, resolver }
}

/** Deploys up to `versions` echo copies, then measures. `gateway`: its own listener (management calls, the Node plane); `nginxUrl`: the nginx plane; `pid`: the gateway's process. */
export async function runScaleCase(gateway: GatewayChild, nginxUrl: string, pid: number, work: string, versions: number, options: WrkOptions & { seconds: number }): Promise<ScaleFigures> {
  const auth = { authorization: `Bearer ${gateway.token}` }
  const openapi = () => fetch(`${gateway.url}/openapi.json`, { headers: auth }).then((r) => r.arrayBuffer())
  const models = () => fetch(`${gateway.url}/api/models`, { headers: auth }).then((r) => r.arrayBuffer())
  await openapi()
  const before = { rss: rssMb(pid), openapi: await medianMs(5, openapi), models: await medianMs(5, models) }
  logNote('proxy', `scale: deploying ${versions - 1} more copies of examples/echo (4 at a time)`)
  const started = performance.now()
  const names = Array.from({ length: versions - 1 }, (_, i) => `echo-${String(i + 2).padStart(2, '0')}`)
  for (let i = 0; i < names.length; i += 4) await Promise.all(names.slice(i, i + 4).map((name) => deployEcho(gateway, work, name)))
  const deploySeconds = roundTo((performance.now() - started) / 1000, 1)
  await openapi()
  const after = { rss: rssMb(pid), openapi: await medianMs(5, openapi), models: await medianMs(5, models) }
  const routeLookupNs = { '1': timeLookups(1), '50': timeLookups(50), '500': timeLookups(500) }
  // An alias set, then polled through nginx until it answers: the whole apply path (table, render, nginx -t, reload).
  const middle = names[Math.floor(names.length / 2)] ?? 'echo'
  const applyStarted = performance.now()
  await callApi(gateway, 'PUT', `/models/${middle}/aliases/scale`, JSON.stringify({ version: '1.0.0' }), 'application/json')
  for (;;) {
    try {
      const answer = await fetch(`${nginxUrl}/models/${middle}@scale/health`)
      await answer.arrayBuffer()
      if (answer.headers.get('x-ferry-plane') === 'nginx' && answer.status === 200) break // nginx itself, not its hand-over to Node
    } catch {
      // a keep-alive connection closed by a worker the reload retired
    }
    if (performance.now() - applyStarted > 30_000) break
    await sleep(5)
  }
  const nginxApplyMs = roundTo(performance.now() - applyStarted, 1)
  const nodePlane = await measureTarget(`node plane, ${versions} versions`, `${gateway.url}/models/${middle}/health`, options, options.seconds)
  const nginxPlane = await measureTarget(`nginx plane, ${versions} versions`, `${nginxUrl}/models/${middle}/health`, options, options.seconds)
  const fifty = rssMb(pid)
  return {
    versions, routeLookupNs, deploySeconds, nginxApplyMs, nodePlane, nginxPlane,
    gatewayRssMb: { oneVersion: before.rss, fiftyVersions: Math.max(after.rss, fifty), goal: '< 150', met: Math.max(after.rss, fifty) < 150 },
    openapiMs: { oneVersion: before.openapi, fiftyVersions: after.openapi },
    consoleModelsMs: { oneVersion: before.models, fiftyVersions: after.models },
  }
}
