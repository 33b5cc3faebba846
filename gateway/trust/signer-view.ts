/**
 * How a package's recorded signer reads today: the record stays as it was checked at upload
 * (name, key, whether it was trusted then), and `trust` says where its key stands now:
 * `trusted` (in the trusted keys), `removed` (trusted at upload, removed since) or `unknown`
 * (never trusted).
 */
import type { PackageSigner } from '../../deployer/index.js'
import type { TrustedKey } from './trusted-keys.js'

export type SignerTrust = 'trusted' | 'removed' | 'unknown'

export interface SignerView extends PackageSigner {
  trust: SignerTrust
}

/** Adds `trust` to each record's signer, against the keys trusted now. */
export function viewSigners<T extends { signer: PackageSigner | null }>(records: T[], trusted: readonly TrustedKey[]): Array<Omit<T, 'signer'> & { signer: SignerView | null }> {
  return records.map((record) => {
    const signer = record.signer
    if (!signer) return { ...record, signer: null }
    const key = trusted.find((k) => k.keyId === signer.keyId && k.publicKey === signer.publicKey)
    const trust: SignerTrust = key ? 'trusted' : signer.trusted ? 'removed' : 'unknown'
    return { ...record, signer: { ...signer, name: signer.name ?? key?.name ?? null, trust } }
  })
}
