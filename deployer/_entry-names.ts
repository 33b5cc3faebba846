/**
 * Which zip entry names are safe to extract. A name is checked as written in the central
 * directory, never "cleaned": a name that needs cleaning is refused, so what is unpacked is
 * exactly what was packed, and no name can reach outside the destination (zip slip).
 */
import type { DeployerErrorCode } from './errors.js'

export interface NameProblem {
  code: Extract<DeployerErrorCode, 'E_UNPACK_ABSOLUTE_PATH' | 'E_UNPACK_PATH_TRAVERSAL' | 'E_UNPACK_PATH_INVALID'>
  reason: string
}

const DRIVE_LETTER = /^[A-Za-z]:/
// C0 controls, DEL, and U+FFFD (what unzipper decodes invalid UTF-8 to, so two names could meet).
const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f\ufffd]/
const MAX_SEGMENT_BYTES = 255
/**
 * A whole name's limit: Linux refuses paths over PATH_MAX (4,096 bytes), and a name is extracted
 * under `<data>/instances/<name>/<version>/app/`, so a longer one would pass the upload and only
 * fail at deploy. 1,024 leaves room for any reasonable data directory.
 */
export const MAX_NAME_BYTES = 1024

/**
 * Returns why `name` must not be extracted, or undefined when it is safe. Directory entries end
 * with "/"; everything else in the name must be non-empty segments separated by single "/".
 * @example
 * checkEntryName('../evil.txt') // → { code: 'E_UNPACK_PATH_TRAVERSAL', reason: 'has a ".." segment' }
 * checkEntryName('model/weights.bin') // → undefined
 */
export function checkEntryName(name: string): NameProblem | undefined {
  if (name === '') return { code: 'E_UNPACK_PATH_INVALID', reason: 'is empty' }
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return { code: 'E_UNPACK_PATH_INVALID', reason: `is longer than ${MAX_NAME_BYTES} bytes, more than a file system path may hold once unpacked` }
  if (name.startsWith('/') || name.startsWith('\\')) return { code: 'E_UNPACK_ABSOLUTE_PATH', reason: 'starts with a slash' }
  if (DRIVE_LETTER.test(name)) return { code: 'E_UNPACK_ABSOLUTE_PATH', reason: 'starts with a drive letter' }
  // Backslashes are separators on Windows: "..\\x" is a traversal there, so test both.
  if (name.split(/[\\/]/).includes('..')) return { code: 'E_UNPACK_PATH_TRAVERSAL', reason: 'has a ".." segment' }
  if (name.includes('\\')) return { code: 'E_UNPACK_PATH_INVALID', reason: 'contains a backslash' }
  if (UNSAFE_CHARACTER.test(name)) return { code: 'E_UNPACK_PATH_INVALID', reason: 'contains a control character or invalid UTF-8' }
  const segments = (name.endsWith('/') ? name.slice(0, -1) : name).split('/')
  if (segments.some((segment) => segment === '' || segment === '.')) return { code: 'E_UNPACK_PATH_INVALID', reason: 'has an empty or "." segment' }
  if (segments.some((segment) => Buffer.byteLength(segment) > MAX_SEGMENT_BYTES)) return { code: 'E_UNPACK_PATH_INVALID', reason: `has a segment longer than ${MAX_SEGMENT_BYTES} bytes` }
  return undefined
}

/**
 * The form two names collide in on case-insensitive or normalising file systems (macOS, Windows).
 * @example
 * foldEntryName('Model/Café.bin') === foldEntryName('model/cafe\u0301.bin') // → true
 */
export function foldEntryName(name: string): string {
  return name.normalize('NFC').toLowerCase()
}
