import type { SnapshotState } from '../model.js';
import { ParseError } from './parse-error.js';
import { outputLines } from './output-lines.js';
import { decodeTableCell } from './table-cell.js';
import { TableNameResolver } from './table-name-resolver.js';
import { parseVirshTime, VIRSH_TIME_PATTERN } from './virsh-time.js';

export interface SnapshotTableRow {
  name: string;
  /** Seconds since the epoch, UTC. */
  creationTime: number;
  state: SnapshotState;
  /** null for a root, and also when the parent is ambiguous (see parentCandidates). */
  parent: string | null;
  /**
   * Present only when the Parent cell matches several known names, which happens under
   * LC_ALL=C (every non-ASCII byte prints as `\xff`): ask `snapshot-parent` for this row.
   */
  parentCandidates?: string[];
}

const TIME_LENGTH = '2023-11-14 22:13:20 +0000'.length;
const COLUMN_GAP = 3;
// A time cell: preceded by the name column's padding and followed by a state.
const TIME_CELL = new RegExp(`(?<= {3})${VIRSH_TIME_PATTERN}(?= {3}\\S)`, 'g');
const HEADER = /^ Name +Creation Time +State(?: +Parent)?$/;
const DASHES = /^-+$/;

interface SplitRow {
  line: string;
  lineNumber: number;
  /** The Name cell with its padding (and so any trailing spaces of the name) removed. */
  nameCell: string;
  creationTime: number;
  state: string;
  /** Everything after the state: padding, then the Parent cell if that column exists. */
  afterState: string;
  /** How many time-like texts the line holds (more than one: a name or parent holds one). */
  timeCells: number;
}

/**
 * Parses `virsh -q snapshot-list DOM [--parent]` rows:
 * ` NAME<pad>   YYYY-MM-DD HH:MM:SS +ZZZZ   STATE<pad>   PARENT`.
 *
 * Rows are anchored on the fixed-format time cell, never split on whitespace: names
 * may hold spaces, `<&>`, quotes, tabs (shown as `\x09`), wide characters, or a
 * time-like text. Names and parents are resolved against `knownNames` (the exact names
 * from `snapshot-list --name`):
 * - a name whose rendering is shared by several known names (trailing spaces hidden by
 *   padding, or non-ASCII bytes all shown as `\xff` under LC_ALL=C) is resolved by
 *   position: rows and known names are both in virsh's name order;
 * - the Parent cell is the last column, so it is exact; if it still matches several
 *   known names (only possible under LC_ALL=C), the row's own name is ruled out, and
 *   if that leaves more than one, `parent` is null and `parentCandidates` lists them;
 * - a cell matching no known name (a snapshot created between the two listings) is
 *   kept as shown, with the reversible `\xNN` escapes decoded.
 * A header and dashes line (output without `-q`) and empty lines are skipped.
 * @throws ParseError for a row without a time cell and state.
 */
export function parseSnapshotTable(stdout: string, knownNames: readonly string[]): SnapshotTableRow[] {
  return parseRows(stdout, knownNames).rows;
}

/** The rows, and whether a row held several time-like texts (a name or parent holds one). */
function parseRows(stdout: string, knownNames: readonly string[]): { rows: SnapshotTableRow[]; splitByNames: boolean } {
  const resolver = new TableNameResolver(knownNames);
  let splitByNames = false;
  const rows = dataLines(stdout).map(({ line, lineNumber }) => {
    const row = splitRow(line, lineNumber, resolver);
    if (row.timeCells > 1) splitByNames = true;
    return row;
  });
  const stateWidth = Math.max(0, ...rows.map((row) => row.state.length));
  const hasParentColumn = rows.some((row) => row.afterState !== '');

  const parsed = rows.map((row): SnapshotTableRow => {
    const name = resolver.claimRowName(row.nameCell) ?? decodeTableCell(row.nameCell);
    const base = { name, creationTime: row.creationTime, state: row.state };
    if (!hasParentColumn) return { ...base, parent: null };

    // The Parent column starts at the same offset in every row: after the widest state
    // and the column gap. Its cell may itself start with spaces.
    const padding = stateWidth - row.state.length + COLUMN_GAP;
    if (row.afterState.length < padding || row.afterState.slice(0, padding).trim() !== '') {
      throw new ParseError('row does not reach the Parent column', row.line, row.lineNumber);
    }
    const parentCell = row.afterState.slice(padding);
    if (parentCell === '') return { ...base, parent: null };

    const candidates = resolver.lastColumnCandidates(parentCell).filter((candidate) => candidate !== name);
    if (candidates.length > 1) return { ...base, parent: null, parentCandidates: candidates };
    return { ...base, parent: candidates[0] ?? decodeTableCell(parentCell) };
  });
  return { rows: parsed, splitByNames };
}

