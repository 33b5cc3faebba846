/** Every `ferry` command, loaded lazily: only the one being run is imported. */
import type { CommandDef } from './command.js'

export interface CommandEntry {
  summary: string
  load: () => Promise<{ default: CommandDef<never> }>
}

export const COMMANDS: Record<string, CommandEntry> = {
  validate: { summary: 'Check a model folder or package zip and list every problem', load: () => import('./commands/validate.js') as never },
  serve: { summary: 'Run the gateway and supervise every deployed version (the server the other commands talk to)', load: () => import('./commands/serve.js') as never },
  deploy: { summary: 'Upload a package or folder, deploy it and wait until it is healthy', load: () => import('./commands/deploy.js') as never },
  ps: { summary: 'List every version with its state, aliases and replicas', load: () => import('./commands/ps.js') as never },
  routes: { summary: 'Print the routing table the data plane serves now (versions, aliases, endpoints, rollout split or mirror)', load: () => import('./commands/routes.js') as never },
  steps: { summary: 'Print a pipeline\'s steps: the model each calls, the version it reaches now or why not, and its calls, failures and p95', load: () => import('./commands/steps.js') as never },
  logs: { summary: 'Print the last lines a version wrote', load: () => import('./commands/logs.js') as never },
  stop: { summary: 'Stop a version', load: () => import('./commands/stop.js') as never },
  start: { summary: 'Start a stopped version again', load: () => import('./commands/start.js') as never },
  restart: { summary: 'Restart a version, make-before-break', load: () => import('./commands/restart.js') as never },
  rm: { summary: 'Stop and remove a version', load: () => import('./commands/rm.js') as never },
  alias: { summary: 'Point an alias of a model at a version', load: () => import('./commands/alias.js') as never },
  rollback: { summary: 'Abort the rollout in progress, or start the previous version and move latest to it', load: () => import('./commands/rollback.js') as never },
  pack: { summary: 'Validate a model folder and write a reproducible <name>-<version>.zip', load: () => import('./commands/pack.js') as never },
  rollout: { summary: 'Show a rollout with its checks, or promote, abort, pause or resume it', load: () => import('./commands/rollout.js') as never },
  infer: { summary: 'Call a model through the Open Inference Protocol v2 (tensors named in its metadata)', load: () => import('./commands/infer.js') as never },
  token: { summary: 'Create, list and revoke named tokens with roles (admin, deployer, viewer, inference)', load: () => import('./commands/token.js') as never },
  audit: { summary: 'Print the audit trail of management actions and refusals', load: () => import('./commands/audit.js') as never },
  keygen: { summary: 'Make an Ed25519 key to sign packages with (pack --sign, deploy --sign)', load: () => import('./commands/keygen.js') as never },
  verify: { summary: 'Check a package\'s signature offline and say who signed it', load: () => import('./commands/verify.js') as never },
  trust: { summary: 'Add, list or remove the public keys the server trusts', load: () => import('./commands/trust.js') as never },
  timeseries: { summary: 'Print each version\'s requests/s, errors, latency and replicas over the last 15 minutes, hour or day, with the deploys and alias moves', load: () => import('./commands/timeseries.js') as never },
  job: { summary: 'Submit a batch of inputs to a model, watch its progress, read its results, cancel it (resumed after a restart)', load: () => import('./commands/job.js') as never },
}
