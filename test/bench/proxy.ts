/**
 * `proxy` benchmark: what each data plane costs per request, every row in ONE run against the
 * same examples/echo instance, with wrk (`GET /health`, -c32 by default) after a 2 s warm-up each:
 *   direct        the instance itself
 *   bareNginx     nginx as a plain reverse proxy (upstream keep-alive, access_log off): the native ceiling
 *   bareUndici    the barest undici Pool proxy in Node (test/fixtures/programs/bare-proxy.js): Node's ceiling
 *   nodePlane     Ferry's Node data plane, access log + prediction history + metrics on
 *   nginxPlane    Ferry's nginx data plane (`--data-plane nginx`), history + metrics on (from nginx's JSON log)
 * then the reload-under-load case (wrk on each plane while an alias is set and removed every
 * 250 ms: every change is a new routing table, for nginx a graceful reload) and the scale case
 * (_proxy-scale.ts: 50 versions deployed at once). One `ferry serve --data-plane nginx` serves
 * both planes: nginx at its URL, the Node plane at the gateway's own listener behind it.
 * Goals (issue 16): nodePlane ≥ 0.8 × bareUndici and ≤ 1 ms added p99; nginxPlane ≥ 0.9 ×
 * bareNginx; no request failed by a reload; gateway RSS < 150 MB with 50 versions.
 *
 * Options (argument → environment variable → default):
 *   --seconds <n>      measured seconds per row      FERRY_BENCH_PROXY_SECONDS      10
 *   --connections <n>  wrk connections               FERRY_BENCH_PROXY_CONNECTIONS  32
 *   --threads <n>      wrk threads                   (none)                         2
 *   --versions <n>     versions in the scale case    FERRY_BENCH_PROXY_VERSIONS     50 (1 skips it)
 *   --alternatives     also node:http, http-proxy and undici on two processes (slower)
 *   --cpu-prof <dir>   run the gateway under `node --cpu-prof`, profiles written to <dir> at exit
 * (--mb, --files, --runs, --images, --passes, --rps and --requests are accepted and ignored, so one command line can run every benchmark.)
 */
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { getFreePort } from '../../deployer/port-pool.js'
import { ferryPath } from '../../packager/repo-root.js'
import { BenchSetupError, hasCommand, logNote, removeOnSignal, roundTo } from './_measure.js'
import { callApi, deployEcho, measureTarget, nginxVersion, NGINX_WORKERS, processTree, runWrk, spawnService, startGatewayChild, stopChild, waitForOk, writeNginxConfig, type GatewayChild, type Killable, type WrkFigures, type WrkOptions } from './_proxy-tools.js'
import { rssMb, runScaleCase, type ScaleFigures } from './_proxy-scale.js'

export { callApi, nginxVersion, parseWrkOutput, spawnService, startGatewayChild, stopChild, waitForOk, writeNginxConfig, type Killable, type WrkFigures } from './_proxy-tools.js'

export interface ProxyBenchOptions extends WrkOptions {
  seconds: number
  versions: number
  alternatives: boolean
}

export interface ProxyBenchResult {
  benchmark: 'proxy'
  connections: number
  threads: number
  seconds: number
  /** cpuUsPerRequest: CPU (user + system) the row's proxy processes spent per request in its measured run. */
  rows: Record<'direct' | 'bareNginx' | 'bareUndici' | 'nodePlane' | 'nginxPlane', WrkFigures & { cpuUsPerRequest?: number }>
  /** Peer's CPU per request ÷ the plane's: 1 is as cheap as the peer. */
  cpuRatios: { nodePlaneVsBareUndici: number | null; nginxPlaneVsBareNginx: number | null }
  ratios: { nodePlaneVsBareUndici: number; nginxPlaneVsBareNginx: number; nodePlaneVsBareNginx: number; nginxPlaneVsNodePlane: number; bareUndiciVsBareNginx: number; bareNginxVsDirect: number }
  addedP99Ms: { nodePlane: number; nginxPlane: number; bareNginx: number; bareUndici: number }
  reloadUnderLoad: Record<'nodePlane' | 'nginxPlane', { changes: number; requests: number; failed: number; rps: number; p99Ms: number }>
  scale: ScaleFigures | null
  gatewayRssMb: number
  /** Extra Node ceilings (--alternatives). */
  alternatives: Record<string, WrkFigures>
  goals: Record<string, string>
  met: Record<string, boolean>
  notes: string[]
  machine: { node: string; nginx: string; platform: string; cpus: number; loadAverage: { start: number[]; end: number[] } }
}

