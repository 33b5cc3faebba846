/** Every `ferry` command, loaded lazily: only the one being run is imported. */
import type { CommandDef } from './command.js'

export interface CommandEntry {
  summary: string
  load: () => Promise<{ default: CommandDef<never> }>
}

export const COMMANDS: Record<string, CommandEntry> = {
  validate: { summary: 'Check a model folder or package zip and list every problem', load: () => import('./commands/validate.js') as never },
  serve: { summary: 'Run the gateway and supervise every deployed version (the server the other commands talk to)', load: () => import('./commands/serve.js') as never },
  pack: { summary: 'Validate a model folder and write a reproducible <name>-<version>.zip', load: () => import('./commands/pack.js') as never },
}
