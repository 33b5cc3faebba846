/**
 * nginx as a supervised child of the gateway: started in the foreground (`daemon off`, so it is
 * our child and never a daemon left behind), restarted with backoff if it dies, every new
 * configuration checked with `nginx -t` before a graceful reload (SIGHUP: new workers take new
 * connections, old ones finish theirs), and stopped gracefully (SIGQUIT, then SIGKILL) with the
 * gateway. A master left by a gateway that was SIGKILLed is found by its pid file and stopped first.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createGatewayError } from '../errors.js'

export interface NginxProcessOptions {
  binary: string
  /** nginx's prefix directory: nginx.conf, nginx.pid, error.log and temp paths. */
  prefix: string
  /** Where it listens, to know when it is up. */
  listen: { host: string; port: number }
  /** Told when nginx died and was started again. */
  onRestart?(code: number | null, signal: string | null): void
}

const START_TIMEOUT_MS = 15_000
const STOP_TIMEOUT_MS = 10_000
const MAX_BACKOFF_MS = 5_000

export class NginxProcess {
  #child: ChildProcess | undefined
  #stopping = false
  #backoffMs = 200
  #restarts = 0
  readonly configFile: string

  constructor(private readonly options: NginxProcessOptions) {
    this.configFile = join(options.prefix, 'nginx.conf')
  }

  get restarts(): number {
    return this.#restarts
  }

  /** The master's pid (workers are its children). */
  get pid(): number | undefined {
    return this.#child?.pid
  }

  /** Writes the first configuration, checks it, starts nginx and waits until it accepts connections. */
  async start(config: string): Promise<void> {
    this.#stopLeftover()
    this.#write(config)
    this.#spawn()
    await this.#waitListening()
  }

  /** Checks `config` and applies it with a graceful reload; a refused one changes nothing and throws E_NGINX_FAILED. */
  reload(config: string): void {
    this.#write(config)
    if (this.#child?.pid) process.kill(this.#child.pid, 'SIGHUP')
  }

  /** Tells nginx to reopen its log files (after the access log was moved aside). */
  reopenLogs(): void {
    if (this.#child?.pid) process.kill(this.#child.pid, 'SIGUSR1')
  }

  async stop(): Promise<void> {
    this.#stopping = true
    const child = this.#child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((done) => child.once('exit', () => done()))
    child.kill('SIGQUIT')
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }

  #write(config: string): void {
    const next = `${this.configFile}.next`
    writeFileSync(next, config, { mode: 0o600 })
    const test = spawnSync(this.options.binary, this.#args(next, ['-t', '-q']), { encoding: 'utf8' })
    if (test.status !== 0) {
      throw createGatewayError('E_NGINX_FAILED', `nginx refused the rendered configuration (${next})`, { details: { output: `${test.stderr ?? ''}${test.stdout ?? ''}`.trim().slice(-2000) } })
    }
    renameSync(next, this.configFile)
  }

  #args(config: string, extra: string[] = []): string[] {
    return ['-p', this.options.prefix, '-e', join(this.options.prefix, 'error.log'), '-c', config, ...extra]
  }

  #spawn(): void {
    // Its own process group: workers stay in it when the master dies, so none outlives it (killGroup).
    const child = spawn(this.options.binary, this.#args(this.configFile), { stdio: ['ignore', 'ignore', 'pipe'], detached: true })
    let output = ''
    child.stderr!.on('data', (c: Buffer) => { output = (output + c.toString('utf8')).slice(-4000) })
    child.once('error', () => undefined)
    child.once('exit', (code, signal) => {
      killGroup(child.pid)
      if (this.#stopping) return
      console.error(`nginx data plane: nginx exited (${code ?? signal}); starting it again in ${this.#backoffMs} ms${output ? `: ${output.trim().slice(-500)}` : ''}`)
      const wait = this.#backoffMs
      this.#backoffMs = Math.min(MAX_BACKOFF_MS, this.#backoffMs * 2)
      setTimeout(() => {
        if (this.#stopping) return
        this.#restarts += 1
        this.#spawn()
        this.options.onRestart?.(code, signal)
        void this.#waitListening().then(() => { this.#backoffMs = 200 }, () => undefined)
      }, wait).unref()
    })
    this.#child = child
  }

  async #waitListening(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS
    for (;;) {
      const child = this.#child
      if (!child || child.exitCode !== null) {
        let log = ''
        try { log = readFileSync(join(this.options.prefix, 'error.log'), 'utf8').slice(-2000) } catch { /* none yet */ }
        throw createGatewayError('E_NGINX_FAILED', 'nginx exited while starting', { details: { output: log.trim() } })
      }
      if (await canConnect(this.options.listen.host, this.options.listen.port)) return
      if (Date.now() > deadline) throw createGatewayError('E_NGINX_FAILED', `nginx did not listen on ${this.options.listen.host}:${this.options.listen.port} within ${START_TIMEOUT_MS} ms`)
      await sleep(50)
    }
  }

  /** A master still running from a gateway that was killed: stopped before ours starts. */
  #stopLeftover(): void {
    let pid: number
    try {
      pid = Number(readFileSync(join(this.options.prefix, 'nginx.pid'), 'utf8').trim())
    } catch {
      return
    }
    if (!Number.isInteger(pid) || pid <= 1) return
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      if (!cmdline.includes('nginx') || !cmdline.includes(this.options.prefix)) return
      process.kill(pid, 'SIGQUIT')
    } catch {
      // gone already, or not ours to stop
    }
  }
}

/** Ends every process left in nginx's group (workers of a master that died keep serving otherwise). */
function killGroup(pid: number | undefined): void {
  if (!pid) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // the group is empty already
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host)
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}
