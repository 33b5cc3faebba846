/**
 * Taking a package in: stage the upload under a temporary name, check it there (the unpacker's
 * structural checks and the descriptor), and only then give it its final name and its record.
 * Uploads of the same bytes are taken one at a time (by digest), so of ten identical uploads at
 * once exactly one is `created`, and a refused one is refused for each sender without any of them
 * seeing, reading or deleting another's file. A crash mid-check leaves only the temporary file,
 * which the next start removes.
 */
import type { Readable } from 'node:stream'
import { admitPackage } from './_admit-package.js'
import { KeyedLock } from './_keyed-lock.js'
import type { PackageStore } from './package-store.js'
import type { PackageRecord, PackageSigner, StateStore } from './state-store.js'
import type { UnpackLimits } from './unpack.js'

export interface PackageIntakeConfig {
  packages: PackageStore
  state: StateStore
  limits: UnpackLimits
}

export interface AddPackageOptions {
  maxBytes?: number
  signal?: AbortSignal
  /** What to call the package in errors (default: "the upload", or the path given). */
  label?: string
  /**
   * Called with the digest before the package is checked or recorded: returns the signer to record
   * (null: unsigned), or throws to refuse the package, which then leaves nothing behind.
   */
  checkSignature?: (digest: string) => PackageSigner | null
}

export type PackageIntake = (source: string | Readable, options?: AddPackageOptions) => Promise<PackageRecord & { created: boolean }>

/** @example const add = createPackageIntake({ packages, state, limits }); await add('echo-1.0.0.zip') */
export function createPackageIntake({ packages, state, limits }: PackageIntakeConfig): PackageIntake {
  const byDigest = new KeyedLock()

  return async (source, options = {}) => {
    const label = options.label ?? (typeof source === 'string' ? source : 'the upload')
    const staged = await packages.stage(source, options)
    try {
      const signer = options.checkSignature?.(staged.digest) ?? null
      return await byDigest.run(staged.digest, async () => {
        const known = state.getPackage(staged.digest)
        if (known && (await packages.locate(staged.digest))) return { ...recordSigner(state, known, signer), created: false }
        const admitted = await admitPackage(staged.path, limits, label)
        const stored = await staged.keep()
        const record = state.putPackage({ digest: stored.digest, name: admitted.descriptor.name, version: admitted.descriptor.version!, size: stored.size, descriptor: admitted.descriptor, manifest: admitted.manifest, signer })
        return { ...recordSigner(state, record, signer), created: !known }
      })
    } finally {
      await staged.discard()
    }
  }
}

/** A stored package gains a signer it lacked, or a trusted one in place of an untrusted one; a recorded signer is never lost. */
function recordSigner(state: StateStore, record: PackageRecord, signer: PackageSigner | null): PackageRecord {
  if (!signer || (record.signer && (record.signer.trusted || !signer.trusted))) return record
  return state.setPackageSigner(record.digest, signer)
}
