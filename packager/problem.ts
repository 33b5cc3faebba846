/**
 * A problem found while validating a package: where (a JSON pointer into descriptor.json, or "/"
 * for the package as a whole), which stable code, what is wrong and what to do.
 */
import { PACKAGER_ERRORS, type PackagerErrorCode } from './errors.js'

export interface Problem {
  severity: 'error' | 'warning'
  code: PackagerErrorCode
  /** JSON pointer into descriptor.json, e.g. "/runtime/entry"; "/" for the whole package. */
  path: string
  message: string
  hint: string
  line?: number
  column?: number
}

/** Builds a problem; the severity follows the code (W_* are warnings). */
export function createProblem(code: PackagerErrorCode, path: string, message: string, extra: Partial<Problem> = {}): Problem {
  return {
    severity: code.startsWith('W_') ? 'warning' : 'error',
    code,
    path: path === '' ? '/' : path,
    message,
    hint: PACKAGER_ERRORS[code].hint,
    ...extra,
  }
}

/** Orders problems by path, then code, so output is stable. */
export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => (a.path === b.path ? a.code.localeCompare(b.code) : a.path.localeCompare(b.path)))
}

/** One line per problem: `/runtime/entry  E_ENTRY_MISSING  file "app.js" is not in the package`. */
export function formatProblem(problem: Problem): string {
  return `${problem.path}  ${problem.code}  ${problem.message}\n    ${problem.hint}`
}
