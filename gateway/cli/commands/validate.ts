/** `ferry validate <dir|zip>`: every problem at once, each with its JSON path, code and fix. */
import { formatProblem } from '../../../packager/problem.js'
import { validatePackage, type PackageValidation } from '../../../packager/validate-package.js'
import { defineCommand } from '../command.js'

export default defineCommand<Omit<PackageValidation, 'files'>>({
  usage: 'ferry validate <dir|zip> [--json]',
  description: 'Check descriptor.json against the schema and the package files. Exits 1 when there are errors.',
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ positionals }, context) {
    const { files: _files, ...result } = await validatePackage(positionals[0]!, { cwd: context.cwd })
    return { result, exitCode: result.valid ? 0 : 1 }
  },
  render(result) {
    const lines = [...result.errors, ...result.warnings].map((p) => `${p.severity === 'error' ? 'error  ' : 'warning'} ${formatProblem(p)}`)
    const name = result.descriptor ? `${result.descriptor.name}${result.descriptor.version ? `@${result.descriptor.version}` : ''}` : result.path
    lines.push(result.valid
      ? `valid: ${name}${result.warnings.length ? ` (${result.warnings.length} warning${result.warnings.length > 1 ? 's' : ''})` : ''}`
      : `invalid: ${result.errors.length} error${result.errors.length > 1 ? 's' : ''}, ${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'} in ${result.path}`)
    return lines.join('\n')
  },
})
