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
  // Launching a replica (deployer/child-process-launcher.ts)
  E_LAUNCH_FAILED: { status: 500, hint: 'The program could not be started: check that the runtime (node, python3, the entry of an exec runtime) exists, is executable and is on the PATH Ferry passes to instances.' },
  // The machine: faults of the environment that the user fixes (deployer/environment-error.ts)
  E_DISK_FULL: { status: 507, hint: 'The disk holding the data directory is full: free space (old packages, logs, runs) and try again. Nothing was half-written.' },
  E_READ_ONLY: { status: 503, hint: 'The data directory is on a read-only file system: remount it read-write, or point FERRY_HOME at a writable directory.' },
  E_PERMISSION_DENIED: { status: 503, hint: 'The server may not write the data directory or a file in it: fix its owner and mode (it needs read and write), or run as the user who owns it.' },
  // The state store (deployer/sqlite-state-store.ts)
  E_STATE_DB_INVALID: { status: 500, hint: 'state.db in the data directory is damaged or is not a SQLite database: restore it from a backup, or move it away to start with an empty state.' },
  E_STATE_DB_NEWER: { status: 500, hint: 'The data directory was last used by a newer Ferry: run that version, or point FERRY_HOME at another directory.' },
  E_PACKAGE_NOT_FOUND: { status: 404, hint: 'Upload the package zip again, or list the stored packages to find the right digest.' },
  E_PACKAGE_FILE_NOT_FOUND: { status: 404, hint: "The package's manifest (GET /api/packages/:digest) lists the files it holds." },
  E_PACKAGE_IN_USE: { status: 409, hint: 'Delete the versions that use this package first; a deployed version keeps its package.' },
  E_VERSION_NOT_FOUND: { status: 404, hint: 'Deploy that version first, or list the model\'s versions to pick one that exists.' },
  E_VERSION_CONFLICT: { status: 409, hint: 'A version is immutable once taken: raise the version in descriptor.json and pack again, or deploy with bump to take the next free patch version.' },
  // Packages, versions and deploys (deployer/deployer.ts, registry/, supervisor/)
  E_PACKAGE_TOO_LARGE: { status: 413, hint: 'The upload is larger than the server accepts: keep big weights out of the package, or raise the upload limit.' },
  E_PACKAGE_INVALID: { status: 422, hint: 'Run `ferry validate` on the model folder, fix every problem it lists, then pack and upload again.' },
  E_ALIAS_INVALID: { status: 400, hint: 'Name aliases like models: lowercase letters, digits and hyphens, starting with a letter, at most 63 characters (e.g. stable, canary); never a version number.' },
  E_ALIAS_NAME_RESERVED: { status: 400, hint: 'Words such as previous, newest, current, default or none would read as a rule Ferry does not follow (an alias stays where it is put): pick a name for what the version is, e.g. stable or canary.' },
  E_ALIAS_NOT_FOUND: { status: 404, hint: 'List the model\'s aliases with GET /api/models.' },
  E_ALIAS_RESERVED: { status: 409, hint: '`latest` is moved by deploys, `ferry rollback` and `ferry alias`, never removed.' },
  E_VERSION_SERVES_LATEST: { status: 409, hint: 'Move `latest` first (`ferry rollback <name>` or `ferry alias <name> latest <version>`), or pass --force (`?force=1`) to move it to the newest other ready version.' },
  E_REF_INVALID: { status: 400, hint: 'Name a version as name@version (e.g. echo@1.0.0), or a package by its 64-character sha256 digest.' },
  E_REPLICAS_INVALID: { status: 400, hint: 'Ask for a whole number of replicas from 1 to 64.' },
  E_MODEL_NOT_FOUND: { status: 404, hint: 'Deploy the model first, or list the models to find its name.' },
  E_SETUP_FAILED: { status: 422, hint: "The version's dependencies could not be installed: read the log tail in the error, fix the package's dependency files, pack and deploy again." },
  E_DEPLOY_FAILED: { status: 422, hint: "The version did not become healthy: read the reasons and the log tail, fix the model, and deploy again. Whatever served before keeps serving." },
  // The sandbox (deployer/sandbox/)
  E_SANDBOX_MODE_INVALID: { status: 400, hint: 'Pass --sandbox auto (bubblewrap when installed), bwrap (refuse to start without it) or none (FERRY_SANDBOX likewise).' },
  E_SANDBOX_UNAVAILABLE: { status: 503, hint: 'Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) and check that it can create namespaces here, or start with --sandbox auto or none to run models unsandboxed.' },
  // Rollouts (deployer/rollout/)
  E_ROLLOUT_STRATEGY_UNKNOWN: { status: 400, hint: 'Choose a strategy among replace, canary, shadow and manual.' },
  E_ROLLOUT_WEIGHT_INVALID: { status: 400, hint: 'Weights and percentages are numbers from 0 to 100 (step and maxWeight from 1).' },
  E_ROLLOUT_STEP_TOO_LARGE: { status: 400, hint: 'Make the step at most the max weight, e.g. step 10 with maxWeight 50.' },
  E_ROLLOUT_INTERVAL_TOO_SHORT: { status: 400, hint: 'Give an interval of at least 1 s, e.g. "30s" or 30.' },
  E_ROLLOUT_COMPARE_INVALID: { status: 400, hint: 'Give a JSON pointer (RFC 6901): empty for the whole body, else starting with "/", e.g. /label.' },
  E_ROLLOUT_OPTION_INVALID: { status: 400, hint: 'Fix the option named in the error; GET /api/rollouts documents each option and its range in the README.' },
  E_ROLLOUT_IN_PROGRESS: { status: 409, hint: 'One rollout per model at a time: promote or abort the current one first (ferry rollout status <name>).' },
  E_ROLLOUT_NOT_ACTIVE: { status: 409, hint: 'Nothing is rolling out for this model: deploy with a strategy first, or check ferry rollout status <name>.' },
  E_ROLLOUT_NOT_FOUND: { status: 404, hint: 'List the rollouts with GET /api/rollouts to find the model or id.' },
  E_ROLLOUT_CHECKS_FAILING: { status: 409, hint: "The rollout's own requirement (e.g. minAgreement) is not met yet: wait for more traffic, or promote with force." },
  E_ACCEPTANCE_FAILED: { status: 422, hint: "One of the descriptor's examples was not answered as expected: read details.failures, fix the model or the example's expect, and deploy again. No user request reached the candidate." },
  E_ROLLBACK_NO_TARGET: { status: 409, hint: 'There is no older deployed version to roll back to: deploy one, or point latest at a version with ferry alias.' },
})

