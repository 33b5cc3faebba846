/**
 * `rollout` benchmark: what a version switch costs the requests in flight. The same steady load
 * (a Node HTTP client in this process, `--rps` POST /predict of test/fixtures/packages/rollout-model)
 * goes through two switches each way, in one run:
 *   ferry: a real `ferry serve` (child); a replace deploy of 1.1.0 (start, acceptance, switch,
 *          drain), then `rollback` to 1.0.0 (kept warm, so a switch and a drain);
 *   nginx: in front of the same two instances, its upstream rewritten and `nginx -s reload`, to
 *          1.1.0 and back.
 * For each: failed requests (non-2xx or no answer), p99 while steady (before the first switch) and
 * p99 during the switches (from each switch's start to one second after it ended). Goal (issue
 * 12): 0 failed, switch p99 ≤ 1.2 × steady p99, and no worse than nginx's reload.
 * Options: --rps <n> (default 300), --seconds <n> per side (default 12).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { Agent, request } from 'undici'
import { getFreePort } from '../../deployer/port-pool.js'
import { packFolder } from '../../packager/pack.js'
import { ferryPath } from '../../packager/repo-root.js'
import { BenchSetupError, hasCommand, logNote, OTHER_BENCH_OPTIONS, removeOnSignal, roundTo, runTimed } from './_measure.js'
import { callApi, nginxVersion, spawnService, startGatewayChild, stopChild, waitForOk, type Killable, type ProxyBenchOptions } from './proxy.js'

interface Sample { at: number; ms: number; ok: boolean }
interface SideFigures { requests: number; failed: number; steadyP99Ms: number | null; switchP99Ms: number | null; ratio: number | null; switchesMs: number[] }

function p99(values: number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return roundTo(sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)]!, 3)
}

/** Sends `rps` POSTs per second to `url` until stopped; every answer's time and latency is kept. */
function steadyLoad(url: string, rps: number): { stop(): Promise<Sample[]> } {
  const dispatcher = new Agent({ connections: 64 })
  const samples: Sample[] = []
  const pending = new Set<Promise<void>>()
  const started = Date.now()
  let sent = 0
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / 1000) * rps)
    while (sent < due) {
      const i = sent++
      const t0 = performance.now()
      const work = request(url, { dispatcher, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i }) })
        .then(async (r) => { await r.body.text(); samples.push({ at: Date.now(), ms: performance.now() - t0, ok: r.statusCode >= 200 && r.statusCode < 300 }) },
          () => { samples.push({ at: Date.now(), ms: performance.now() - t0, ok: false }) })
        .finally(() => pending.delete(work))
      pending.add(work)
    }
  }, 2)
  return { async stop() { clearInterval(timer); await Promise.all([...pending]); await dispatcher.close(); return samples } }
}

function summarize(samples: Sample[], firstSwitchAt: number, switches: Array<[number, number]>): SideFigures {
  const steady = samples.filter((s) => s.at < firstSwitchAt - 200).map((s) => s.ms)
  const during = samples.filter((s) => switches.some(([from, to]) => s.at >= from && s.at <= to + 1000)).map((s) => s.ms)
  const steadyP99Ms = p99(steady)
  const switchP99Ms = p99(during)
  return { requests: samples.length, failed: samples.filter((s) => !s.ok).length, steadyP99Ms, switchP99Ms, ratio: steadyP99Ms && switchP99Ms ? roundTo(switchP99Ms / steadyP99Ms, 3) : null, switchesMs: switches.map(([a, b]) => b - a) }
}

function nginxConfig(prefix: string, listen: number, upstream: number): string {
  const file = join(prefix, 'nginx.conf')
  writeFileSync(file, [
    ...(process.getuid?.() === 0 ? ['user root;'] : []), 'daemon off;', 'worker_processes 1;', `pid ${join(prefix, 'nginx.pid')};`, `error_log ${join(prefix, 'error.log')} warn;`,
    'events { worker_connections 4096; }', 'http {', '  access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((d) => `  ${d === 'client_body' ? 'client_body' : d}_temp_path ${join(prefix, d)};`),
    `  upstream u { server 127.0.0.1:${upstream}; keepalive 64; }`,
    `  server { listen 127.0.0.1:${listen}; location / { proxy_pass http://u; proxy_http_version 1.1; proxy_set_header Connection ""; } }`, '}', '',
  ].join('\n'))
  return file
}

