/**
 * A data table that reads as a table on a desktop and as a list of cards on a phone: each cell
 * carries its column's name (data-label), which the narrow layout shows before the value. Roles
 * are explicit so the card layout keeps its table semantics for screen readers.
 */
import { h, type Child } from '../dom.js'

export interface Column<T> {
  label: string
  cell(row: T): Child
  /** 'num' right-aligns; 'wide' lets a column take the room. */
  kind?: 'num' | 'wide' | 'actions'
}

export interface TableOptions<T> {
  caption?: string
  empty?: Child
  rowKey?(row: T): string
  rowClass?(row: T): string | undefined
}

export function dataTable<T>(columns: Column<T>[], rows: T[], options: TableOptions<T> = {}): HTMLElement {
  if (rows.length === 0 && options.empty !== undefined) return h('div', { class: 'empty' }, options.empty)
  const table = h('table', { class: 'data', role: 'table' },
    options.caption ? h('caption', { class: 'visually-hidden' }, options.caption) : null,
    h('thead', { role: 'rowgroup' }, h('tr', { role: 'row' }, columns.map((c) => h('th', { scope: 'col', role: 'columnheader', class: c.kind ?? null }, c.label)))),
    h('tbody', { role: 'rowgroup' }, rows.map((row) => h('tr', { role: 'row', 'data-key': options.rowKey?.(row) ?? null, class: options.rowClass?.(row) ?? null },
      columns.map((c) => h('td', { role: 'cell', 'data-label': c.label, class: c.kind ?? null }, c.cell(row)))))))
  return h('div', { class: 'table-wrap' }, table)
}