export type DeployerErrorCode = keyof typeof DEPLOYER_ERRORS

/**
 * The one "no such model" error, naming the models there are (the deployer's catalog, the routing
 * table and the timeseries routes all answer with it).
 * @example throw modelNotFound('ocr', ['echo', 'digits']) // E_MODEL_NOT_FOUND: no model "ocr"; models: echo, digits
 */
export function modelNotFound(name: string, known: readonly string[]): ReturnType<typeof createDeployerError> {
  return createDeployerError('E_MODEL_NOT_FOUND', `no model "${name}"${known.length ? `; models: ${known.join(', ')}` : ''}`, { details: { name, models: [...known] } })
}

/**
 * The one "no such version or alias" error, naming the versions and aliases the model has.
 * @example throw versionNotFound('ocr', '9.9.9', ['1.0.0'], ['stable'])
 */
export function versionNotFound(name: string, selector: string, versions: readonly string[], aliases: readonly string[]): ReturnType<typeof createDeployerError> {
  return createDeployerError('E_VERSION_NOT_FOUND', `${name}@${selector} is neither a version nor an alias; versions: ${versions.join(', ')}${aliases.length ? `; aliases: ${aliases.join(', ')}` : ''}`, { details: { name, selector, versions: [...versions], aliases: [...aliases] } })
}
