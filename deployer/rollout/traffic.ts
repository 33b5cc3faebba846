/**
 * The seam between the rollout controller (control plane) and the data plane that carries the
 * requests: what the controller asks the proxy about live traffic. The gateway implements it
 * (gateway/proxy/traffic-ledger.ts); a deployer with no data plane attached sees no traffic, so
 * its windows never count and drains end at once.
 */

/** Requests to one version that ended within a window. */
export interface WindowFigures {
  requests: number
  /** Answered with a status below 500 (no socket error, no timeout). */
  succeeded: number
  /** 95th percentile of their durations (nearest rank), null with no request. */
  p95Ms: number | null
}

/** Mirrored copies sent to a shadow version within a window, compared with the stable answers. */
export interface ShadowFigures extends WindowFigures {
  /** Copies whose stable and shadow answers were both complete, so they could be compared. */
  compared: number
  /** Of those, equal at the rollout's compare pointer. */
  agreed: number
}

export interface TrafficSource {
  /** What the data plane carries to `ref` (`name@version`) now; `streams` are SSE responses and WebSocket tunnels. */
  inFlight(ref: string): { requests: number; streams: number }
  /** Requests to `ref` that ended in [fromMs, toMs) (epoch milliseconds); mirrored copies are not counted. */
  window(ref: string, fromMs: number, toMs: number): WindowFigures
  /** Mirrored copies to `ref` that ended in [fromMs, toMs). */
  shadow(ref: string, fromMs: number, toMs: number): ShadowFigures
  /** The mean of a metric `name@version` reported in tracked runs started in [fromMs, toMs); undefined without runs. */
  metricMean?(name: string, version: string, metric: string, fromMs: number, toMs: number): { mean: number; runs: number } | undefined
}

/** How the data plane routes `latest` of a model while a rollout is active (precomputed, read per request). */
export interface RolloutRoute {
  rollout: number
  /** Canary (and a paused canary): the candidate takes `weight` percent of `latest`. */
  split?: { version: string; ref: string; weight: number; sticky: boolean }
  /** Shadow: `percent` of `latest` requests are copied to the candidate and compared at `compare`. */
  mirror?: { version: string; ref: string; percent: number; compare: string }
}

export const NO_TRAFFIC: TrafficSource = Object.freeze({
  inFlight: () => ({ requests: 0, streams: 0 }),
  window: () => ({ requests: 0, succeeded: 0, p95Ms: null }),
  shadow: () => ({ requests: 0, succeeded: 0, p95Ms: null, compared: 0, agreed: 0 }),
})
