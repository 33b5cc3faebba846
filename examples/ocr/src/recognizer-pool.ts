/**
 * The pool of recognition workers: N tesseract.js workers (each a worker thread with its own copy
 * of the English model) behind one tesseract.js scheduler, which hands each job to a free worker.
 * Loading reads the model from disk only: `langPath` is a local folder, `cacheMethod: 'none'` so
 * nothing is cached or fetched. A worker whose data is missing never settles by itself, so each
 * load fails on the first error tesseract.js reports, or after `loadTimeoutMs`, with a message
 * that says which.
 */
import Tesseract from 'tesseract.js'
import { toRecognition, type Recognition } from './recognition.js'

export interface RecognizerPoolOptions {
  workers: number
  langPath: string
  loadTimeoutMs: number
}

export interface RecognizerPool {
  readonly size: number
  /** Workers loaded so far. */
  loaded(): number
  /** Whether every worker is loaded. */
  isReady(): boolean
  /** Loads every worker; rejects, naming the cause, on the first failure or time-out. */
  load(): Promise<void>
  /** Recognises a PNG or JPEG (waiting for a free worker). */
  recognize(image: Buffer): Promise<Recognition>
  close(): Promise<void>
}

const OUTPUT = { text: true, blocks: true }

/** Starts one worker; settles on success, on the first error tesseract.js reports, or at the deadline. */
function startWorker(index: number, options: RecognizerPoolOptions, onCrash: (error: Error) => void): Promise<Tesseract.Worker> {
  let loading = true
  return new Promise<Tesseract.Worker>((resolve, reject) => {
    const fail = (why: string): void => {
      if (!loading) return
      loading = false
      clearTimeout(timer)
      reject(new Error(`recognition worker ${index + 1}/${options.workers} did not load: ${why} (language data: ${options.langPath}/eng.traineddata.gz)`))
    }
    const timer = setTimeout(() => fail(`no answer within ${options.loadTimeoutMs / 1000} s`), options.loadTimeoutMs)
    Tesseract.createWorker('eng', Tesseract.OEM.LSTM_ONLY, {
      langPath: options.langPath,
      cacheMethod: 'none',
      gzip: true,
      // Without a handler, a failed job throws inside tesseract.js's message listener and kills the
      // process; the job's own promise rejects as well, so after loading there is nothing to do.
      errorHandler: (error: unknown) => fail(String(error)),
    }).then(
      (worker) => {
        if (!loading) {
          void worker.terminate()
          return
        }
        loading = false
        clearTimeout(timer)
        const thread = (worker as unknown as { worker?: { once?(event: 'exit', listener: (code: number) => void): void } }).worker
        thread?.once?.('exit', (code) => onCrash(new Error(`recognition worker ${index + 1} exited with code ${code}`)))
        resolve(worker)
      },
      (error: unknown) => fail(String(error)),
    )
  })
}

/**
 * Creates the pool; nothing loads until `load()`.
 * @example
 * const pool = createRecognizerPool({ workers: 2, langPath, loadTimeoutMs: 45_000 }, (e) => { throw e })
 * await pool.load()
 * const { text } = await pool.recognize(readFileSync('samples/fox.png'))
 */
export function createRecognizerPool(options: RecognizerPoolOptions, onCrash: (error: Error) => void): RecognizerPool {
  const scheduler = Tesseract.createScheduler()
  const workers: Tesseract.Worker[] = []
  let closing = false
  const crashed = (error: Error): void => { if (!closing) onCrash(error) }

  return {
    size: options.workers,
    loaded: () => workers.length,
    isReady: () => workers.length === options.workers,
    async load() {
      const starting = Array.from({ length: options.workers }, (_, index) =>
        startWorker(index, options, crashed).then((worker) => {
          workers.push(worker)
          scheduler.addWorker(worker)
        }))
      await Promise.all(starting)
    },
    async recognize(image) {
      const result = await scheduler.addJob('recognize', image, {}, OUTPUT)
      return toRecognition(result.data)
    },
    async close() {
      closing = true
      await Promise.all(workers.map((worker) => worker.terminate()))
    },
  }
}