function dataLines(stdout: string): { line: string; lineNumber: number }[] {
  const lines = outputLines(stdout);
  const withNumbers = lines.map((line, index) => ({ line, lineNumber: index + 1 }));
  return withNumbers.filter(({ line }, index) => {
    if (line === '') return false;
    if (HEADER.test(line) && DASHES.test(lines[index + 1] ?? '')) return false;
    return !(DASHES.test(line) && index > 0 && HEADER.test(lines[index - 1] ?? ''));
  });
}

function splitRow(line: string, lineNumber: number, resolver: TableNameResolver): SplitRow {
  if (!line.startsWith(' ')) throw new ParseError('snapshot-list row must start with a space', line, lineNumber);
  const candidates = [...line.matchAll(TIME_CELL)].map((match) => {
    const timeStart = match.index;
    const afterTime = line.slice(timeStart + TIME_LENGTH + COLUMN_GAP);
    const state = /^\S+/.exec(afterTime)?.[0] ?? '';
    return {
      line,
      lineNumber,
      nameCell: line.slice(1, timeStart).replace(/ +$/, ''),
      creationTime: parseVirshTime(match[0]) ?? Number.NaN,
      state,
      afterState: afterTime.slice(state.length),
      timeCells: 0,
    };
  });
  // Several time-like cells means a name or parent contains one: the real one is where
  // the text before it is a known name.
  const chosen = candidates.find((candidate) => resolver.matchesNameColumnCell(candidate.nameCell)) ?? candidates[0];
  if (!chosen || chosen.nameCell === '') {
    throw new ParseError('expected " NAME   YYYY-MM-DD HH:MM:SS +ZZZZ   STATE…"', line, lineNumber);
  }
  chosen.timeCells = candidates.length;
  return chosen;
}

export interface ExactSnapshotTable {
  rows: SnapshotTableRow[];
  /** Every snapshot's exact name, in the table's (virsh's) order. */
  names: string[];
}

/**
 * Parses a `snapshot-list --parent` table (printed under a UTF-8 locale) without the
 * `--name` listing: every snapshot either has a child, and then its exact name is some row's
 * Parent cell (the last column, never padded, so trailing spaces are kept), or has none, and
 * then it is one of `leaves` (`snapshot-list --leaves --name`). Rows are resolved against
 * those names as they would be against the `--name` listing, and the result is kept only
 * when the rows' names are exactly that set (`hint`, names read before, only helps the first
 * try).
 * Returns null when the table alone cannot be exact: a cell shown as `\xff` (a character
 * virsh does not print), a name holding a time-like text, or names that do not add up (a
 * change between the two listings). Ask for the names then.
 */
export function parseSnapshotTableWithLeaves(stdout: string, leaves: readonly string[], hint: readonly string[] = []): ExactSnapshotTable | null {
  if (stdout.includes('\\xff')) return null;
  const attempt = (known: readonly string[]): { table: ExactSnapshotTable | null; derived: string[] } | null => {
    const { rows, splitByNames } = parseRows(stdout, known);
    // A row with several time-like texts was split where a known name fits: not on its own.
    if (splitByNames) return null;
    const derived = new Set(leaves);
    for (const row of rows) {
      if (row.parentCandidates) return null;
      if (row.parent !== null) derived.add(row.parent);
    }
    const names = rows.map((row) => row.name);
    const exact = names.length === derived.size && new Set(names).size === names.length && names.every((name) => derived.has(name));
    return { table: exact ? { rows, names } : null, derived: [...derived] };
  };
  // Rows whose name is neither a leaf nor a name known before are read as shown at first
  // (exact unless padding hid trailing spaces); a second pass knows every parent's exact name.
  const first = attempt(hint.length === 0 ? leaves : [...new Set([...leaves, ...hint])]);
  if (!first) return null;
  return first.table ?? attempt(first.derived)?.table ?? null;
}
