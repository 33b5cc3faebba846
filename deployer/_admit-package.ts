/**
 * What makes a stored zip a package the deployer accepts: the unpacker's structural checks (no
 * extraction), a descriptor that validates against the schema and the manifest's file list, a
 * version, and a manifest that names the same model and version.
 */
import type { Descriptor } from '../descriptors/descriptor.js'
import { parseJson } from '../packager/_json-parse.js'
import { createProblem, type Problem } from '../packager/problem.js'
import { validateDescriptor } from '../packager/validate-descriptor.js'
import { createDeployerError } from './errors.js'
import { inspectPackage, type PackageManifest, type UnpackLimits } from './unpack.js'

/** Checks a stored zip; throws E_PACKAGE_INVALID listing every problem, or an E_UNPACK_* code. */
export async function admitPackage(zipPath: string, limits: UnpackLimits, label = zipPath): Promise<{ descriptor: Descriptor; manifest: PackageManifest }> {
  const { manifest, descriptor: raw } = await inspectPackage(zipPath, limits, { label })
  const parsed = parseJson(raw.toString('utf8'))
  let errors: Problem[]
  let descriptor: Descriptor | undefined
  if (!parsed.ok) {
    errors = [createProblem(parsed.failure.code, parsed.failure.pointer ?? '/', parsed.failure.message)]
  } else {
    const files = new Set(manifest.files.map((f) => f.path))
    const result = validateDescriptor(parsed.value, { files, readText: () => undefined })
    errors = result.errors
    descriptor = result.descriptor
    if (descriptor && !descriptor.version) errors.push(createProblem('E_VERSION_NOT_SEMVER', '/version', 'a package must carry its version; pack it with `ferry pack`'))
    if (descriptor && (manifest.name !== descriptor.name || manifest.version !== descriptor.version)) {
      errors.push(createProblem('E_MANIFEST_INVALID', '/', `the manifest names ${manifest.name}@${manifest.version} but descriptor.json ${descriptor.name}@${descriptor.version}`))
    }
  }
  if (errors.length > 0 || !descriptor) {
    throw createDeployerError('E_PACKAGE_INVALID', `the package's descriptor is not valid: ${errors.map((e) => `${e.path} ${e.code} ${e.message}`).join('; ')}`, { details: { errors } })
  }
  return { descriptor, manifest }
}
