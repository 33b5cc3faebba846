/**
 * A classifier's answer: the winning label (or digit) large, then a bar per class with its score,
 * best first.
 */
import { h } from '../dom.js'
import { formatNumber } from '../format.js'

export interface ScoredAnswer { digit?: number; label?: string; confidence?: number; scores: Record<string, number> | number[] }

export function isScoredAnswer(value: unknown): value is ScoredAnswer {
  if (typeof value !== 'object' || value === null) return false
  const v = value as ScoredAnswer
  return typeof v.scores === 'object' && v.scores !== null && (v.digit !== undefined || v.label !== undefined)
}

export function scoresResult(answer: ScoredAnswer): HTMLElement {
  const entries = (Array.isArray(answer.scores) ? answer.scores.map((s, i) => [String(i), s] as const) : Object.entries(answer.scores))
    .filter(([, s]) => typeof s === 'number').sort((a, b) => b[1] - a[1])
  const max = Math.max(1e-9, ...entries.map(([, s]) => Math.abs(s)))
  // Probabilities read as percentages; anything else as the number it is.
  const probabilities = entries.every(([, s]) => s >= 0 && s <= 1)
  const show = (s: number) => (!probabilities ? formatNumber(s) : s > 0 && s < 0.001 ? '<0.1 %' : `${(s * 100).toFixed(1)} %`)
  const winner = answer.digit !== undefined ? String(answer.digit) : String(answer.label)
  return h('div', { class: 'scored' },
    h('p', { class: 'answer' }, h('span', { class: 'muted' }, answer.digit !== undefined ? 'Digit ' : 'Label '), h('strong', { 'data-testid': 'answer' }, winner),
      answer.confidence !== undefined ? h('span', { class: 'muted' }, ` (${probabilities && answer.confidence <= 1 ? show(answer.confidence) : formatNumber(answer.confidence)})`) : null),
    h('ul', { class: 'bars', 'aria-label': 'Scores' }, entries.map(([label, score]) => {
      const bar = h('span', { class: 'bar' })
      bar.style.width = `${Math.max(0, (score / max) * 100)}%`
      return h('li', { class: label === winner ? 'winner' : '' }, h('span', { class: 'bar-label' }, label), h('span', { class: 'bar-track' }, bar), h('span', { class: 'bar-value' }, show(score)))
    })))
}
