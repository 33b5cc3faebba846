/**
 * What the proxy benchmarks share: wrk runs and their parsing, long-running children (ferry serve,
 * nginx, bare proxies) started, awaited and stopped, the management API called, and a bare nginx
 * reverse-proxy configuration (the ceiling a native proxy reaches here).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { packFolder } from '../../packager/pack.js'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ferryPath } from '../../packager/repo-root.js'
import { logNote, roundTo, runTimed } from './_measure.js'

export interface WrkOptions {
  connections: number
  threads: number
  warmUpSeconds: number
  /** Run the gateway under `node --cpu-prof`, profiles written here at exit. */
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

export type Killable = { kill(signal: NodeJS.Signals): unknown }

const READY_TIMEOUT_MS = 15_000
const STOP_TIMEOUT_MS = 15_000
export const NGINX_WORKERS = 1

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

export async function runWrk(url: string, seconds: number, options: WrkOptions): Promise<WrkFigures> {
  const run = await runTimed('wrk', [`-t${options.threads}`, `-c${options.connections}`, `-d${seconds}s`, '--latency', url], { cwd: tmpdir() })
  if (run.code !== 0) throw new Error(`wrk ${url} exited with ${run.code}:\n${(run.stderr || run.stdout).trim().slice(-2000)}`)
  return parseWrkOutput(run.stdout)
}

/**
 * Warms `url` up, then measures it; with `pids`, also the CPU those processes (and their
 * descendants) spent per request in the measured run: a cost that, unlike req/s, hardly moves
 * when other work shares the cores.
 */
export async function measureTarget(name: string, url: string, options: WrkOptions, seconds: number, pids?: () => number[]): Promise<WrkFigures & { cpuUsPerRequest?: number }> {
  logNote('proxy', `${name}: warm-up ${options.warmUpSeconds} s, then ${seconds} s at ${options.connections} connections — ${url}`)
  await runWrk(url, options.warmUpSeconds, options)
  const before = pids ? cpuMicros(pids()) : 0
  const figures = await runWrk(url, seconds, options)
  const cpuUsPerRequest = pids && figures.requests > 0 ? roundTo((cpuMicros(pids()) - before) / figures.requests, 1) : undefined
  logNote('proxy', `${name}: ${figures.rps} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms${cpuUsPerRequest !== undefined ? `, ${cpuUsPerRequest} µs CPU per request` : ''}${figures.errors ? `, ${figures.errors} errors` : ''}`)
  return cpuUsPerRequest === undefined ? figures : { ...figures, cpuUsPerRequest }
}

/** Linux's clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100

/** The pids of `pid`'s process tree, itself first (from /proc/<pid>/task/<tid>/children). */
export function processTree(pid: number): number[] {
  const all = [pid]
  for (let i = 0; i < all.length; i++) {
    try {
      for (const tid of readdirSync(`/proc/${all[i]}/task`)) {
        const children = readFileSync(`/proc/${all[i]}/task/${tid}/children`, 'utf8').trim()
        if (children) all.push(...children.split(/\s+/).map(Number))
      }
    } catch {
      // gone meanwhile
    }
  }
  return all
}

/** User plus system CPU time the processes have used so far, in µs. */
export function cpuMicros(pids: number[]): number {
  let ticks = 0
  for (const pid of pids) {
    try {
      // Fields after the command's closing parenthesis: state is field 3, utime 14 and stime 15.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      // gone meanwhile
    }
  }
  return (ticks / TICKS_PER_SECOND) * 1e6
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
  /** Where users call it (nginx's address with --data-plane nginx). */
  url: string
  /** The Node gateway's own listener (the same as url with the Node plane). */
  nodeUrl: string
  token: string
}

/** `ferry serve --port 0 --data <dir> --json` in a child; resolves once it printed its URL. */
export async function startGatewayChild(dataDir: string, options: Pick<WrkOptions, 'cpuProfDir'>, children: Set<Killable>, serveArgs: string[] = []): Promise<GatewayChild> {
  const token = randomBytes(24).toString('hex')
  // The bin itself, as `npx ferry serve` runs it: its shebang carries the V8 flags Ferry ships with.
  // Profiled, node is started with the shebang's settings plus --cpu-prof (which NODE_OPTIONS refuses).
  const bin = ferryPath('bin', 'ferry.js')
  const args = ['serve', '--port', '0', '--data', dataDir, '--json', ...serveArgs]
  const shebang = options.cpuProfDir ? readShebang(bin) : null
  const service = shebang
    ? spawnService(process.execPath, [...shebang.nodeFlags, '--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`, bin, ...args], { ...process.env, ...shebang.env, FERRY_TOKEN: token }, children)
    : spawnService(bin, args, { ...process.env, FERRY_TOKEN: token }, children)
  const timeout = setTimeout(() => service.child.kill('SIGKILL'), READY_TIMEOUT_MS)
  try {
    for await (const line of service.stdoutLines) {
      if (!line.startsWith('{')) continue
      const { url, nodeUrl } = JSON.parse(line) as { url: string; nodeUrl?: string }
      return { child: service.child, url, nodeUrl: nodeUrl ?? url, token }
    }
  } finally {
    clearTimeout(timeout)
  }
  throw new Error(`ferry serve exited (${service.child.exitCode ?? service.child.signalCode}) before printing its URL:\n${service.output().trim()}`)
}

/** `#!/usr/bin/env -S NAME=value node --flag ...`: the environment and node flags a bin's shebang sets. */
function readShebang(file: string): { env: Record<string, string>; nodeFlags: string[] } {
  const words = (readFileSync(file, 'utf8').split('\n', 1)[0] ?? '').replace(/^#!\S*env\s+-S\s+/, '').split(/\s+/).filter(Boolean)
  const node = words.indexOf('node')
  if (node < 0) throw new Error(`${file}: its shebang does not run node`)
  const env = Object.fromEntries(words.slice(0, node).map((word) => [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]))
  return { env, nodeFlags: words.slice(node + 1) }
}

export async function callApi<T>(gateway: GatewayChild, method: string, path: string, body: Buffer | string, contentType: string): Promise<T> {
  const response = await fetch(`${gateway.url}/api${path}`, { method, body, headers: { authorization: `Bearer ${gateway.token}`, 'content-type': contentType } })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} /api${path}: ${response.status} ${text.slice(0, 1000)}`)
  return JSON.parse(text) as T
}

export interface DeployedEcho {
  name: string
  port: number
  pid: number | null
}

/** Packs examples/echo, uploads it and deploys it through the gateway's API. */
export async function deployEcho(gateway: GatewayChild, work: string, name = 'echo'): Promise<DeployedEcho> {
  let dir = ferryPath('examples', 'echo')
  if (name !== 'echo') {
    // A copy of echo under another name: one more model@version for the scale case.
    dir = join(work, `src-${name}`)
    cpSync(ferryPath('examples', 'echo'), dir, { recursive: true })
    const descriptor = JSON.parse(readFileSync(join(dir, 'descriptor.json'), 'utf8')) as { name: string; $schema?: string }
    descriptor.name = name
    delete descriptor.$schema
    writeFileSync(join(dir, 'descriptor.json'), JSON.stringify(descriptor))
  }
  const zip = (await packFolder({ dir, outDir: join(work, `pack-${name}`) })).path
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
