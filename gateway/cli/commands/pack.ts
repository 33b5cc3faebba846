/** `ferry pack <dir>`: validate, then write a reproducible `<name>-<version>.zip` and print its sha256; `--sign KEY` writes `<zip>.sig` beside it. */
import { UsageError } from '../../../packager/ferry-error.js'
import { packFolder, type PackResult } from '../../../packager/pack.js'
import { formatProblem } from '../../../packager/problem.js'
import { writeSignatureFile } from '../../../packager/signing/index.js'
import { BUMP_KINDS, type BumpKind } from '../../../packager/version.js'
import { createProgressBar } from '../_progress-bar.js'
import { readSignOption } from '../_signing-key.js'
import { defineCommand } from '../command.js'

type PackSigned = PackResult & { signature?: { path: string; keyId: string } }

export default defineCommand<PackSigned>({
  usage: 'ferry pack <dir> [--out DIR] [--version X | --bump patch|minor|major] [--sign KEY] [--json]',
  description: 'Validate a model folder and write <name>-<version>.zip (byte-for-byte reproducible). Prints its path, version and sha256.',
  options: {
    out: { type: 'string', short: 'o', value: 'DIR', description: 'folder to write the zip into (default: the current folder)' },
    version: { type: 'string', value: 'X', description: 'the version to pack, e.g. 1.4.0 (wins over everything)' },
    bump: { type: 'string', value: 'KIND', description: 'patch, minor or major: raise the highest version already packed (or the descriptor\'s)' },
    sign: { type: 'string', value: 'KEY', description: 'sign the package with this private key (`ferry keygen`): writes <zip>.sig beside it' },
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }, context) {
    const bump = values['bump'] as string | undefined
    if (bump !== undefined && !BUMP_KINDS.includes(bump as BumpKind)) throw new UsageError(`--bump takes patch, minor or major, not "${bump}"`)
    if (bump !== undefined && values['version'] !== undefined) throw new UsageError('give --version or --bump, not both')
    // The key is read first: a bad key packs nothing.
    const key = await readSignOption(values['sign'], context)
    const bar = createProgressBar(context.stderr, 'packing', context.interactive && !context.json)
    try {
      const result = await packFolder({
        dir: positionals[0]!,
        cwd: context.cwd,
        outDir: values['out'] as string | undefined,
        version: values['version'] as string | undefined,
        bump: bump as BumpKind | undefined,
        signal: context.signal,
        onProgress: ({ bytes, totalBytes }) => bar.update(bytes, totalBytes),
      })
      bar.done()
      for (const warning of result.warnings) context.stderr.write(`warning ${formatProblem(warning)}\n`)
      if (!key) return { result }
      const { path } = await writeSignatureFile(result.path, key, result.sha256)
      return { result: { ...result, signature: { path, keyId: key.keyId } } }
    } finally {
      bar.done()
    }
  },
  render(result) {
    return [
      `${result.unchanged ? 'unchanged' : 'packed'} ${result.name}@${result.version}  (${result.files} files, ${result.size} bytes)`,
      `path    ${result.path}`,
      `sha256  ${result.sha256}`,
      ...(result.provenance.git ? [`source  git ${result.provenance.git.commit}${result.provenance.git.dirty ? ' (uncommitted changes)' : ''}, not part of the package`] : []),
      ...(result.signature ? [`signed  ${result.signature.path}  (key ${result.signature.keyId})`] : []),
    ].join('\n')
  },
})
