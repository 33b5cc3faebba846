/**
 * Records each recognition as a tracked run, in the background, after its response was sent:
 * params `num_words`, `num_pages` and `words`, metrics `mean_confidence` and `duration_ms`, the
 * request id, the recognised text (so `GET /api/runs?q=` finds a document by any word of it), and
 * the artifact `highlighted.png` (an image) or `highlighted-page-N.png` (a PDF's first pages). At most a few runs are recorded at once and a bounded number
 * wait; past that, runs are dropped. Any failure is one warning line on stderr: tracking never
 * fails or delays a response.
 */
import { drawWordBoxes } from './highlight.js'
import { encodeRgbPng } from './png-encoder.js'
import type { Rgba } from './raster.js'
import type { Recognition } from './recognition.js'
import type { TrackingClient } from './tracking-client.js'

export interface RecognizedRequest {
  recognition: Recognition
  /** 1 for an image, the page count of a PDF. */
  pages: number
  durationMs: number
  requestId: string | undefined
  startedAt: Date
  endedAt: Date
  /** The decoded image, to draw highlighted.png on; null for a PDF, which brings `artifacts`. */
  image: Rgba | null
  /** The highlighted PNG when the request asked for it already. */
  highlightPng: Buffer | null
  /** PNGs drawn already (a PDF's highlighted pages), uploaded as they are. */
  artifacts?: Array<{ name: string; png: Buffer }>
}

/** The memory a waiting run holds. */
function sizeOf(request: RecognizedRequest): number {
  return (request.image?.data.length ?? 0) + (request.artifacts ?? []).reduce((sum, { png }) => sum + png.length, 0)
}

export interface RunRecorder {
  record(request: RecognizedRequest): void
  /** Resolves once every queued run is recorded (or given up). */
  drain(): Promise<void>
}

const MAX_ACTIVE = 2
const MAX_WAITING = 64
/** Decoded images held by waiting runs, at most (a 40-megapixel image alone is 160 MB). */
const MAX_WAITING_BYTES = 256 * 1024 * 1024
const MAX_WORDS_PARAM = 500

function warn(message: string): void {
  process.stderr.write(`ocr: warning: ${message}\n`)
}

async function recordRun(client: TrackingClient, request: RecognizedRequest): Promise<void> {
  const { recognition } = request
  const words = recognition.words.map((word) => word.text).join(' ')
  const runId = await client.createRun({
    status: 'running',
    params: { num_words: recognition.words.length, num_pages: request.pages, words: words.length > MAX_WORDS_PARAM ? `${words.slice(0, MAX_WORDS_PARAM - 1)}…` : words },
    metrics: { mean_confidence: recognition.meanConfidence, duration_ms: request.durationMs },
    startedAt: request.startedAt.toISOString(),
    text: recognition.text.slice(0, 500_000),
    ...(request.requestId ? { requestId: request.requestId } : {}),
  })
  const artifacts = request.artifacts ?? (request.image ? [{ name: 'highlighted.png', png: null }] : [])
  for (const artifact of artifacts) {
    try {
      const png = artifact.png ?? request.highlightPng ?? encodeRgbPng(drawWordBoxes(request.image!, recognition.words))
      await client.uploadArtifact(runId, artifact.name, 'image/png', png)
    } catch (error) {
      warn(`run ${runId}: ${artifact.name} was not uploaded: ${(error as Error).message}`)
    }
  }
  await client.updateRun(runId, { status: 'finished', endedAt: request.endedAt.toISOString() })
}

/**
 * @example
 * const recorder = createRunRecorder(createTrackingClient(options.tracking))
 * res.once('finish', () => recorder.record({ recognition, durationMs, requestId, ... }))
 */
export function createRunRecorder(client: TrackingClient): RunRecorder {
  const waiting: RecognizedRequest[] = []
  let active = 0
  let waitingBytes = 0
  let idle: (() => void)[] = []

  const next = (): void => {
    while (active < MAX_ACTIVE && waiting.length > 0) {
      const request = waiting.shift()!
      waitingBytes -= sizeOf(request)
      active += 1
      recordRun(client, request)
        .catch((error: unknown) => warn(`request ${request.requestId ?? '(no id)'}: the run was not recorded: ${(error as Error).message}`))
        .finally(() => {
          active -= 1
          next()
        })
    }
    if (active === 0 && waiting.length === 0) {
      for (const resolve of idle) resolve()
      idle = []
    }
  }

  return {
    record(request) {
      if (waiting.length >= MAX_WAITING || waitingBytes + sizeOf(request) > MAX_WAITING_BYTES) {
        warn(`request ${request.requestId ?? '(no id)'}: ${waiting.length} runs are waiting to be recorded already; this one is dropped`)
        return
      }
      waiting.push(request)
      waitingBytes += sizeOf(request)
      setImmediate(next)
    },
    drain() {
      if (active === 0 && waiting.length === 0) return Promise.resolve()
      return new Promise((resolve) => idle.push(resolve))
    },
  }
}
