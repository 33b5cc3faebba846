/**
 * `proxy` benchmark: what the gateway's model proxy costs per request. `wrk` (Debian package `wrk`)
 * drives `GET /health` of one examples/echo instance three ways in one run, each after a 2 s warm-up:
 * direct (`http://127.0.0.1:<instance>/health`), through the gateway (`/models/echo/health`), and
 * through nginx (Debian package `nginx`) as a reverse proxy with upstream keep-alive; then, for
 * scale, the barest proxy each Node HTTP client allows (node:http, undici's Pool, http-proxy, and
 * undici on two processes). Reports req/s and p50/p99 for each and the ratios. Goal (issue): gateway ≥ 0.8 × nginx's throughput and ≤ 1 ms
 * added p99 (gateway p99 minus direct p99).
 *
 * The gateway is a real `ferry serve` in a child process (`node bin/ferry.js serve --port 0 --data
 * <tmp> --json`, token given through FERRY_TOKEN); echo is packed here with packFolder and uploaded
 * and deployed through its management API, exactly as a user would. nginx runs with one worker, as
 * the gateway is one Node event loop: same CPU budget for both proxies. wrk, the gateway, nginx
 * and the echo instance are all separate processes, so none shares the bench's event loop.
 *
 * Options (argument → environment variable → default):
 *   --seconds <n>      measured seconds per target   FERRY_BENCH_PROXY_SECONDS   10
 *   --connections <n>  wrk connections               FERRY_BENCH_PROXY_CONNECTIONS  32
 *   --threads <n>      wrk threads                   (none)                      2
 *   --cpu-prof <dir>   run the gateway under `node --cpu-prof`, profiles written to <dir> at exit
 * (--mb, --files, --runs, --images and --passes are accepted and ignored, so `npm run bench -- --mb 100` can run every benchmark.)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { getFreePort } from '../../deployer/port-pool.js'
import { packFolder } from '../../packager/pack.js'
import { ferryPath } from '../../packager/repo-root.js'
import { BenchSetupError, hasCommand, logNote, removeOnSignal, roundTo, runTimed } from './_measure.js'

export interface ProxyBenchOptions {
  seconds: number
  connections: number
  threads: number
  warmUpSeconds: number
  cpuProfDir: string | null
}

export interface WrkFigures {
  rps: number
  p50Ms: number
  p99Ms: number
  requests: number
  /** Non-2xx/3xx responses plus socket errors (connect, read, write, timeout); 0 when all went well. */
  errors: number
}

export interface ProxyBenchResult {
  benchmark: 'proxy'
  connections: number
  threads: number
  seconds: number
  direct: WrkFigures
  gateway: WrkFigures
  nginx: WrkFigures
  /** The smallest proxy each Node client library allows (no routing, logging or metrics): Node's ceiling here. */
  alternatives: Record<string, WrkFigures & { vsNginx: number }>
  ratios: { gatewayVsNginx: number; gatewayVsDirect: number; nginxVsDirect: number }
  addedP99Ms: { gateway: number; nginx: number }
  goals: { gatewayVsNginx: string; addedP99Ms: string }
  met: { gatewayVsNginx: boolean; addedP99Ms: boolean }
  notes: string[]
  machine: { node: string; nginx: string; platform: string; cpus: number; loadAverage: number[] }
}

const GOAL_RATIO = 0.8
const GOAL_ADDED_P99_MS = 1
const READY_TIMEOUT_MS = 15_000
const STOP_TIMEOUT_MS = 15_000
const NGINX_WORKERS = 1

/** Bare proxies measured after the three targets, in this order. */
const ALTERNATIVES = [
  { name: 'bare node:http', kind: 'node-http', workers: 1 },
  { name: 'bare undici Pool', kind: 'undici', workers: 1 },
  { name: 'bare http-proxy', kind: 'http-proxy', workers: 1 },
  { name: 'bare undici Pool x2', kind: 'undici', workers: 2 },
] as const

export type Killable = { kill(signal: NodeJS.Signals): unknown }

