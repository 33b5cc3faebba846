/**
 * The labelled documents in data/*.jsonl: one JSON object per line, `{"label": …, "text": …}`.
 * Used by training only; the server never reads them.
 */
import { readFile } from 'node:fs/promises'

export interface LabelledDocument {
  label: string
  text: string
}

/** Reads a JSON Lines file of labelled documents, naming the line of any malformed one. */
export async function readDataset(path: string | URL): Promise<LabelledDocument[]> {
  const lines = (await readFile(path, 'utf8')).split('\n')
  const documents: LabelledDocument[] = []
  lines.forEach((line, i) => {
    if (line.trim() === '') return
    const value = JSON.parse(line) as Partial<LabelledDocument>
    if (typeof value.label !== 'string' || typeof value.text !== 'string') throw new Error(`${String(path)}:${i + 1}: expected {"label": string, "text": string}`)
    documents.push({ label: value.label, text: value.text })
  })
  return documents
}
