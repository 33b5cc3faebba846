/**
 * TF-IDF features: the vocabulary learnt from the training documents (terms seen in at least
 * `minDocumentFrequency` of them, with their inverse document frequency) and the sparse,
 * L2-normalised vector of one document, with sublinear term frequency (1 + ln tf).
 */

export interface Vocabulary {
  /** Sorted by code point, so that the same documents always give the same order. */
  terms: string[]
  /** Smoothed inverse document frequency of each term: ln((1 + n) / (1 + df)) + 1. */
  idf: number[]
}

/** A sparse vector: `values[k]` is the coordinate at `indices[k]`; indices increase. */
export interface SparseVector {
  indices: number[]
  values: number[]
}

/**
 * Learns the vocabulary of tokenised documents, keeping the terms found in at least
 * `minDocumentFrequency` documents (rare terms only memorise the training set and bloat the model).
 * @example
 * fitVocabulary([['total', 'due'], ['total']], 2) // { terms: ['total'], idf: [1] }
 */
export function fitVocabulary(documents: readonly string[][], minDocumentFrequency: number): Vocabulary {
  const documentFrequency = new Map<string, number>()
  for (const terms of documents) {
    for (const term of new Set(terms)) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1)
  }
  const terms = [...documentFrequency.keys()]
    .filter((term) => documentFrequency.get(term)! >= minDocumentFrequency)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const n = documents.length
  return { terms, idf: terms.map((term) => Math.log((1 + n) / (1 + documentFrequency.get(term)!)) + 1) }
}

/**
 * The TF-IDF vector of one document's terms; terms outside the vocabulary are ignored, and a
 * document with none of them is the zero vector.
 * @example
 * const index = new Map(vocabulary.terms.map((term, i) => [term, i]))
 * vectorize(extractTerms('Total due 12.50'), index, vocabulary.idf)
 */
export function vectorize(terms: readonly string[], index: ReadonlyMap<string, number>, idf: readonly number[]): SparseVector {
  const counts = new Map<number, number>()
  for (const term of terms) {
    const i = index.get(term)
    if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1)
  }
  const indices = [...counts.keys()].sort((a, b) => a - b)
  const values = indices.map((i) => (1 + Math.log(counts.get(i)!)) * idf[i]!)
  const norm = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0))
  return { indices, values: norm === 0 ? values : values.map((v) => v / norm) }
}