/** Reads the options from `args`, then the environment, then defaults. */
export function resolveProxyBenchOptions(args: string[], env: NodeJS.ProcessEnv = process.env): ProxyBenchOptions {
  let values: Record<string, string | undefined>
  try {
    values = parseArgs({
      args,
      options: {
        seconds: { type: 'string' }, connections: { type: 'string' }, threads: { type: 'string' }, 'cpu-prof': { type: 'string' },
        mb: { type: 'string' }, files: { type: 'string' }, runs: { type: 'string' }, images: { type: 'string' }, passes: { type: 'string' },
      },
    }).values as Record<string, string | undefined>
  } catch (error) {
    throw new BenchSetupError(`proxy: ${(error as Error).message} (options: --seconds <n> --connections <n> --threads <n> --cpu-prof <dir>)`)
  }
  const readWhole = (name: string, raw: string | undefined, fallback: number): number => {
    if (raw === undefined || raw === '') return fallback
    const value = Number(raw)
    if (!Number.isInteger(value) || value < 1) throw new BenchSetupError(`proxy: ${name} must be a whole number ≥ 1, got "${raw}"`)
    return value
  }
  const threads = readWhole('--threads', values['threads'], 2)
  const connections = readWhole('--connections', values['connections'] ?? env['FERRY_BENCH_PROXY_CONNECTIONS'], 32)
  if (connections < threads) throw new BenchSetupError(`proxy: --connections (${connections}) must be ≥ --threads (${threads})`)
  return Object.freeze({
    seconds: readWhole('--seconds', values['seconds'] ?? env['FERRY_BENCH_PROXY_SECONDS'], 10),
    connections,
    threads,
    warmUpSeconds: 2,
    cpuProfDir: values['cpu-prof'] ? resolve(values['cpu-prof']) : null,
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

// ── wrk ───────────────────────────────────────────────────────────────────────

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 }

function parseDurationMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim())
  if (!match) throw new Error(`wrk: cannot read the duration "${text}"`)
  return Number(match[1]) * UNIT_MS[match[2]!]!
}

/** Reads req/s, p50, p99, request and error counts from `wrk --latency` output. */
export function parseWrkOutput(output: string): WrkFigures {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output)
  const p50 = /^\s+50%\s+(\S+)/m.exec(output)
  const p99 = /^\s+99%\s+(\S+)/m.exec(output)
  const requests = /(\d+) requests in /.exec(output)
  if (!rps || !p50 || !p99 || !requests) throw new Error(`wrk: unexpected output:\n${output.trim().slice(-2000)}`)
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)
  const errors = Number(non2xx?.[1] ?? 0) + (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0)
  return { rps: roundTo(Number(rps[1]), 0), p50Ms: roundTo(parseDurationMs(p50[1]!), 3), p99Ms: roundTo(parseDurationMs(p99[1]!), 3), requests: Number(requests[1]), errors }
}

async function runWrk(url: string, seconds: number, options: ProxyBenchOptions): Promise<WrkFigures> {
  const run = await runTimed('wrk', [`-t${options.threads}`, `-c${options.connections}`, `-d${seconds}s`, '--latency', url], { cwd: tmpdir() })
  if (run.code !== 0) throw new Error(`wrk ${url} exited with ${run.code}:\n${(run.stderr || run.stdout).trim().slice(-2000)}`)
  return parseWrkOutput(run.stdout)
}

async function measureTarget(name: string, url: string, options: ProxyBenchOptions): Promise<WrkFigures> {
  logNote('proxy', `${name}: warm-up ${options.warmUpSeconds} s, then ${options.seconds} s at ${options.connections} connections — ${url}`)
  await runWrk(url, options.warmUpSeconds, options)
  const figures = await runWrk(url, options.seconds, options)
  logNote('proxy', `${name}: ${figures.rps} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms${figures.errors ? `, ${figures.errors} errors` : ''}`)
  return figures
}

// ── Processes ─────────────────────────────────────────────────────────────────

