/**
 * A pipeline call as a tracked run (gateway/run-store.ts), when its descriptor has `track`: the
 * params, metrics, text and artifacts it declares, evaluated over the call's steps and its answer
 * (/output). A value a template cannot find is left out rather than failing the call. A failed
 * call is recorded too, with the step that failed in its tags.
 */
import { Readable } from 'node:stream'
import type { PipelineTracking } from '../../descriptors/descriptor.js'
import type { RunStore } from '../run-store.js'
import { evaluateTemplate } from './_template-eval.js'

const MAX_ARTIFACT_BYTES = 32 * 1024 * 1024

function tryEvaluate(template: unknown, context: unknown): unknown {
  try { return evaluateTemplate(template, context) } catch { return undefined }
}

function pick<T>(templates: Record<string, unknown> | undefined, context: unknown, keep: (v: unknown) => v is T): Record<string, T> {
  const out: Record<string, T> = {}
  for (const [name, template] of Object.entries(templates ?? {})) {
    const value = tryEvaluate(template, context)
    if (keep(value)) out[name] = value
  }
  return out
}

const isParam = (v: unknown): v is string | number | boolean => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean'
const isMetric = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const isImage = (v: unknown): v is { contentType: string; base64: string } => typeof v === 'object' && v !== null && typeof (v as { base64?: unknown }).base64 === 'string'
const EXTENSIONS: Record<string, string> = { 'image/png': '.png', 'image/jpeg': '.jpg', 'application/pdf': '.pdf' }

export interface RecordedCall {
  pipeline: string
  version: string
  requestId: string
  startedAt: string
  track: PipelineTracking
  /** /request, /steps and (when it answered) /output. */
  context: Record<string, unknown>
  failure?: { code: string; step: string | undefined }
}

/**
 * Writes the run; resolves with its id.
 * @example const id = await recordPipelineRun(runs, { pipeline: 'docflow', version: '1.0.0', requestId, track, context })
 */
export async function recordPipelineRun(runs: RunStore, call: RecordedCall): Promise<number> {
  const { track, context } = call
  const text = track.text === undefined ? undefined : tryEvaluate(track.text, context)
  const run = runs.create({ model: call.pipeline, version: call.version }, {
    status: call.failure ? 'failed' : 'finished',
    params: pick(track.params, context, isParam),
    metrics: pick(track.metrics, context, isMetric),
    tags: call.failure ? { error: call.failure.code, ...(call.failure.step ? { failedStep: call.failure.step } : {}) } : {},
    requestId: call.requestId,
    startedAt: call.startedAt,
    ...(typeof text === 'string' ? { text } : {}),
  })
  for (const [name, template] of Object.entries(track.artifacts ?? {})) {
    const value = tryEvaluate(template, context)
    const list = Array.isArray(value) ? value : [value]
    for (const [i, item] of list.entries()) {
      if (!isImage(item)) continue
      const type = typeof item.contentType === 'string' ? item.contentType : 'application/octet-stream'
      const file = `${Array.isArray(value) ? `${name}-${i + 1}` : name}${EXTENSIONS[type] ?? ''}`
      await runs.putArtifact(run.id, file, type, Readable.from([Buffer.from(item.base64, 'base64')]), MAX_ARTIFACT_BYTES).catch(() => undefined)
    }
  }
  return run.id
}
