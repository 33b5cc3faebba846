/**
 * Preloaded into a benchmarked Node process (`node --import <this file> bin/ferry.js …`): when that
 * process exits, writes its peak resident set size in KiB (`process.resourceUsage().maxRSS`) to the
 * file named by FERRY_BENCH_RUSAGE_FILE. Does nothing when the variable is unset, so importing it
 * for the constant is harmless. Child processes of the measured process are not counted.
 */
import { writeFileSync } from 'node:fs'

/** The environment variable naming the file the peak RSS is written to. */
export const RUSAGE_FILE_ENV = 'FERRY_BENCH_RUSAGE_FILE'

const target = process.env[RUSAGE_FILE_ENV]
if (target) {
  // 'exit' also fires after process.exit(); only a signal death (e.g. SIGKILL) skips it.
  process.on('exit', () => writeFileSync(target, `${process.resourceUsage().maxRSS}\n`))
}
