/**
 * Faults of the machine rather than of Ferry or the request: a full disk, a read-only file system,
 * a permission refused. They are the user's to fix, so they become FerryErrors with a stable code
 * and a hint (E_DISK_FULL, E_READ_ONLY, E_PERMISSION_DENIED) wherever they surface: the gateway's
 * error handler, the CLI's one catch. Errno codes (ENOSPC, …) and SQLite's (SQLITE_FULL, …) alike,
 * found anywhere along the `cause` chain.
 */
import { isFerryError, type FerryError } from '../packager/ferry-error.js'
import { createDeployerError } from './errors.js'

type EnvironmentCode = 'E_DISK_FULL' | 'E_READ_ONLY' | 'E_PERMISSION_DENIED'

const BY_SYSTEM_CODE: Readonly<Record<string, EnvironmentCode>> = {
  ENOSPC: 'E_DISK_FULL', EDQUOT: 'E_DISK_FULL', SQLITE_FULL: 'E_DISK_FULL',
  EROFS: 'E_READ_ONLY', SQLITE_READONLY: 'E_READ_ONLY', SQLITE_READONLY_DIRECTORY: 'E_READ_ONLY', SQLITE_READONLY_ROLLBACK: 'E_READ_ONLY',
  EACCES: 'E_PERMISSION_DENIED', EPERM: 'E_PERMISSION_DENIED', SQLITE_CANTOPEN: 'E_PERMISSION_DENIED',
}

const WHAT: Readonly<Record<EnvironmentCode, string>> = {
  E_DISK_FULL: 'the disk is full',
  E_READ_ONLY: 'the file system is read-only',
  E_PERMISSION_DENIED: 'permission denied',
}

/**
 * The environment fault behind `error` as a FerryError, or undefined when it is something else.
 * A FerryError wrapping one (e.g. E_UNPACK_WRITE_FAILED) is left as it is.
 * @example toEnvironmentError(Object.assign(new Error('x'), { code: 'ENOSPC', path: '/d/p.zip' }))?.code // 'E_DISK_FULL'
 */
export function toEnvironmentError(error: unknown): FerryError | undefined {
  if (isFerryError(error)) return undefined
  for (let cause: unknown = error, depth = 0; cause && depth < 5; cause = (cause as { cause?: unknown }).cause, depth++) {
    const systemCode = (cause as { code?: unknown }).code
    if (typeof systemCode !== 'string' || !Object.hasOwn(BY_SYSTEM_CODE, systemCode)) continue
    // EACCES/EPERM from anything but a file operation (e.g. signalling a process) is not a data-directory fault.
    if ((systemCode === 'EACCES' || systemCode === 'EPERM') && (cause as { syscall?: unknown }).syscall === 'kill') continue
    const code = BY_SYSTEM_CODE[systemCode]!
    const path = (cause as { path?: unknown }).path
    const where = typeof path === 'string' ? ` (${path})` : ''
    return createDeployerError(code, `${WHAT[code]}${where}: ${(cause as Error).message ?? systemCode}`, { details: { systemCode, ...(typeof path === 'string' ? { path } : {}) }, cause: error })
  }
  return undefined
}
