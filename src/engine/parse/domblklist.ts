import { ParseError } from './parse-error.js';
import { outputLines } from './output-lines.js';
import { decodeTableCell } from './table-cell.js';

export interface BlockDeviceEntry {
  /** `vda`, `sda`, … */
  target: string;
  /** null when virsh prints `-` (no source, e.g. an empty cdrom). */
  source: string | null;
  /** `file`, `block`, `network`, …: only with `--details`. */
  type: string | null;
  /** `disk`, `cdrom`, …: only with `--details`. */
  device: string | null;
}

const COLUMN_GAP = 3;
const HEADER = /^ (?:Type +Device +)?Target +Source$/;
const DASHES = /^-+$/;

/**
 * Parses `virsh -q domblklist DOM [--details]` (columns `Target Source`, or
 * `Type Device Target Source` with details). Source is the last column, so it is taken
 * whole from a fixed offset (after the widest cells before it): paths may hold
 * spaces. A header and dashes line (output without `-q`) are skipped. The reversible
 * `\xNN` escapes are decoded; under LC_ALL=C non-ASCII bytes stay `\xff`.
 */
export function parseDomblklist(stdout: string, details: boolean): BlockDeviceEntry[] {
  const leadingColumns = details ? 3 : 1;
  const leadingCells = new RegExp(`^${' (\\S+) +'.repeat(leadingColumns)}`);
  const lines = outputLines(stdout);
  const hasHeader = HEADER.test(lines[0] ?? '') && DASHES.test(lines[1] ?? '');
  const headerCells = hasHeader ? (details ? ['Type', 'Device', 'Target'] : ['Target']) : [];
  const rows = lines
    .map((line, index) => ({ line, lineNumber: index + 1 }))
    .filter(({ line }, index) => line !== '' && index >= (hasHeader ? 2 : 0));
  const cellsOfRows = rows.map(({ line, lineNumber }) => {
    const match = leadingCells.exec(line);
    if (!match) throw new ParseError(`expected ${leadingColumns + 1} columns`, line, lineNumber);
    return match.slice(1, leadingColumns + 1).map((cell) => cell ?? '');
  });
  // Without -q the header row counts towards the column widths too.
  const widths = Array.from({ length: leadingColumns }, (_, column) =>
    Math.max(headerCells[column]?.length ?? 0, ...cellsOfRows.map((cells) => cells[column]?.length ?? 0)),
  );
  const sourceStart = widths.reduce((start, width) => start + width + COLUMN_GAP, 0) + 1;

  return rows.map(({ line, lineNumber }, row) => {
    const cells = cellsOfRows[row] ?? [];
    const sourceCell = line.slice(sourceStart);
    if (sourceCell === '') throw new ParseError('row has no Source cell', line, lineNumber);
    return {
      target: cells[leadingColumns - 1] ?? '',
      source: sourceCell === '-' ? null : decodeTableCell(sourceCell),
      type: details ? (cells[0] ?? null) : null,
      device: details ? (cells[1] ?? null) : null,
    };
  });
}
