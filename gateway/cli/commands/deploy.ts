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

interface DeployResult { ref: string; url: string; digest: string; state: string; aliases: string[]; gitTag?: string; signer?: { keyId: string; name: string | null; trust: string } | null }

/** Streams a file and reports how much has gone. */
function uploadStream(path: string, onBytes: (n: number) => void): ReadableStream {
  const file = createReadStream(path, { highWaterMark: 1024 * 1024 })
  file.on('data', (chunk) => onBytes(chunk.length))
  return Readable.toWeb(file) as ReadableStream
}

export default defineCommand<DeployResult>({
  usage: 'ferry deploy <zip|dir> [--replicas N] [--alias NAME] [--bump] [--git-tag] [--sign KEY] [--gateway URL] [--token TOKEN]',
  description: 'Upload a package (a folder is packed first), deploy it and wait until every replica is healthy. Prints name@version and its URL.',
  options: {
    replicas: { type: 'string', value: 'N', description: 'replicas to run (default: the descriptor\'s)' },
    alias: { type: 'string', value: 'NAME', description: 'also point this alias at the version once ready' },
    bump: { type: 'boolean', description: 'if another package already has this version, deploy as the next free patch version' },
    'git-tag': { type: 'boolean', description: 'tag the model folder\'s git repository name@version once ready' },
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
      const deployed = await client.call<InstanceInfo>('POST', '/deployments', { json: { package: pkg.digest, ...(replicas ? { replicas } : {}), ...(values['alias'] ? { alias: values['alias'] } : {}), ...(values['bump'] ? { bump: true } : {}) } })
      const signer = pkg.signer ? { keyId: pkg.signer.keyId, name: pkg.signer.name, trust: pkg.signer.trust } : null
      const result: DeployResult = { ref: deployed.ref, url: `${client.gateway}/models/${deployed.ref}/`, digest: pkg.digest, state: deployed.state, aliases: deployed.aliases, signer }
      if (values['git-tag']) {
        await execa('git', ['tag', deployed.ref], { cwd: target })
        result.gitTag = deployed.ref
      }
      return { result }
    } finally {
      if (scratch) await rm(scratch, { recursive: true, force: true })
    }
  },
  render: (r) => `${r.ref} ${r.state}${r.aliases.length ? ` (${r.aliases.join(', ')})` : ''}\n${r.url}${r.signer ? `\nsigned by ${r.signer.name ?? r.signer.keyId} (key ${r.signer.keyId}, ${r.signer.trust})` : ''}${r.gitTag ? `\ntagged ${r.gitTag}` : ''}`,
})