/** Polls `url` until it answers 200 or the time runs out. */
export async function waitForOk(url: string, what: string, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`${what} exited before answering ${url}`)
    try {
      const response = await fetch(url)
      await response.arrayBuffer()
      if (response.status === 200) return
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what} did not answer 200 at ${url} within ${READY_TIMEOUT_MS} ms`)
    await sleep(25)
  }
}

/** Spawns a long-running child with its output captured (the tail is kept for error messages). */
export function spawnService(command: string, args: string[], env: NodeJS.ProcessEnv, children: Set<Killable>): { child: ChildProcess; output: () => string; stdoutLines: AsyncIterable<string> } {
  const child = spawn(command, args, { cwd: ferryPath(), env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  child.once('exit', () => children.delete(child))
  let tail = ''
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-4000))
  child.stderr!.on('data', keep)
  const lines: string[] = []
  const waiters: Array<() => void> = []
  let pending = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    keep(chunk)
    pending += chunk.toString('utf8')
    const parts = pending.split('\n')
    pending = parts.pop()!
    lines.push(...parts)
    waiters.splice(0).forEach((wake) => wake())
  })
  child.once('exit', () => waiters.splice(0).forEach((wake) => wake()))
  const stdoutLines: AsyncIterable<string> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (lines.length > 0) yield lines.shift()!
        if (child.exitCode !== null || child.signalCode !== null) return
        await new Promise<void>((wake) => waiters.push(wake))
      }
    },
  }
  return { child, output: () => tail, stdoutLines }
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    child.once('exit', () => {
      clearTimeout(timer)
      done()
    })
    child.kill(signal)
  })
}

export interface GatewayChild {
  child: ChildProcess
  url: string
  token: string
}

/** `ferry serve --port 0 --data <dir> --json` in a child; resolves once it printed its URL. */
export async function startGatewayChild(dataDir: string, options: ProxyBenchOptions, children: Set<Killable>): Promise<GatewayChild> {
  const token = randomBytes(24).toString('hex')
  const nodeArgs = options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []
  const service = spawnService(process.execPath, [...nodeArgs, ferryPath('bin', 'ferry.js'), 'serve', '--port', '0', '--data', dataDir, '--json'], { ...process.env, FERRY_TOKEN: token }, children)
  const timeout = setTimeout(() => service.child.kill('SIGKILL'), READY_TIMEOUT_MS)
  try {
    for await (const line of service.stdoutLines) {
      if (!line.startsWith('{')) continue
      const { url } = JSON.parse(line) as { url: string }
      return { child: service.child, url, token }
    }
  } finally {
    clearTimeout(timeout)
  }
  throw new Error(`ferry serve exited (${service.child.exitCode ?? service.child.signalCode}) before printing its URL:\n${service.output().trim()}`)
}

export async function callApi<T>(gateway: GatewayChild, method: string, path: string, body: Buffer | string, contentType: string): Promise<T> {
  const response = await fetch(`${gateway.url}/api${path}`, { method, body, headers: { authorization: `Bearer ${gateway.token}`, 'content-type': contentType } })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} /api${path}: ${response.status} ${text.slice(0, 1000)}`)
  return JSON.parse(text) as T
}

interface DeployedEcho {
  name: string
  port: number
  pid: number | null
}

/** Packs examples/echo, uploads it and deploys it through the gateway's API. */
async function deployEcho(gateway: GatewayChild, work: string): Promise<DeployedEcho> {
  const zip = (await packFolder({ dir: ferryPath('examples', 'echo'), outDir: join(work, 'pack') })).path
  const pkg = await callApi<{ digest: string }>(gateway, 'POST', '/packages', readFileSync(zip), 'application/zip')
  const info = await callApi<{ name: string; replicas: Array<{ port: number | null; pid: number | null }> }>(gateway, 'POST', '/deployments', JSON.stringify({ package: pkg.digest }), 'application/json')
  const replica = info.replicas[0]
  if (!replica || replica.port === null) throw new Error(`the echo deployment has no replica with a port: ${JSON.stringify(info)}`)
  return { name: info.name, port: replica.port, pid: replica.pid }
}

