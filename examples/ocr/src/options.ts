/**
 * The OCR server's settings, read once from the environment into a frozen object: nothing else
 * reads `process.env`. Ferry sets PORT and HOST (and FERRY_TRACKING_URL / FERRY_TRACKING_TOKEN);
 * the descriptor's `runtime.env` sets OCR_WORKERS ("auto": one per core, at most 4).
 * OCR_MAX_PDF_PAGES bounds a PDF's pages (default 50). OCR_LANG_PATH and OCR_LOAD_TIMEOUT_SECONDS
 * are there for tests and unusual set-ups.
 */
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'

export interface OcrOptions {
  port: number
  host: string
  /** The service's version, for the OpenAPI document: Ferry's FERRY_VERSION. */
  version: string
  /** Recognition workers (tesseract.js worker threads), each holding the model: ~110 MB apiece. */
  workers: number
  /** Where eng.traineddata.gz is: OCR_LANG_PATH (a folder, or a URL as tesseract.js's langPath allows), by default a folder of the @tesseract.js-data/eng package. */
  langPath: string
  /** How long loading one worker may take before start-up fails. */
  loadTimeoutMs: number
  /** The most pages a PDF may have: OCR_MAX_PDF_PAGES, default 50. */
  maxPdfPages: number
  /** The tracked-runs API, or null when the server runs outside Ferry. */
  tracking: { url: string; token: string } | null
}

/** Pages a PDF may have unless OCR_MAX_PDF_PAGES says otherwise. */
export const DEFAULT_MAX_PDF_PAGES = 50

/** The largest pool `OCR_WORKERS=auto` picks: each worker holds its own copy of the model. */
const MAX_AUTO_WORKERS = 4

/**
 * The language data: `4.0.0_best_int` (the LSTM model of tessdata_best, integerised, 2.9 MB) reads
 * as accurately as `4.0.0` (LSTM plus the legacy engine, 10.9 MB) on the samples, loads in half the
 * time, takes half the memory per worker and recognises ~20 % faster.
 */
const LANG_DATA_FOLDER = '4.0.0_best_int'

function readWholeNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '' || raw === 'auto') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1 or "auto", got "${raw}"`)
  return value
}

/** Where the English data sits on disk: resolved through Node, so it is whichever copy npm installed. */
export function resolveLangPath(): string {
  const packageJson = createRequire(import.meta.url).resolve('@tesseract.js-data/eng/package.json')
  return join(dirname(packageJson), LANG_DATA_FOLDER)
}

/**
 * Reads the options from `env`.
 * @example
 * resolveOcrOptions({ PORT: '8000', OCR_WORKERS: '2' }).workers // 2
 */
export function resolveOcrOptions(env: NodeJS.ProcessEnv = process.env): Readonly<OcrOptions> {
  const url = env['FERRY_TRACKING_URL']
  const token = env['FERRY_TRACKING_TOKEN']
  return Object.freeze({
    port: readWholeNumber('PORT', env['PORT'], 8000),
    host: env['HOST'] || '127.0.0.1',
    version: env['FERRY_VERSION'] || '1.0.0',
    workers: readWholeNumber('OCR_WORKERS', env['OCR_WORKERS'], Math.min(availableParallelism(), MAX_AUTO_WORKERS)),
    langPath: env['OCR_LANG_PATH'] || resolveLangPath(),
    maxPdfPages: readWholeNumber('OCR_MAX_PDF_PAGES', env['OCR_MAX_PDF_PAGES'], DEFAULT_MAX_PDF_PAGES),
    loadTimeoutMs: readWholeNumber('OCR_LOAD_TIMEOUT_SECONDS', env['OCR_LOAD_TIMEOUT_SECONDS'], 45) * 1000,
    tracking: url && token ? { url: url.replace(/\/+$/, ''), token } : null,
  })
}
