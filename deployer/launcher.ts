/**
 * The launcher seam: how the supervisor starts a model process, apart from where it runs. The
 * child-process launcher (child-process-launcher.ts) is the one used today; a Kubernetes launcher
 * can come later. Every launcher passes the same contract test (test/launcher.contract.ts).
 */

/** What to start. Nothing is added to it: `env` is the whole environment the process sees. */
export interface LaunchSpec {
  /** The program: an absolute path, or a name looked up in `env.PATH`. */
  command: string
  args: string[]
  /** Working directory; it must exist. */
  cwd: string
  /** The COMPLETE environment: the launcher adds nothing (no PATH unless given here). */
  env: Record<string, string>
  /**
   * What the process may see and use when it runs sandboxed (deployer/sandbox/); a launcher that
   * does not sandbox ignores it. Without it a sandboxing launcher shows the cwd read-only.
   */
  sandbox?: SandboxSpec
}

/** A sandboxed process's view: paths bound at their own place, its user, its limits. */
export interface SandboxSpec {
  /** Paths shown read-only (the version's app/ and venv/). */
  readOnly: string[]
  /** Paths shown writable (the version's private home/). */
  writable: string[]
  /** The unprivileged user and group it runs as when the server is root. */
  uid?: number
  gid?: number
  limits?: { openFiles?: number; processes?: number; memoryBytes?: number }
}

/** How the process ended: an exit code, or the signal that killed it (`'SIGKILL'`). */
export interface ExitInfo {
  code: number | null
  signal: string | null
}

/** A started process (the leader of its own process group). */
export interface LaunchedProcess {
  pid: number
  stdout: NodeJS.ReadableStream
  stderr: NodeJS.ReadableStream
  /** Resolves once the process (the group leader) has exited. Never rejects. */
  exited: Promise<ExitInfo>
  /**
   * SIGTERM to the whole process group, wait up to `graceMs` for it, then SIGKILL the group;
   * resolves with the leader's exit when all is dead. Idempotent, and fine after an exit.
   */
  stop(graceMs: number): Promise<ExitInfo>
}

/**
 * Starts processes. `launch` resolves once the program runs, and rejects with a FerryError
 * (`E_LAUNCH_FAILED`, the OS error as `cause`) when it cannot be started (ENOENT, EACCES).
 * @example
 * const child = await launcher.launch({ command: '/usr/bin/node', args: ['server.js'], cwd, env: { PATH, PORT: '4000' } })
 * await child.stop(5000)
 */
export interface Launcher {
  readonly name: string
  launch(spec: LaunchSpec): Promise<LaunchedProcess>
}