export function writeNginxConfig(prefix: string, listenPort: number, upstreamPort: number): string {
  const asRoot = process.getuid?.() === 0
  const file = join(prefix, 'nginx.conf')
  writeFileSync(file, [
    ...(asRoot ? ['user root;'] : []),
    'daemon off;',
    'master_process on;',
    `worker_processes ${NGINX_WORKERS};`,
    `pid ${join(prefix, 'nginx.pid')};`,
    `error_log ${join(prefix, 'error.log')} warn;`,
    'events { worker_connections 4096; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${join(prefix, 'client_body')};`,
    `  proxy_temp_path ${join(prefix, 'proxy')};`,
    `  fastcgi_temp_path ${join(prefix, 'fastcgi')};`,
    `  uwsgi_temp_path ${join(prefix, 'uwsgi')};`,
    `  scgi_temp_path ${join(prefix, 'scgi')};`,
    '  keepalive_requests 1000000;',
    `  upstream u { server 127.0.0.1:${upstreamPort}; keepalive 64; }`,
    '  server {',
    `    listen 127.0.0.1:${listenPort};`,
    '    location / { proxy_pass http://u; proxy_http_version 1.1; proxy_set_header Connection ""; }',
    '  }',
    '}',
    '',
  ].join('\n'))
  return file
}

/** nginx's version; `nginx -v` prints it on stderr. */
export function nginxVersion(): string {
  const result = spawnSync('nginx', ['-v'], { encoding: 'utf8' })
  return /nginx\/(\S+)/.exec(`${result.stdout ?? ''}${result.stderr ?? ''}`)?.[1] ?? 'unknown'
}

// ── Run ───────────────────────────────────────────────────────────────────────

