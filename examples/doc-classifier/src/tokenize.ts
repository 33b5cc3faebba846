/**
 * The tokeniser: what counts as a word, and the terms (words and word pairs) a document is
 * described by. Deliberately simple and deterministic, since training and serving must agree.
 */

/** Every number (any token holding a digit: "2024", "15mm", "4x40") becomes this one term. */
export const NUMBER_TOKEN = '#'

const WORD = /[\p{L}\p{N}]+/gu
const DIGIT = /\p{N}/u
const COMBINING_MARKS = /\p{M}+/gu

/**
 * Lowercases, folds accents ("Résumé" → "resume") and splits on anything that is not a letter
 * or a digit.
 * @example
 * tokenize('Invoice No. 2024-0183, Résumé') // ['invoice', 'no', '#', '#', 'resume']
 */
export function tokenize(text: string): string[] {
  const folded = text.normalize('NFKD').replace(COMBINING_MARKS, '').toLowerCase()
  return Array.from(folded.matchAll(WORD), (match) => (DIGIT.test(match[0]) ? NUMBER_TOKEN : match[0]))
}

/**
 * The terms of a text: its words (unigrams) followed by each pair of neighbouring words
 * (bigrams, joined by a space).
 * @example
 * extractTerms('Total due 12.50') // ['total', 'due', '#', '#', 'total due', 'due #', '# #']
 */
export function extractTerms(text: string): string[] {
  const words = tokenize(text)
  const terms = [...words]
  for (let i = 1; i < words.length; i++) terms.push(`${words[i - 1]} ${words[i]}`)
  return terms
}