const ALTERNATIVES = [
  { name: 'bare node:http', kind: 'node-http', workers: 1 },
  { name: 'bare http-proxy', kind: 'http-proxy', workers: 1 },
  { name: 'bare undici Pool x2', kind: 'undici', workers: 2 },
] as const

/** Reads the options from `args`, then the environment, then defaults. */
export function resolveProxyBenchOptions(args: string[], env: NodeJS.ProcessEnv = process.env): ProxyBenchOptions {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args,
      options: {
        seconds: { type: 'string' }, connections: { type: 'string' }, threads: { type: 'string' }, versions: { type: 'string' }, alternatives: { type: 'boolean' }, 'cpu-prof': { type: 'string' },
        mb: { type: 'string' }, files: { type: 'string' }, runs: { type: 'string' }, images: { type: 'string' }, passes: { type: 'string' }, rps: { type: 'string' }, requests: { type: 'string' }, concurrency: { type: 'string' },
      },
    }).values
  } catch (error) {
    throw new BenchSetupError(`proxy: ${(error as Error).message} (options: --seconds <n> --connections <n> --threads <n> --versions <n> --alternatives --cpu-prof <dir>)`)
  }
  const readWhole = (name: string, raw: string | boolean | undefined, fallback: number): number => {
    if (raw === undefined || raw === '' || typeof raw === 'boolean') return fallback
    const value = Number(raw)
    if (!Number.isInteger(value) || value < 1) throw new BenchSetupError(`proxy: ${name} must be a whole number ≥ 1, got "${raw}"`)
    return value
  }
  const threads = readWhole('--threads', values['threads'], 2)
  const connections = readWhole('--connections', values['connections'] ?? env['FERRY_BENCH_PROXY_CONNECTIONS'], 32)
  if (connections < threads) throw new BenchSetupError(`proxy: --connections (${connections}) must be ≥ --threads (${threads})`)
  return Object.freeze({
    seconds: readWhole('--seconds', values['seconds'] ?? env['FERRY_BENCH_PROXY_SECONDS'], 10),
    versions: readWhole('--versions', values['versions'] ?? env['FERRY_BENCH_PROXY_VERSIONS'], 50),
    alternatives: values['alternatives'] === true,
    connections,
    threads,
    warmUpSeconds: 2,
    cpuProfDir: typeof values['cpu-prof'] === 'string' ? resolve(values['cpu-prof']) : null,
  })
}

function assertToolsPresent(): void {
  const missing = [hasCommand('wrk', ['--version']) ? null : 'wrk', hasCommand('nginx', ['-v']) ? null : 'nginx'].filter((x) => x !== null)
  if (missing.length > 0) {
    throw new BenchSetupError(`${missing.map((m) => `\`${m}\``).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not installed: \`sudo apt-get install ${missing.join(' ')}\` (Debian/Ubuntu)`)
  }
  if (!existsSync(ferryPath('dist', 'gateway', 'cli', 'index.js'))) {
    throw new BenchSetupError('the Ferry CLI is not built (dist/gateway/cli/index.js is missing): run `npm run build`')
  }
}