/** Runs the benchmark; `args` as in resolveProxyBenchOptions. */
export async function runProxyBench(args: string[] = []): Promise<ProxyBenchResult> {
  const options = resolveProxyBenchOptions(args)
  assertToolsPresent()
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-proxy-'))
  const children = new Set<Killable>()
  const forgetSignals = removeOnSignal(work, children)
  let gateway: GatewayChild | undefined
  let nginx: ChildProcess | undefined
  let instanceGroup: Killable | undefined
  try {
    logNote('proxy', 'starting ferry serve (child) and deploying examples/echo through its API')
    gateway = await startGatewayChild(join(work, 'data'), options, children)
    const echo = await deployEcho(gateway, work)
    if (echo.pid !== null) {
      // The instance is its own process group (detached); on Ctrl-C, take it down with the gateway.
      const group = echo.pid
      instanceGroup = { kill: (signal) => { try { process.kill(-group, signal) } catch { /* already gone */ } } }
      children.add(instanceGroup)
    }
    const directUrl = `http://127.0.0.1:${echo.port}/health`
    const gatewayUrl = `${gateway.url}/models/${echo.name}/health`
    await waitForOk(directUrl, 'the echo instance')
    await waitForOk(gatewayUrl, 'the gateway', gateway.child)

    const nginxPort = await getFreePort('127.0.0.1')
    const config = writeNginxConfig(work, nginxPort, echo.port)
    const nginxService = spawnService('nginx', ['-p', work, '-e', join(work, 'error.log'), '-c', config], process.env, children)
    nginx = nginxService.child
    const nginxUrl = `http://127.0.0.1:${nginxPort}/health`
    try {
      await waitForOk(nginxUrl, 'nginx', nginx)
    } catch (error) {
      let log = ''
      try { log = readFileSync(join(work, 'error.log'), 'utf8') } catch { /* none */ }
      throw new Error(`${(error as Error).message}\n${nginxService.output()}\n${log.slice(-2000)}`)
    }

    const direct = await measureTarget('direct', directUrl, options)
    const viaGateway = await measureTarget('gateway', gatewayUrl, options)
    const viaNginx = await measureTarget('nginx', nginxUrl, options)

    const alternatives: ProxyBenchResult['alternatives'] = {}
    for (const alternative of ALTERNATIVES) {
      const port = await getFreePort('127.0.0.1')
      const service = spawnService(process.execPath, [ferryPath('test', 'fixtures', 'programs', 'bare-proxy.js'), alternative.kind, String(port), String(echo.port), String(alternative.workers)], process.env, children)
      try {
        await waitForOk(`http://127.0.0.1:${port}/health`, alternative.name, service.child)
        const figures = await measureTarget(alternative.name, `http://127.0.0.1:${port}/health`, options)
        alternatives[alternative.name] = { ...figures, vsNginx: roundTo(figures.rps / viaNginx.rps, 3) }
      } finally {
        await stopChild(service.child)
      }
    }

    const ratios = {
      gatewayVsNginx: roundTo(viaGateway.rps / viaNginx.rps, 3),
      gatewayVsDirect: roundTo(viaGateway.rps / direct.rps, 3),
      nginxVsDirect: roundTo(viaNginx.rps / direct.rps, 3),
    }
    const addedP99Ms = { gateway: roundTo(viaGateway.p99Ms - direct.p99Ms, 3), nginx: roundTo(viaNginx.p99Ms - direct.p99Ms, 3) }
    const cores = cpus().length
    const notes = [
      `GET /health of one examples/echo replica (a Node http server) at ${options.connections} connections, wrk -t${options.threads} --latency; each target warmed up ${options.warmUpSeconds} s, then measured ${options.seconds} s, in the order direct, gateway, nginx.`,
      `gateway: \`ferry serve\` in a child process (one Node event loop), echo uploaded and deployed through its API${options.cpuProfDir ? `; run under --cpu-prof (slower), profile in ${options.cpuProfDir}` : ''}.`,
      `nginx ${nginxVersion()}: worker_processes ${NGINX_WORKERS} (the same one-core budget as the gateway's single event loop), upstream keepalive 64, HTTP/1.1 to the upstream, access_log off.`,
      `wrk, the proxy and the echo instance share ${cores} CPU core(s): a proxy's cost shows up as much in lower req/s as in latency, and the same client and upstream are used for all three.`,
      'alternatives: the smallest keep-alive proxy each Node client allows (test/fixtures/programs/bare-proxy.js: no routing, logging, metrics or error pages), to show how far any Node proxy can go here; "x2" is node:cluster with two processes.',
      ...(direct.errors + viaGateway.errors + viaNginx.errors > 0 ? [`errors (non-2xx or socket): direct ${direct.errors}, gateway ${viaGateway.errors}, nginx ${viaNginx.errors}.`] : []),
    ]
    return {
      benchmark: 'proxy',
      connections: options.connections,
      threads: options.threads,
      seconds: options.seconds,
      direct,
      gateway: viaGateway,
      nginx: viaNginx,
      alternatives,
      ratios,
      addedP99Ms,
      goals: { gatewayVsNginx: `>= ${GOAL_RATIO}`, addedP99Ms: `<= ${GOAL_ADDED_P99_MS}` },
      met: { gatewayVsNginx: ratios.gatewayVsNginx >= GOAL_RATIO, addedP99Ms: addedP99Ms.gateway <= GOAL_ADDED_P99_MS },
      notes,
      machine: { node: process.version, nginx: nginxVersion(), platform: `${process.platform}-${process.arch}`, cpus: cores, loadAverage: loadavg().map((n) => roundTo(n, 2)) },
    }
  } finally {
    // nginx: SIGQUIT is its graceful stop; the gateway stops its instances on SIGTERM (and, under
    // --cpu-prof, must exit normally for the profile to be written).
    if (nginx) await stopChild(nginx, 'SIGQUIT')
    if (gateway) await stopChild(gateway.child, 'SIGTERM')
    for (const child of children) child.kill('SIGKILL')
    if (instanceGroup) instanceGroup.kill('SIGKILL')
    forgetSignals()
    rmSync(work, { recursive: true, force: true })
  }
}
