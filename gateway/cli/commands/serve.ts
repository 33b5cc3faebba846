/** `ferry serve`: the gateway, the deployer's supervisor and the console in one process. */
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Descriptor } from '../../../descriptors/descriptor.js'
import { isPipeline } from '../../../deployer/index.js'
import { isFerryError } from '../../../packager/ferry-error.js'
import { packFolder } from '../../../packager/pack.js'
import { readSignatureFile, signatureFilePath } from '../../../packager/signing/index.js'
import { addSignedPackage } from '../../trust/upload-signature.js'
import { startGateway, type RunningGateway } from '../../server.js'
import { defineCommand, type CommandContext } from '../command.js'

interface ServeResult { url: string; tokenSource: string; dataDir: string; deployed: string[]; dataPlane: 'node' | 'nginx'; nodeUrl: string; pid: number }

/**
 * Packs (folders) and deploys each path; a failure is reported and the server keeps serving.
 * Models go first and pipelines after them, in the order given: a pipeline's acceptance examples
 * run through its steps, so the models those call must be up before it (`--deploy examples/*`
 * names docflow before ocr).
 */
async function deployAtStart(gateway: RunningGateway, paths: string[], context: CommandContext): Promise<string[]> {
  const deployed: string[] = []
  const scratch = await mkdtemp(join(tmpdir(), 'ferry-serve-'))
  const fail = (path: string, error: unknown) => {
    const why = isFerryError(error) ? `${error.code}: ${error.message}` : (error as Error).message
    context.stderr.write(`  could not deploy ${path}: ${why}\n`)
  }
  try {
    const stored: Array<{ path: string; digest: string; pipeline: boolean }> = []
    for (const [index, path] of paths.entries()) {
      try {
        const absolute = resolve(context.cwd, path)
        const folder = (await stat(absolute)).isDirectory()
        context.stderr.write(`  storing ${path} (${folder ? 'packing the folder, ' : ''}checking the package)…\n`)
        const zip = folder ? (await packFolder({ dir: absolute, outDir: join(scratch, String(index)) })).path : absolute
        // Under the same signature policy as an upload: a zip's <zip>.sig is checked, a folder is unsigned.
        const signature = folder ? undefined : await readSignatureFile(signatureFilePath(zip))
        const pkg = await addSignedPackage(gateway.deployer, gateway.signing, zip, signature, { where: folder ? `${path} (a folder: unsigned)` : signatureFilePath(zip) })
        stored.push({ path, digest: pkg.digest, pipeline: isPipeline(pkg.descriptor as Descriptor) })
      } catch (error) {
        fail(path, error)
      }
    }
    const refs = new Map<string, string>()
    for (const { path, digest } of [...stored.filter((s) => !s.pipeline), ...stored.filter((s) => s.pipeline)]) {
      try {
        context.stderr.write(`  deploying ${path} (installing its dependencies, waiting until healthy and accepted)…\n`)
        const info = await gateway.deployer.deploy({ package: digest })
        refs.set(digest, info.ref)
        context.stderr.write(`  deployed ${info.ref}  ${gateway.url}/models/${info.name}/\n`)
      } catch (error) {
        fail(path, error)
      }
    }
    // Listed in the order given, whatever order they came up in.
    for (const { digest } of stored) if (refs.has(digest)) deployed.push(refs.get(digest)!)
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
  return deployed
}

export default defineCommand<ServeResult>({
  usage: 'ferry serve [--port 8080] [--host 127.0.0.1] [--data DIR] [--sandbox auto|bwrap|none] [--deploy PATH]… [--tls-cert FILE --tls-key FILE] [--require-signed] [--data-plane node|nginx]',
  description: 'Run the gateway and supervise every deployed version until SIGTERM or Ctrl-C. Options: flag, then FERRY_PORT / FERRY_HOST / FERRY_HOME / FERRY_TOKEN, then defaults.',
  options: {
    port: { type: 'string', short: 'p', value: 'PORT', description: 'port to listen on (default 8080; 0 picks a free one)' },
    host: { type: 'string', value: 'HOST', description: 'address to listen on (default 127.0.0.1)' },
    data: { type: 'string', value: 'DIR', description: 'the data directory (default ./.ferry)' },
    deploy: { type: 'string', multiple: true, value: 'PATH', description: 'pack (folders) and deploy this model once started; repeatable' },
    sandbox: { type: 'string', value: 'MODE', description: 'auto (default: bubblewrap when installed), bwrap (refuse to start without it) or none; FERRY_SANDBOX' },
    'tls-cert': { type: 'string', value: 'FILE', description: 'serve HTTPS with this PEM certificate (with --tls-key; default FERRY_TLS_CERT)' },
    'tls-key': { type: 'string', value: 'FILE', description: 'the PEM private key of --tls-cert (default FERRY_TLS_KEY)' },
    'require-signed': { type: 'boolean', description: 'refuse packages that are not signed by a trusted key (`ferry trust`); FERRY_REQUIRE_SIGNED=1' },
    'data-plane': { type: 'string', value: 'PLANE', description: 'who carries /models/ traffic: node (default, the gateway itself) or nginx (nginx in front, refused when missing or older than 1.18); FERRY_DATA_PLANE' },
  },
  positionals: { min: 0, max: 0 },
  async run({ values }, context) {
    const gateway: RunningGateway = await startGateway({
      cwd: context.cwd, env: context.env,
      ...(values['port'] !== undefined ? { port: values['port'] as string } : {}),
      ...(values['host'] !== undefined ? { host: values['host'] as string } : {}),
      ...(values['data'] !== undefined ? { dataDir: values['data'] as string } : {}),
      ...(values['sandbox'] !== undefined ? { sandbox: values['sandbox'] as string } : {}),
      ...(values['tls-cert'] !== undefined ? { tlsCert: values['tls-cert'] as string } : {}),
      ...(values['tls-key'] !== undefined ? { tlsKey: values['tls-key'] as string } : {}),
      ...(values['require-signed'] ? { requireSigned: true } : {}),
      ...(values['data-plane'] !== undefined ? { dataPlane: values['data-plane'] as string } : {}),
    })
    const { sandbox } = gateway.deployer
    if (sandbox.warning) context.stderr.write(`ferry: warning: ${sandbox.warning}\n`)
    context.stderr.write([
      `ferry serving on ${gateway.url}`,
      `  console  ${gateway.url}/   (sign in with the admin token or a named one)`,
      `  API      ${gateway.url}/api   (Authorization: Bearer <token>; token: ${gateway.tokenSource})`,
      `  docs     ${gateway.url}/docs   (OpenAPI: ${gateway.url}/openapi.json)`,
      `  models   ${gateway.url}/models/<name>/…   (data plane: ${gateway.dataPlane === 'nginx' ? `nginx ${gateway.nginx?.process.pid ? `pid ${gateway.nginx.process.pid}` : ''}, gateway behind it on ${gateway.nodeUrl}` : 'node'})`,
      `  metrics  ${gateway.url}/metrics`,
      `  runs     ${gateway.url}/api/runs   (tracked runs; prediction history at /api/requests)`,
      `  data     ${gateway.dataDir}`,
      `  sandbox  ${sandbox.mode === 'bwrap' ? `bubblewrap${sandbox.ownUser ? ', each version as its own user' : ''}` : 'none: models run with the server\'s user and see its files'}`,
      `  signing  ${gateway.signing.requireSigned ? 'uploads must be signed by a trusted key' : 'signatures checked when present'} (trusted keys: ${gateway.signing.keys.dir})`,
      '',
    ].join('\n'))
    const deployed = await deployAtStart(gateway, (values['deploy'] as string[] | undefined) ?? [], context)
    const result = { url: gateway.url, tokenSource: gateway.tokenSource, dataDir: gateway.dataDir, deployed, dataPlane: gateway.dataPlane, nodeUrl: gateway.nodeUrl, pid: process.pid }
    if (context.json) context.stdout.write(`${JSON.stringify(result)}\n`)
    // Serve until the CLI's signal (SIGINT/SIGTERM) aborts, then shut down gracefully.
    await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve(), { once: true }))
    context.stderr.write('ferry: shutting down (finishing requests, stopping instances)\n')
    await gateway.close()
    return { result }
  },
  render: () => 'ferry: stopped',
})
