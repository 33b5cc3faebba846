/**
 * Folding text into the form the matcher compares: upper case, separators dropped (so a missing or
 * extra dash, slash, dot or space costs nothing), and the characters OCR confuses on stamped
 * markings folded into one class each: O/Q → 0, I/L/|/! → 1, S/$ → 5, B → 8, Z → 2, G → 6. Each
 * character kept remembers where it came from, so a match can be shown in the original text.
 */

/** The confusion classes, after upper-casing. */
const CONFUSIONS: Readonly<Record<string, string>> = Object.freeze({
  O: '0', Q: '0',
  I: '1', L: '1', '|': '1', '!': '1',
  S: '5', $: '5',
  B: '8',
  Z: '2',
  G: '6',
})

export interface Folded {
  /** The folded characters. */
  text: string
  /** For each folded character, its index in the original text. */
  origin: number[]
}

/**
 * Folds `text`; with `confusions: false` only upper-cases and drops separators (the "literal" form,
 * which breaks ties between rows that differ only by a confusable character).
 * @example
 * fold('PN 4471-A2').text // 'PN4471A2'
 * fold('sn oo93').text    // '5N0093'
 */
export function fold(text: string, confusions = true): Folded {
  let folded = ''
  const origin: number[] = []
  for (let index = 0; index < text.length; index++) {
    const upper = text[index]!.toUpperCase()
    const mapped = confusions ? (CONFUSIONS[upper] ?? upper) : upper
    if (!/^[A-Z0-9]$/.test(mapped)) continue
    folded += mapped
    origin.push(index)
  }
  return { text: folded, origin }
}
