/**
 * The bubblewrap command line for one sandboxed process: its own PID, IPC and UTS namespaces,
 * the system directories read-only, the paths it is given (read-only or writable) at their own
 * absolute paths, a private /tmp and /dev/shm, no capabilities, killed with its parent. As root,
 * it drops to the given uid/gid (setpriv) with no way back (no-new-privs, empty bounding set);
 * RLIMITs are set with prlimit. Pure: the same input gives the same argv (unit-tested).
 */
import { dirname } from 'node:path'
import type { LaunchSpec, SandboxSpec } from '../launcher.js'

/** Absolute paths of the programs the sandbox is made with. */
export interface SandboxTools {
  bwrap: string
  setpriv: string
  prlimit: string
  env: string
  sh: string
}

/** How the host's top-level system folders look: a link to recreate, or a folder to bind. */
export type SystemEntry = { kind: 'symlink'; path: string; target: string } | { kind: 'dir'; path: string }

/** Files of /etc a program may need (DNS, TLS roots, users, time zone, the dynamic linker); bound when present. */
export const ETC_FILES = [
  '/etc/resolv.conf', '/etc/hosts', '/etc/host.conf', '/etc/nsswitch.conf', '/etc/gai.conf', '/etc/services', '/etc/protocols',
  '/etc/passwd', '/etc/group', '/etc/localtime', '/etc/timezone', '/etc/ssl', '/etc/ca-certificates', '/etc/pki',
  '/etc/alternatives', '/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/mime.types', '/etc/os-release',
]

/**
 * Runs as the sandbox's first process so that a stop gives every process its grace period: it
 * starts the command, and when told to stop (SIGTERM to the group) it waits, after the command
 * has exited, for the rest of the sandbox to go (the SIGKILL after the grace period ends it
 * anyway). When the command exits by itself the sandbox ends at once, helpers with it.
 */
export const GRACE_WRAPPER = [
  'trap "stopping=1" TERM',
  '"$@" &',
  'child=$!',
  'while :; do wait "$child"; status=$?; kill -0 "$child" 2>/dev/null || break; done',
  'if [ -n "$stopping" ]; then',
  '  while :; do others=; for p in /proc/[0-9]*; do p=${p#/proc/}; [ "$p" = 1 ] || [ "$p" = $$ ] || others=1; done; [ -z "$others" ] && break; sleep 0.05; done',
  'fi',
  'exit "$status"',
].join('\n')

function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`)
}

/** Every ancestor of the bound paths that bwrap must create, parents first, made 0755 (bwrap's own are 0700). */
function ancestorsToCreate(paths: string[]): string[] {
  const dirs = new Set<string>()
  for (const path of paths) {
    for (let dir = dirname(path); dir !== '/' && dir !== '.'; dir = dirname(dir)) dirs.add(dir)
  }
  return [...dirs].filter((dir) => !isUnder(dir, '/usr') && !isUnder(dir, '/proc') && !isUnder(dir, '/dev')).sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b))
}

/** `prlimit` options for the spec's limits (soft = hard, so the process cannot raise them). */
export function describePrlimitArgs(limits: SandboxSpec['limits']): string[] {
  const args: string[] = []
  if (limits?.openFiles) args.push(`--nofile=${limits.openFiles}:${limits.openFiles}`)
  if (limits?.processes) args.push(`--nproc=${limits.processes}:${limits.processes}`)
  if (limits?.memoryBytes) args.push(`--data=${limits.memoryBytes}:${limits.memoryBytes}`)
  return args
}

/**
 * The argv that runs `spec` sandboxed: `[tools.bwrap, …, '--', …wrappers, command, …args]`.
 * `grace` adds the grace wrapper (replicas); set-up steps run without it.
 * @example
 * const argv = buildBwrapArgs({ spec, sandbox, tools, system, grace: true })
 */
export function buildBwrapArgs(input: { spec: LaunchSpec; sandbox: SandboxSpec; tools: SandboxTools; system: SystemEntry[]; grace: boolean }): string[] {
  const { spec, sandbox, tools, system } = input
  const argv = [tools.bwrap, '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--die-with-parent', '--hostname', 'ferry-sandbox']
  argv.push('--ro-bind', '/usr', '/usr')
  for (const entry of system) {
    if (entry.kind === 'symlink') argv.push('--symlink', entry.target, entry.path)
    else argv.push('--ro-bind', entry.path, entry.path)
  }
  argv.push('--perms', '0755', '--dir', '/etc')
  for (const file of ETC_FILES) argv.push('--ro-bind-try', file, file)
  argv.push('--proc', '/proc', '--dev', '/dev', '--perms', '1777', '--tmpfs', '/dev/shm', '--perms', '1777', '--tmpfs', '/tmp')
  const bound = [...sandbox.readOnly, ...sandbox.writable]
  for (const dir of ancestorsToCreate(bound)) argv.push('--perms', '0755', '--dir', dir)
  // Writable paths last, so a writable folder inside a read-only one stays writable.
  for (const path of sandbox.readOnly) argv.push('--ro-bind', path, path)
  for (const path of sandbox.writable) argv.push('--bind', path, path)
  argv.push('--chdir', spec.cwd)
  argv.push('--cap-drop', 'ALL')
  const dropsUser = sandbox.uid !== undefined
  // setpriv needs these to change user; it clears them (and the bounding set) as it does.
  if (dropsUser) argv.push('--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SETPCAP')
  argv.push('--')
  if (dropsUser) argv.push(tools.setpriv, `--reuid=${sandbox.uid}`, `--regid=${sandbox.gid ?? sandbox.uid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', '--')
  const limits = describePrlimitArgs(sandbox.limits)
  if (limits.length > 0) argv.push(tools.prlimit, ...limits, '--')
  // bwrap sets PWD and the shell exports it: the command gets exactly its spec's environment.
  const pwd = spec.env['PWD'] === undefined ? ['-u', 'PWD'] : [`PWD=${spec.env['PWD']}`]
  if (input.grace) argv.push(tools.env, '--default-signal', tools.sh, '-c', GRACE_WRAPPER, 'ferry-sandbox', tools.env, '--default-signal', ...pwd)
  else argv.push(tools.env, '--default-signal', ...pwd)
  argv.push(spec.command, ...spec.args)
  return argv
}
