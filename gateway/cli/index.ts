/**
 * The `ferry` command line: parses argv, loads the one command asked for, runs it, prints its
 * result (human text, or JSON with --json) and maps failures to exit codes. The one catch of the
 * CLI process lives here: user errors print their message (exit 1), usage errors print usage
 * (exit 2), anything else prints its stack and says it is a bug (exit 70).
 */
import { parseArgs } from 'node:util'
import { isFerryError, UsageError } from '../../packager/ferry-error.js'
import { toEnvironmentError } from '../../deployer/environment-error.js'
import { formatProblem, type Problem } from '../../packager/problem.js'
import { readFerryVersion } from '../../packager/repo-root.js'
import type { CommandContext, CommandDef, OptionSpec } from './command.js'
import { COMMANDS } from './commands.js'

export const EXIT = { OK: 0, USER_ERROR: 1, USAGE: 2, INTERNAL: 70, INTERRUPTED: 130 } as const

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'machine-readable output on stdout (human messages stay on stderr)' },
  help: { type: 'boolean', short: 'h', description: 'show help for the command' },
}

function renderMainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length))
  return [
    'ferry: package, deploy, version and serve ML models on your own machine',
    '',
    'Usage: ferry <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`),
    '',
    'Every command takes --help and --json. Exit codes: 0 ok, 1 bad input, 2 usage, 70 internal error (a bug).',
    'Run `ferry <command> --help` for its options.',
  ].join('\n')
}

function renderCommandHelp(name: string, command: CommandDef<never>): string {
  const options = { ...command.options, ...GLOBAL_OPTIONS }
  const flags = Object.entries(options).map(([key, spec]) => [`${spec.short ? `-${spec.short}, ` : '    '}--${key}${spec.value ? ` ${spec.value}` : ''}`, spec.description] as const)
  const width = Math.max(...flags.map(([f]) => f.length))
  return [`Usage: ${command.usage}`, '', command.description, '', 'Options:', ...flags.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`), '', `(ferry ${name})`].join('\n')
}

function writeLine(stream: NodeJS.WritableStream | CommandContext['stdout'], text: string): void {
  if (text) stream.write(text.endsWith('\n') ? text : `${text}\n`)
}

/** Why a command was ended when its stdout's reader went away. */
class OutputClosedError extends Error {
  constructor() {
    super('output closed')
  }
}

function reportError(error: unknown, context: CommandContext): number {
  if (context.signal.aborted) {
    if (context.signal.reason instanceof OutputClosedError) return EXIT.OK
    writeLine(context.stderr, 'interrupted')
    return EXIT.INTERRUPTED
  }
  if (error instanceof UsageError) {
    writeLine(context.stderr, `ferry: ${error.message}\nRun \`ferry --help\` or \`ferry <command> --help\`.`)
    return EXIT.USAGE
  }
  // A full disk, a read-only or forbidden data directory: the user's to fix, not a bug.
  error = toEnvironmentError(error) ?? error
  if (isFerryError(error)) {
    if (context.json) writeLine(context.stdout, JSON.stringify(error.toJSON(), null, 2))
    const problems = (error.details?.['errors'] as Problem[] | undefined) ?? []
    const lines = [`error ${error.code}: ${error.message}`, ...(problems.length ? problems.map((p) => `  ${formatProblem(p).replace(/\n/g, '\n  ')}`) : [`  ${error.hint}`])]
    writeLine(context.stderr, lines.join('\n'))
    return EXIT.USER_ERROR
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error)
  writeLine(context.stderr, `${stack}\n\nferry: internal error. This is a bug in Ferry; please report it with the output above.`)
  return EXIT.INTERNAL
}

function toUsageError(error: unknown): unknown {
  const code = (error as { code?: string }).code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS') ? new UsageError((error as Error).message) : error
}

/**
 * Runs one command line and returns its exit code; never calls process.exit.
 * @example
 * const code = await runCli(['validate', 'examples/echo', '--json'], { cwd: '/repo', … })
 */
export async function runCli(argv: string[], context: CommandContext): Promise<number> {
  const [name, ...rest] = argv
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      writeLine(context.stdout, renderMainHelp())
      return name === undefined ? EXIT.USAGE : EXIT.OK
    }
    if (name === '--version' || name === '-v') {
      writeLine(context.stdout, readFerryVersion())
      return EXIT.OK
    }
    const entry = COMMANDS[name]
    if (!entry) throw new UsageError(`unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(', ')}`)
    const command = (await entry.load()).default
    const parsed = (() => {
      try {
        return parseArgs({ args: rest, options: { ...command.options, ...GLOBAL_OPTIONS }, allowPositionals: true, strict: true })
      } catch (error) {
        throw toUsageError(error)
      }
    })()
    if (parsed.values['help']) {
      writeLine(context.stdout, renderCommandHelp(name, command))
      return EXIT.OK
    }
    const { min, max } = command.positionals
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new UsageError(`${name} takes ${min === max ? min : `${min} to ${max}`} argument${max === 1 ? '' : 's'}; usage: ${command.usage}`)
    }
    const commandContext = { ...context, json: parsed.values['json'] === true }
    const outcome = await command.run(parsed as never, commandContext)
    writeLine(context.stdout, commandContext.json ? JSON.stringify(outcome.result, null, 2) : command.render(outcome.result as never, commandContext))
    return outcome.exitCode ?? EXIT.OK
  } catch (error) {
    return reportError(error, { ...context, json: rest.includes('--json') })
  }
}

/** Entry point used by bin/ferry.js: runs the CLI against this process and sets its exit code. */
export async function runMain(argv: string[]): Promise<void> {
  const controller = new AbortController()
  const interrupt = () => controller.abort(new Error('interrupted'))
  process.once('SIGINT', interrupt)
  process.once('SIGTERM', interrupt)
  // A reader that went away (`ferry logs -f | head`, a pipe closed under a running server) is not
  // the command's failure: the rest of its output is dropped, and once a write to stdout finds no
  // reader the command is ended as by Ctrl-C, quietly and with exit 0 (a following command stops;
  // `ferry serve`, which writes to stdout only as it starts and ends, keeps serving until then).
  // A closed stderr only loses the messages.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error
      if (stream === process.stdout) controller.abort(new OutputClosedError())
    })
  }
  process.exitCode = await runCli(argv, {
    cwd: process.cwd(),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    json: false,
    interactive: process.stderr.isTTY === true,
    signal: controller.signal,
  })
  process.off('SIGINT', interrupt)
  process.off('SIGTERM', interrupt)
}