/** wrk on `url` while an alias of echo is set and removed every 250 ms through the API (each a new routing table). */
async function measureUnderChanges(name: string, url: string, control: GatewayChild, options: ProxyBenchOptions) {
  const seconds = Math.max(4, Math.min(options.seconds, 8))
  logNote('proxy', `${name}: ${seconds} s of wrk while an alias changes every 250 ms`)
  let changes = 0
  let running = true
  const changing = (async () => {
    while (running) {
      await callApi(control, 'PUT', '/models/echo/aliases/bench', JSON.stringify({ version: '1.0.0' }), 'application/json')
      await sleep(125)
      await fetch(`${control.url}/api/models/echo/aliases/bench`, { method: 'DELETE', headers: { authorization: `Bearer ${control.token}` } }).then((r) => r.arrayBuffer())
      changes += 2
      await sleep(125)
    }
  })()
  const figures = await runWrk(url, seconds, options)
  running = false
  await changing
  return { changes, requests: figures.requests, failed: figures.errors, rps: figures.rps, p99Ms: figures.p99Ms }
}

/** Runs the benchmark; `args` as in resolveProxyBenchOptions. */
export async function runProxyBench(args: string[] = []): Promise<ProxyBenchResult> {
  const options = resolveProxyBenchOptions(args)
  assertToolsPresent()
  const loadAtStart = loadavg().map((n) => roundTo(n, 2))
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-proxy-'))
  const children = new Set<Killable>()
  const forgetSignals = removeOnSignal(work, children)
  let gateway: GatewayChild | undefined
  const services: ChildProcess[] = []
  const instanceGroups: Killable[] = []
  try {
    logNote('proxy', 'starting ferry serve --data-plane nginx (child) and deploying examples/echo through its API')
    gateway = await startGatewayChild(join(work, 'data'), options, children, ['--data-plane', 'nginx'])
    // Management calls go to the gateway's own listener: a keep-alive connection to nginx may be
    // closed by a worker a reload retires, and what is measured is only the planes' /models/ traffic.
    const control: GatewayChild = { ...gateway, url: gateway.nodeUrl }
    const echo = await deployEcho(control, work)
    const trackGroup = (pid: number | null) => {
      if (pid === null) return
      // Instances are their own process groups (detached); on Ctrl-C, take them down with the gateway.
      const group: Killable = { kill: (signal) => { try { process.kill(-pid, signal) } catch { /* already gone */ } } }
      instanceGroups.push(group)
      children.add(group)
    }
    trackGroup(echo.pid)
    const urls = {
      direct: `http://127.0.0.1:${echo.port}/health`,
      nodePlane: `${gateway.nodeUrl}/models/echo/health`,
      nginxPlane: `${gateway.url}/models/echo/health`,
      bareNginx: '',
      bareUndici: '',
    }
    await waitForOk(urls.direct, 'the echo instance')
    await waitForOk(urls.nodePlane, 'the Node plane', gateway.child)
    await waitForOk(urls.nginxPlane, 'the nginx plane', gateway.child)

    const nginxPort = await getFreePort('127.0.0.1')
    const bare = spawnService('nginx', ['-p', work, '-e', join(work, 'error.log'), '-c', writeNginxConfig(work, nginxPort, echo.port)], process.env, children)
    services.push(bare.child)
    urls.bareNginx = `http://127.0.0.1:${nginxPort}/health`
    try {
      await waitForOk(urls.bareNginx, 'bare nginx', bare.child)
    } catch (error) {
      let log = ''
      try { log = readFileSync(join(work, 'error.log'), 'utf8') } catch { /* none */ }
      throw new Error(`${(error as Error).message}\n${bare.output()}\n${log.slice(-2000)}`)
    }
    const undiciPort = await getFreePort('127.0.0.1')
    const undici = spawnService(process.execPath, [ferryPath('test', 'fixtures', 'programs', 'bare-proxy.js'), 'undici', String(undiciPort), String(echo.port), '1'], process.env, children)
    services.push(undici.child)
    urls.bareUndici = `http://127.0.0.1:${undiciPort}/health`
    await waitForOk(urls.bareUndici, 'bare undici proxy', undici.child)

    // Whose CPU each row costs: the proxy's processes (for the nginx plane, its nginx and the Node
    // gateway reading nginx's log into the history and metrics), the instance's for direct.
    const gatewayPid = gateway.child.pid!
    const nginxMaster = () => Number(readFileSync(join(work, 'data', 'nginx', 'nginx.pid'), 'utf8').trim())
    const pidsOf: Record<keyof ProxyBenchResult['rows'], () => number[]> = {
      direct: () => (echo.pid ? processTree(echo.pid) : []),
      bareNginx: () => processTree(bare.child.pid!),
      bareUndici: () => [undici.child.pid!],
      nodePlane: () => [gatewayPid],
      nginxPlane: () => [gatewayPid, ...processTree(nginxMaster())],
    }
    const rows = {} as ProxyBenchResult['rows']
    for (const name of ['direct', 'bareNginx', 'bareUndici', 'nodePlane', 'nginxPlane'] as const) rows[name] = await measureTarget(name, urls[name], options, options.seconds, pidsOf[name])
    const gatewayRss = rssMb(gateway.child.pid!)

    const alternatives: Record<string, WrkFigures> = {}
    if (options.alternatives) {
      for (const alternative of ALTERNATIVES) {
        const port = await getFreePort('127.0.0.1')
        const service = spawnService(process.execPath, [ferryPath('test', 'fixtures', 'programs', 'bare-proxy.js'), alternative.kind, String(port), String(echo.port), String(alternative.workers)], process.env, children)
        try {
          await waitForOk(`http://127.0.0.1:${port}/health`, alternative.name, service.child)
          alternatives[alternative.name] = await measureTarget(alternative.name, `http://127.0.0.1:${port}/health`, options, options.seconds)
        } finally {
          await stopChild(service.child)
        }
      }
    }

    const reloadUnderLoad = {
      nodePlane: await measureUnderChanges('node plane under changes', urls.nodePlane, control, options),
      nginxPlane: await measureUnderChanges('nginx plane under reloads', urls.nginxPlane, control, options),
    }
    const scale = options.versions > 1 ? await runScaleCase(control, gateway.url, gateway.child.pid!, work, options.versions, { ...options, seconds: Math.max(3, Math.round(options.seconds / 2)) }) : null

    const ratio = (a: number, b: number) => roundTo(a / b, 3)
    const ratios = {
      nodePlaneVsBareUndici: ratio(rows.nodePlane.rps, rows.bareUndici.rps),
      nginxPlaneVsBareNginx: ratio(rows.nginxPlane.rps, rows.bareNginx.rps),
      nodePlaneVsBareNginx: ratio(rows.nodePlane.rps, rows.bareNginx.rps),
      nginxPlaneVsNodePlane: ratio(rows.nginxPlane.rps, rows.nodePlane.rps),
      bareUndiciVsBareNginx: ratio(rows.bareUndici.rps, rows.bareNginx.rps),
      bareNginxVsDirect: ratio(rows.bareNginx.rps, rows.direct.rps),
    }
    // The same comparisons by CPU per request (cheaper is higher): less moved than req/s by a shared machine, not unmoved.
    const cpuRatio = (a: WrkFigures & { cpuUsPerRequest?: number }, b: WrkFigures & { cpuUsPerRequest?: number }) => (a.cpuUsPerRequest && b.cpuUsPerRequest ? ratio(b.cpuUsPerRequest, a.cpuUsPerRequest) : null)
    const cpuRatios = { nodePlaneVsBareUndici: cpuRatio(rows.nodePlane, rows.bareUndici), nginxPlaneVsBareNginx: cpuRatio(rows.nginxPlane, rows.bareNginx) }
    const added = (row: WrkFigures) => roundTo(row.p99Ms - rows.direct.p99Ms, 3)
    const addedP99Ms = { nodePlane: added(rows.nodePlane), nginxPlane: added(rows.nginxPlane), bareNginx: added(rows.bareNginx), bareUndici: added(rows.bareUndici) }
    const goals = { nodePlaneVsBareUndici: '>= 0.8', nodePlaneAddedP99Ms: '<= 1 (where bareUndici manages it)', nginxPlaneVsBareNginx: '>= 0.9', reloadFailures: '0', gatewayRssMbAt50Versions: '< 150' }
    const met = {
      nodePlaneVsBareUndici: ratios.nodePlaneVsBareUndici >= 0.8,
      nodePlaneAddedP99Ms: addedP99Ms.nodePlane <= 1,
      nginxPlaneVsBareNginx: ratios.nginxPlaneVsBareNginx >= 0.9,
      reloadFailures: reloadUnderLoad.nginxPlane.failed === 0 && reloadUnderLoad.nodePlane.failed === 0,
      gatewayRssMbAt50Versions: scale?.gatewayRssMb.met ?? false,
    }
    const cores = cpus().length
    const notes = [
      `GET /health of one examples/echo replica at ${options.connections} connections, wrk -t${options.threads} --latency; each row warmed up ${options.warmUpSeconds} s, then measured ${options.seconds} s, in the order direct, bareNginx, bareUndici, nodePlane, nginxPlane.`,
      `one \`ferry serve --data-plane nginx\` child${options.cpuProfDir ? ` under --cpu-prof (slower; profiles in ${options.cpuProfDir})` : ''}: nginxPlane is its nginx (worker_processes ${NGINX_WORKERS}), nodePlane its Node listener behind nginx (the same code as the default --data-plane node); both with the prediction history and metrics on, the Node plane with the access log too.`,
      `bareNginx: nginx ${nginxVersion()} with worker_processes ${NGINX_WORKERS}, upstream keepalive 64, access_log off; bareUndici: test/fixtures/programs/bare-proxy.js (no routing, records or error pages).`,
      `wrk, the proxies and the echo instance share ${cores} CPU core(s) (and, on a shared machine, the other users' load: see machine.loadAverage).`,
      'cpuUsPerRequest: user + system CPU of the row\'s proxy processes (from /proc/<pid>/stat) in its measured run, per request; cpuRatios compares the planes with their peers by it (peer ÷ plane), which other load on the cores moves less than req/s (though it still moves: run it on a quiet machine).',
      'reloadUnderLoad: wrk on each plane while an alias of echo is set and removed every 250 ms (each change a new routing table; for nginx a checked graceful reload); failed counts non-2xx answers and socket errors.',
      ...(scale ? [`scale: examples/echo deployed under ${scale.versions} names (${scale.versions} model@versions running at once); routeLookupNs times the Node plane's lookup over synthetic tables of 1, 50 and 500 models in this process.`] : []),
    ]
    return {
      benchmark: 'proxy', connections: options.connections, threads: options.threads, seconds: options.seconds,
      rows, ratios, cpuRatios, addedP99Ms, reloadUnderLoad, scale, gatewayRssMb: gatewayRss, alternatives, goals, met, notes,
      machine: { node: process.version, nginx: nginxVersion(), platform: `${process.platform}-${process.arch}`, cpus: cores, loadAverage: { start: loadAtStart, end: loadavg().map((n) => roundTo(n, 2)) } },
    }
  } finally {
    for (const child of services) await stopChild(child, child.spawnfile === 'nginx' ? 'SIGQUIT' : 'SIGTERM')
    // The gateway stops its instances and its nginx on SIGTERM (and, under --cpu-prof, must exit normally for the profile to be written).
    if (gateway) await stopChild(gateway.child, 'SIGTERM')
    for (const child of children) child.kill('SIGKILL')
    for (const group of instanceGroups) group.kill('SIGKILL')
    forgetSignals()
    rmSync(work, { recursive: true, force: true })
  }
}

