/**
 * The process's own metrics, read at render time: memory, CPU, start time, heap, event-loop lag
 * and open file descriptors (Linux only), under the names prom-client uses.
 */
import { readdirSync } from 'node:fs'
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks'
import { formatHeader, formatSample, type MetricType } from './_prometheus.js'

export interface ProcessMetrics {
  render(): string
  close(): void
}

/**
 * Starts the event-loop delay monitor (it runs on an unref'd libuv timer, so it never keeps the
 * process alive) and returns a renderer for the process families.
 */
export function createProcessMetrics(): ProcessMetrics {
  const loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 })
  loopDelay.enable()
  // The process may have started before this module loaded: timeOrigin is the process's start.
  const startTimeSeconds = Math.round(performance.timeOrigin) / 1000

  return {
    render() {
      const memory = process.memoryUsage()
      const cpu = process.cpuUsage()
      // The mean delay since the last scrape, in seconds; NaN before the first sample.
      const lag = Number.isFinite(loopDelay.mean) ? loopDelay.mean / 1e9 : 0
      loopDelay.reset()
      const fds = countOpenFds()
      return [
        family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', memory.rss),
        family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.', (cpu.user + cpu.system) / 1e6),
        family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', startTimeSeconds),
        family('nodejs_heap_used_bytes', 'gauge', 'V8 heap used in bytes.', memory.heapUsed),
        family('nodejs_eventloop_lag_seconds', 'gauge', 'Mean event loop delay since the last scrape, in seconds.', lag),
        fds === undefined ? '' : family('process_open_fds', 'gauge', 'Number of open file descriptors.', fds),
      ].join('')
    },
    close() {
      loopDelay.disable()
    },
  }
}

function family(name: string, type: MetricType, help: string, value: number): string {
  return formatHeader(name, type, help) + formatSample(name, {}, value) + '\n'
}

/** Entries of /proc/self/fd, less the one readdir itself holds open; undefined off Linux. */
function countOpenFds(): number | undefined {
  if (process.platform !== 'linux') return undefined
  try {
    return readdirSync('/proc/self/fd').length - 1
  } catch {
    return undefined
  }
}
