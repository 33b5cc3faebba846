/**
 * What a CLI command is: a plain async function over parsed options (so tests call it directly),
 * plus the words `ferry <command> --help` prints. Each command lives in commands/<name>.ts and is
 * loaded only when run.
 */
import type { Writable } from 'node:stream'

export interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
  /** May be given more than once (the value is then an array). */
  multiple?: boolean
  description: string
  /** Placeholder shown in help, e.g. "DIR". */
  value?: string
}

export interface CommandContext {
  cwd: string
  env: NodeJS.ProcessEnv
  /** Machine-readable output goes here under --json; the human result otherwise. */
  stdout: Writable
  /** Human messages: progress, warnings, errors. */
  stderr: Writable
  json: boolean
  /** True when stderr is a terminal (progress bars are drawn only then). */
  interactive: boolean
  signal: AbortSignal
}

export interface CommandOutcome<R> {
  result: R
  /** Exit code, 0 unless the command says otherwise (validate: 1 when invalid). */
  exitCode?: number
}

export interface CommandDef<R = unknown> {
  usage: string
  description: string
  options: Record<string, OptionSpec>
  /** How many positional arguments it takes. */
  positionals: { min: number; max: number }
  run(args: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] }, context: CommandContext): Promise<CommandOutcome<R>>
  /** The human rendering of the result, written to stdout without --json. */
  render(result: R, context: CommandContext): string
}

/** Declares a command with its types checked, e.g. `export default defineCommand({ … })`. */
export function defineCommand<R>(command: CommandDef<R>): CommandDef<R> {
  return command
}
