/**
 * `ferry deploy <zip|dir>`: packs a folder first, uploads the zip with a progress bar, deploys it
 * and waits until it is ready; prints name@version and its URL. With --git-tag, tags the model's
 * git repository `name@version` once the version is ready, never when it failed. With --sign KEY
 * the package is signed and the signature sent with it; a zip's `<zip>.sig` is sent when present.
 */
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { execa } from 'execa'
import type { InstanceInfo } from '../../../deployer/index.js'
import { UsageError } from '../../../packager/ferry-error.js'
import { hashFile } from '../../../packager/hash-file.js'
import { packFolder } from '../../../packager/pack.js'
import { readSignatureFile, serializeSignature, signatureFilePath, signDigest } from '../../../packager/signing/index.js'
import { SIGNATURE_HEADER } from '../../trust/upload-signature.js'
import { createProgressBar } from '../_progress-bar.js'
import { CLIENT_OPTIONS, createApiClient } from '../_client.js'
import { readSignOption } from '../_signing-key.js'
import { defineCommand } from '../command.js'

interface DeployResult { ref: string; url: string; digest: string; state: string; aliases: string[]; alreadyRunning?: 'none' | 'rescaled'; gitTag?: string; rollout?: { id: number; strategy: string; status: string; weight: number; stable: string | null }; signer?: { keyId: string; name: string | null; trust: string } | null }

/** --flag → the API's rollout field, and whether it is a number. */
const ROLLOUT_FLAGS: Record<string, { field: string; number: boolean }> = {
  step: { field: 'step', number: true }, 'max-weight': { field: 'maxWeight', number: true }, interval: { field: 'interval', number: false },
  threshold: { field: 'threshold', number: true }, 'min-success-rate': { field: 'minSuccessRate', number: true }, 'max-latency-ratio': { field: 'maxLatencyRatio', number: true },
  'min-requests': { field: 'minRequests', number: true }, mirror: { field: 'mirror', number: true }, compare: { field: 'compare', number: false },
  'min-agreement': { field: 'minAgreement', number: true }, 'keep-warm': { field: 'keepWarm', number: true },
}

/** The rollout fields of the deploy request from the command line; the server checks their ranges. */
function readRolloutFlags(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (values['strategy'] !== undefined) out['strategy'] = values['strategy']
  if (values['sticky']) out['sticky'] = true
  if (values['no-acceptance']) out['acceptance'] = false
  for (const [flag, { field, number }] of Object.entries(ROLLOUT_FLAGS)) {
    const raw = values[flag]
    if (raw === undefined) continue
    if (!number) { out[field] = raw; continue }
    const value = Number(raw)
    if (raw === '' || !Number.isFinite(value)) throw new UsageError(`--${flag} takes a number, not "${String(raw)}"`)
    out[field] = value
  }
  return out
}

/** Streams a file and reports how much has gone. */
function uploadStream(path: string, onBytes: (n: number) => void): ReadableStream {
  const file = createReadStream(path, { highWaterMark: 1024 * 1024 })
  file.on('data', (chunk) => onBytes(chunk.length))
  return Readable.toWeb(file) as ReadableStream
}