export async function runRolloutBench(args: string[] = []) {
  const { values } = parseArgs({ args, options: { rps: { type: 'string' }, mb: { type: 'string' }, files: { type: 'string' }, runs: { type: 'string' }, ...OTHER_BENCH_OPTIONS } })
  const rps = Number(values['rps'] ?? 300)
  const seconds = Number(values['seconds'] ?? 12)
  if (!hasCommand('nginx', ['-v'])) throw new BenchSetupError('`nginx` is not installed: `sudo apt-get install nginx`')
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-rollout-'))
  const children = new Set<Killable>()
  const forget = removeOnSignal(work, children)
  try {
    const gateway = await startGatewayChild(join(work, 'data'), { cpuProfDir: null } as ProxyBenchOptions, children)
    const upload = async (version: string) => {
      const zip = (await packFolder({ dir: ferryPath('test', 'fixtures', 'packages', 'rollout-model'), outDir: join(work, version), version })).path
      return (await callApi<{ digest: string }>(gateway, 'POST', '/packages', readFileSync(zip), 'application/zip')).digest
    }
    const [v1, v2] = [await upload('1.0.0'), await upload('1.1.0')]
    await callApi(gateway, 'POST', '/deployments', JSON.stringify({ package: v1 }), 'application/json')
    const url = `${gateway.url}/models/rollout-model/predict`
    logNote('rollout', `ferry: ${rps} requests/s for ${seconds} s; a replace deploy of 1.1.0, then a rollback`)
    let load = steadyLoad(url, rps)
    await sleep((seconds / 3) * 1000)
    const ferrySwitches: Array<[number, number]> = []
    let t0 = Date.now()
    await callApi(gateway, 'POST', '/deployments', JSON.stringify({ package: v2 }), 'application/json')
    ferrySwitches.push([t0, Date.now()])
    await sleep((seconds / 3) * 1000)
    t0 = Date.now()
    await callApi(gateway, 'POST', '/rollouts/rollout-model/rollback', '{}', 'application/json')
    ferrySwitches.push([t0, Date.now()])
    await sleep((seconds / 3) * 1000)
    const ferry = summarize(await load.stop(), ferrySwitches[0]![0], ferrySwitches)

    // nginx in front of the same two instances (1.1.0 is kept warm after the rollback).
    const instances = await (await fetch(`${gateway.url}/api/instances`, { headers: { authorization: `Bearer ${gateway.token}` } })).json() as Array<{ version: string; replicas: Array<{ port: number }> }>
    const portOf = (v: string) => instances.find((i) => i.version === v)!.replicas[0]!.port
    const listen = await getFreePort('127.0.0.1')
    let config = nginxConfig(work, listen, portOf('1.0.0'))
    const nginx = spawnService('nginx', ['-p', work, '-e', join(work, 'error.log'), '-c', config], process.env, children)
    await waitForOk(`http://127.0.0.1:${listen}/health`, 'nginx', nginx.child)
    logNote('rollout', `nginx: ${rps} requests/s for ${seconds} s; upstream rewritten and nginx -s reload, to 1.1.0 and back`)
    load = steadyLoad(`http://127.0.0.1:${listen}/predict`, rps)
    await sleep((seconds / 3) * 1000)
    const nginxSwitches: Array<[number, number]> = []
    for (const version of ['1.1.0', '1.0.0']) {
      t0 = Date.now()
      config = nginxConfig(work, listen, portOf(version))
      const reload = await runTimed('nginx', ['-p', work, '-e', join(work, 'error.log'), '-c', config, '-s', 'reload'], { cwd: work })
      if (reload.code !== 0) throw new Error(`nginx -s reload: ${reload.stderr}`)
      nginxSwitches.push([t0, Date.now()])
      await sleep((seconds / 3) * 1000)
    }
    const viaNginx = summarize(await load.stop(), nginxSwitches[0]![0], nginxSwitches)
    await stopChild(nginx.child, 'SIGQUIT')
    await stopChild(gateway.child, 'SIGTERM')
    const met = {
      ferryNoFailure: ferry.failed === 0,
      ferrySwitchP99WithinGoal: ferry.ratio !== null && ferry.ratio <= 1.2,
      ferryNoWorseThanNginx: ferry.failed <= viaNginx.failed && (ferry.ratio ?? Infinity) <= Math.max(1.2, viaNginx.ratio ?? 0),
    }
    return {
      benchmark: 'rollout', rps, seconds, ferry, nginx: viaNginx,
      goals: { failed: '0', switchP99: '<= 1.2 x steady p99, and no worse than nginx reload' }, met,
      notes: [
        'ferry switches: a replace deploy (start, health, acceptance, switch, drain with keepWarm 1) and a rollback to the warm version; the switch window runs from the API call to one second after it returned.',
        `nginx ${nginxVersion()}: worker_processes 1 (one core, as the gateway), upstream keepalive 64; its switch is a config rewrite and nginx -s reload, window from the reload to one second after.`,
        'The load runs in the bench process (undici), both ways; the gateway, nginx and the instances are separate processes sharing the machine.',
      ],
      machine: { node: process.version, cpus: cpus().length, loadAverage: loadavg().map((n) => roundTo(n, 2)) },
    }
  } finally {
    for (const child of children) child.kill('SIGKILL')
    forget()
    rmSync(work, { recursive: true, force: true })
  }
}
