/**
 * validateDescriptor: schema first, then the semantic rules, collecting every problem rather than
 * stopping at the first (changesets' parse + rules, in that order).
 */
import type { Descriptor } from '../descriptors/descriptor.js'
import { checkRules } from './_rules.js'
import { checkSchema } from './_schema-problems.js'
import { sortProblems, type Problem } from './problem.js'
import type { PackageContents } from './package-contents.js'

export interface DescriptorValidation {
  /** The descriptor, typed, when there are no errors. */
  descriptor: Descriptor | undefined
  errors: Problem[]
  warnings: Problem[]
}

/**
 * Validates a parsed descriptor.json against the schema and the package's files.
 * @example
 * const { errors } = validateDescriptor(json, { files: new Set(['server.js']), readText: () => undefined })
 */
export function validateDescriptor(json: unknown, contents: PackageContents): DescriptorValidation {
  const schemaProblems = checkSchema(json)
  // One fault, one report: a rule says nothing about a value the schema already refused.
  const refused = new Set(schemaProblems.map((p) => p.path))
  const ruleProblems = checkRules(json, contents).filter((p) => !refused.has(p.path))
  const problems = sortProblems([...schemaProblems, ...ruleProblems])
  const errors = problems.filter((p) => p.severity === 'error')
  const warnings = problems.filter((p) => p.severity === 'warning')
  return { descriptor: errors.length === 0 ? (json as Descriptor) : undefined, errors, warnings }
}