export default defineCommand<DeployResult>({
  usage: 'ferry deploy <zip|dir> [--replicas N] [--alias NAME] [--bump] [--git-tag] [--strategy replace|canary|shadow|manual] [--step N --max-weight N --interval 30s --threshold N] [--mirror N --compare /ptr] [--keep-warm N] [--sign KEY] [--gateway URL] [--token TOKEN]',
  description: 'Upload a package (a folder is packed first), deploy it, wait until every replica is healthy and its examples pass, then roll it out by the strategy (default: the descriptor\'s, else replace). Prints name@version and its URL.',
  options: {
    replicas: { type: 'string', value: 'N', description: 'replicas to run (default: the descriptor\'s)' },
    alias: { type: 'string', value: 'NAME', description: 'also point this alias at the version once ready' },
    bump: { type: 'boolean', description: 'if another package already has this version, deploy as the next free patch version' },
    'git-tag': { type: 'boolean', description: 'tag the model folder\'s git repository name@version once ready' },
    strategy: { type: 'string', value: 'S', description: 'replace (switch latest, drain the old), canary, shadow or manual' },
    step: { type: 'string', value: 'N', description: 'canary: percent added per passing window (default 10)' },
    'max-weight': { type: 'string', value: 'N', description: 'canary: weight at which a passing window promotes (default 50)' },
    interval: { type: 'string', value: 'T', description: 'check window, e.g. 30s, 2m (default 30s, at least 1s)' },
    threshold: { type: 'string', value: 'N', description: 'failed windows that roll back (default 3)' },
    'min-success-rate': { type: 'string', value: 'P', description: 'percent of candidate requests that must succeed (default 99)' },
    'max-latency-ratio': { type: 'string', value: 'R', description: 'candidate p95 at most R × stable\'s (default 1.5)' },
    'min-requests': { type: 'string', value: 'N', description: 'fewer candidate requests in a window: not counted (default 20)' },
    sticky: { type: 'boolean', description: 'canary: keep a client (X-Ferry-Session / ferry_session cookie) on one side' },
    mirror: { type: 'string', value: 'P', description: 'shadow: percent of requests copied (default 100)' },
    compare: { type: 'string', value: 'PTR', description: 'shadow: JSON pointer compared, e.g. /label (default: whole body)' },
    'min-agreement': { type: 'string', value: 'P', description: 'shadow: agreement promotion requires' },
    'keep-warm': { type: 'string', value: 'N', description: 'previous versions kept running for an instant rollback (default 1)' },
    'no-acceptance': { type: 'boolean', description: 'skip sending the descriptor\'s examples before traffic' },
    sign: { type: 'string', value: 'KEY', description: 'sign the package with this private key and send the signature with it (a zip\'s <zip>.sig is sent without it)' },
    ...CLIENT_OPTIONS,
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }, context) {
    const client = createApiClient(values, context)
    const target = resolve(context.cwd, positionals[0]!)
    const info = await stat(target).catch(() => undefined)
    if (!info) throw new UsageError(`"${positionals[0]}" does not exist`)
    if (values['git-tag'] && !info.isDirectory()) throw new UsageError('--git-tag needs the model folder, not a zip')
    const replicas = values['replicas'] === undefined ? undefined : Number(values['replicas'])
    if (replicas !== undefined && !Number.isInteger(replicas)) throw new UsageError(`--replicas takes a whole number, not "${values['replicas']}"`)
    const rolloutFields = readRolloutFlags(values)
    const key = await readSignOption(values['sign'], context)
    let scratch: string | undefined
    try {
      let zip = target
      let digest: string | undefined
      if (info.isDirectory()) {
        scratch = await mkdtemp(join(tmpdir(), 'ferry-deploy-'))
        ;({ path: zip, sha256: digest } = await packFolder({ dir: target, outDir: scratch, signal: context.signal }))
      }
      const signature = key ? signDigest(key, digest ?? (await hashFile(zip)).sha256) : await readSignatureFile(signatureFilePath(zip))
      const size = (await stat(zip)).size
      const bar = createProgressBar(context.stderr, 'uploading', context.interactive && !context.json)
      let sent = 0
      const pkg = await client.call<{ digest: string; name: string; version: string; signer: DeployResult['signer'] }>('POST', '/packages', {
        headers: { 'content-type': 'application/zip', 'content-length': String(size), ...(signature ? { [SIGNATURE_HEADER]: Buffer.from(serializeSignature(signature)).toString('base64') } : {}) },
        body: uploadStream(zip, (n) => bar.update((sent += n), size)),
        duplex: 'half',
      })
      bar.done()
      if (!context.json) context.stderr.write(`uploaded ${pkg.name} ${pkg.digest.slice(0, 12)}; starting…\n`)
      const deployed = await client.call<InstanceInfo>('POST', '/deployments', { json: { package: pkg.digest, ...(replicas ? { replicas } : {}), ...(values['alias'] ? { alias: values['alias'] } : {}), ...(values['bump'] ? { bump: true } : {}), ...rolloutFields } })
      const signer = pkg.signer ? { keyId: pkg.signer.keyId, name: pkg.signer.name, trust: pkg.signer.trust } : null
      const result: DeployResult = { ref: deployed.ref, url: `${client.gateway}/models/${deployed.ref}/`, digest: pkg.digest, state: deployed.state, aliases: deployed.aliases, signer, ...(deployed.alreadyRunning ? { alreadyRunning: deployed.alreadyRunning } : {}) }
      const rollout = (await client.call<Array<{ id: number; candidate: string; strategy: string; status: string; weight: number; stable: string | null }>>('GET', `/rollouts?model=${encodeURIComponent(deployed.name)}&limit=1`))[0]
      if (rollout && rollout.candidate === deployed.version && !deployed.alreadyRunning) result.rollout = { id: rollout.id, strategy: rollout.strategy, status: rollout.status, weight: rollout.weight, stable: rollout.stable }
      if (values['git-tag']) {
        await execa('git', ['tag', deployed.ref], { cwd: target })
        result.gitTag = deployed.ref
      }
      return { result }
    } finally {
      if (scratch) await rm(scratch, { recursive: true, force: true })
    }
  },
  render: (r) => `${r.ref} ${r.state}${r.aliases.length ? ` (${r.aliases.join(', ')})` : ''}${r.alreadyRunning === 'none' ? ': already running, nothing changed' : r.alreadyRunning === 'rescaled' ? ': already running, rescaled' : ''}\n${r.url}${r.rollout ? `\nrollout ${r.rollout.id}: ${r.rollout.strategy} ${r.rollout.status}${r.rollout.status === 'running' ? ` at ${r.rollout.weight} %, \`ferry rollout status ${r.ref.split('@')[0]}\` to follow it` : ''}` : ''}${r.signer ? `\nsigned by ${r.signer.name ?? r.signer.keyId} (key ${r.signer.keyId}, ${r.signer.trust})` : ''}${r.gitTag ? `\ntagged ${r.gitTag}` : ''}`,
})
