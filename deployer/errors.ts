/**
 * Every error code the deployer's unpacking can produce. A package is hostile until proven
 * otherwise, so each way a zip can be refused has its own stable code (never reused);
 * deployer/ERRORS.md documents each one and test/unpack.test.ts keeps the two equal.
 */
import { defineErrors } from '../packager/ferry-error.js'

const REPACK = 'Pack the model folder again with `ferry pack` and deploy the new zip.'

export const { ERRORS: DEPLOYER_ERRORS, createError: createDeployerError } = defineErrors({
  // The zip itself
  E_UNPACK_ZIP_INVALID: { status: 422, hint: `The file is not a readable zip or its structure is inconsistent. ${REPACK}` },
  E_UNPACK_ENTRY_UNSUPPORTED: { status: 422, hint: `Only unencrypted entries, stored or deflated, are accepted. ${REPACK}` },
  // Entry names and types
  E_UNPACK_ABSOLUTE_PATH: { status: 422, hint: `Entry names must be relative to the package root. ${REPACK}` },
  E_UNPACK_PATH_TRAVERSAL: { status: 422, hint: `Entry names must not contain ".." segments. ${REPACK}` },
  E_UNPACK_PATH_INVALID: { status: 422, hint: `Entry names use "/" between non-empty segments, with no backslash or control character. ${REPACK}` },
  E_UNPACK_SYMLINK: { status: 422, hint: 'Packages hold regular files only: copy the link target into the folder and pack again.' },
  E_UNPACK_SPECIAL_FILE: { status: 422, hint: 'Packages hold regular files only (no devices, fifos or sockets); remove it and pack again.' },
  E_UNPACK_DUPLICATE_NAME: { status: 422, hint: `Each entry name may appear once: a second copy could silently replace the first. ${REPACK}` },
  E_UNPACK_CASE_COLLISION: { status: 422, hint: 'Rename one of the files: names that differ only in case or Unicode form collide on macOS and Windows.' },
  E_UNPACK_PATH_CONFLICT: { status: 422, hint: 'A name cannot be both a file and a folder; rename one of them and pack again.' },
  // Limits
  E_UNPACK_TOO_MANY_FILES: { status: 422, hint: 'Bundle small files into fewer ones (or an archive the model reads), or raise the maxEntries limit.' },
  E_UNPACK_TOO_LARGE: { status: 422, hint: 'Shrink the package (weights outside it, fewer files), or raise the maxBytes limit.' },
  E_UNPACK_ZIP_BOMB: { status: 422, hint: 'An entry expands far more than real files do, as zip bombs do; pack it again, or raise maxRatio if the data really is that repetitive.' },
  // The manifest and what it promises
  E_UNPACK_MANIFEST_MISSING: { status: 422, hint: `The zip has no ferry.manifest.json at its root, so its files cannot be verified. ${REPACK}` },
  E_UNPACK_MANIFEST_INVALID: { status: 422, hint: `ferry.manifest.json is damaged or of an unknown format; pack again with this version of Ferry.` },
  E_UNPACK_MANIFEST_MISMATCH: { status: 422, hint: `The zip's entries differ from what its manifest lists: it was changed after packing. ${REPACK}` },
  E_UNPACK_DESCRIPTOR_MISSING: { status: 422, hint: `Every package holds descriptor.json at its root. ${REPACK}` },
  E_UNPACK_SIZE_MISMATCH: { status: 422, hint: `An entry holds a different number of bytes than its header declares (a lying or damaged zip). ${REPACK}` },
  E_UNPACK_CHECKSUM_MISMATCH: { status: 422, hint: `A file's content differs from the sha256 in the manifest: it was changed or damaged after packing. ${REPACK}` },
  // The destination
  E_UNPACK_DEST_EXISTS: { status: 409, hint: 'A version is unpacked once: remove the old instance directory first, or deploy a new version.' },
  E_UNPACK_WRITE_FAILED: { status: 500, hint: 'Check free disk space and the permissions of the data directory, then deploy again.' },
})

export type DeployerErrorCode = keyof typeof DEPLOYER_ERRORS
