/**
 * One file of a stored package, streamed out of its zip: what the console shows as a model's
 * sample inputs (descriptor `examples[].file`). Only paths the manifest lists are served, so the
 * manifest file itself and anything not packed are refused alike.
 */
import type { Readable } from 'node:stream'
import unzipper from 'unzipper'
import { createDeployerError } from './errors.js'
import type { PackageManifest } from './_package-manifest.js'

export interface PackageFile { path: string; size: number; stream: Readable }

/** @example const file = await openPackageFile('/data/packages/ab….zip', manifest, 'samples/fox.png') */
export async function openPackageFile(zipPath: string, manifest: PackageManifest, path: string): Promise<PackageFile> {
  const listed = manifest.files.find((file) => file.path === path)
  const notFound = () => createDeployerError('E_PACKAGE_FILE_NOT_FOUND', `the package has no file "${path}"`, { path, details: { path } })
  if (!listed) throw notFound()
  const directory = await unzipper.Open.file(zipPath)
  const entry = directory.files.find((file) => file.path === path && file.type === 'File')
  if (!entry) throw notFound()
  return { path, size: listed.size, stream: entry.stream() }
}
