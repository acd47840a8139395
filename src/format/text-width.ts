// Text measured in terminal columns (a CJK character takes two, a combining mark none), as
// terminals draw it; every table and padded column uses these instead of `.length`.

import stringWidth from 'string-width';

export const displayWidth = (text: string): number => stringWidth(text);

/** `text` padded with spaces on the right to `width` columns (never cut). */
export function padEndTo(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** `text` padded with spaces on the left to `width` columns (never cut). */
export function padStartTo(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
}

/** `text` cut to at most `width` columns, ending with `…` when it was cut. */
export function truncateTo(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  for (const ch of text) {
    if (displayWidth(out + ch) > width - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/**
 * Rows as columns separated by two spaces, each column as wide as its widest cell in terminal
 * columns; the last column is not padded, and no line ends in spaces.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const table = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...table.map((row) => displayWidth(row[col] ?? ''))));
  const line = (row: readonly string[]) =>
    row
      .map((cell, col) => (col === row.length - 1 ? cell : padEndTo(cell, widths[col]!)))
      .join('  ')
      .trimEnd();
  return `${table.map(line).join('\n')}\n`;
}
