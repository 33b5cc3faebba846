/** A plain-text table with padded columns, as `ferry ps`, `token ls` and `audit` print them. */
export function renderTable(header: string[], rows: string[][]): string {
  const table = [header, ...rows]
  const widths = header.map((_, c) => Math.max(...table.map((r) => (r[c] ?? '').length)))
  return table.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n')
}
