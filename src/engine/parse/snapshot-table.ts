import type { SnapshotState } from '../model.js';
import { ParseError } from './parse-error.js';
import { outputLines } from './output-lines.js';
import { decodeTableCell } from './table-cell.js';
import { TableNameResolver } from './table-name-resolver.js';
import { parseVirshTime, parseVirshTimeAt, VIRSH_TIME_PATTERN } from './virsh-time.js';

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

export interface SplitRow {
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
export function parseSnapshotTable(table: string | SplitTable, knownNames: readonly string[]): SnapshotTableRow[] {
  return parseRows(typeof table === 'string' ? splitSnapshotTable(table) : table, knownNames).rows;
}

/**
 * A table's rows split into cells where that needs no names (nearly always every row), so the
 * work can be done while the name listings are still on their way.
 */
export interface SplitTable {
  readonly stdout: string;
  readonly lines: readonly { line: string; lineNumber: number }[];
  /** Per line, its cells, or null when only known names can tell where its time cell is. */
  readonly split: readonly (SplitRow | null)[];
}

export function splitSnapshotTable(stdout: string): SplitTable {
  const lines = dataLines(stdout);
  return { stdout, lines, split: lines.map(({ line, lineNumber }) => (line.startsWith(' ') ? splitAtOnlyTimeCell(line, lineNumber) : null)) };
}

/** The rows, and whether a row held several time-like texts (a name or parent holds one). */
function parseRows(table: SplitTable, knownNames: readonly string[]): { rows: SnapshotTableRow[]; splitByNames: boolean } {
  const resolver = new TableNameResolver(knownNames);
  let splitByNames = false;
  const rows = table.lines.map(({ line, lineNumber }, index) => {
    const row = table.split[index] ?? splitRow(line, lineNumber, resolver);
    if (row.timeCells > 1) splitByNames = true;
    return row;
  });
  let stateWidth = 0;
  let hasParentColumn = false;
  for (const row of rows) {
    if (row.state.length > stateWidth) stateWidth = row.state.length;
    if (row.afterState !== '') hasParentColumn = true;
  }

  const parsed = rows.map((row): SnapshotTableRow => {
    const name = resolver.claimRowName(row.nameCell) ?? decodeTableCell(row.nameCell);
    if (!hasParentColumn) return { name, creationTime: row.creationTime, state: row.state, parent: null };

    // The Parent column starts at the same offset in every row: after the widest state
    // and the column gap. Its cell may itself start with spaces.
    const padding = stateWidth - row.state.length + COLUMN_GAP;
    if (row.afterState.length < padding || !isBlank(row.afterState, 0, padding)) {
      throw new ParseError('row does not reach the Parent column', row.line, row.lineNumber);
    }
    const parentCell = row.afterState.length === padding ? '' : row.afterState.slice(padding);
    if (parentCell === '') return { name, creationTime: row.creationTime, state: row.state, parent: null };

    const candidates = resolver.lastColumnCandidates(parentCell, name);
    if (candidates.length > 1) return { name, creationTime: row.creationTime, state: row.state, parent: null, parentCandidates: [...candidates] };
    return { name, creationTime: row.creationTime, state: row.state, parent: candidates[0] ?? decodeTableCell(parentCell) };
  });
  return { rows: parsed, splitByNames };
}

function dataLines(stdout: string): { line: string; lineNumber: number }[] {
  const lines = outputLines(stdout);
  const isHeader = (index: number) => lines[index]?.startsWith(' Name') === true && HEADER.test(lines[index] ?? '');
  const isDashes = (index: number) => lines[index]?.startsWith('-') === true && DASHES.test(lines[index] ?? '');
  const data: { line: string; lineNumber: number }[] = [];
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (line === '') continue;
    if (isHeader(index) && isDashes(index + 1)) continue;
    if (index > 0 && isDashes(index) && isHeader(index - 1)) continue;
    data.push({ line, lineNumber: index + 1 });
  }
  return data;
}

function splitRow(line: string, lineNumber: number, resolver: TableNameResolver): SplitRow {
  if (!line.startsWith(' ')) throw new ParseError('snapshot-list row must start with a space', line, lineNumber);
  return splitAtOnlyTimeCell(line, lineNumber) ?? splitAtTimeCells(line, lineNumber, resolver);
}

/** Where the time cell's first colon sits: `YYYY-MM-DD HH:MM:SS`. */
const FIRST_COLON = 13;

/**
 * The common row: a time text holds two colons, so a line with exactly two holds at most one,
 * and when it sits where a time cell may (column gaps around it, a state after) it is the
 * cell. Found with two indexOf calls instead of a regular expression over the whole line.
 */
function splitAtOnlyTimeCell(line: string, lineNumber: number): SplitRow | null {
  const colon = line.indexOf(':');
  if (colon < 0) return null;
  const second = line.indexOf(':', colon + 1);
  if (second < 0 || line.indexOf(':', second + 1) >= 0) return null;
  const timeStart = colon - FIRST_COLON;
  const stateStart = timeStart + TIME_LENGTH + COLUMN_GAP;
  if (timeStart < 1 + COLUMN_GAP || !isBlank(line, timeStart - COLUMN_GAP, timeStart)) return null;
  if (!isBlank(line, timeStart + TIME_LENGTH, stateStart) || stateStart >= line.length || line[stateStart] === ' ') return null;
  const creationTime = parseVirshTimeAt(line, timeStart);
  if (creationTime === null) return null;
  let stateEnd = line.indexOf(' ', stateStart);
  if (stateEnd < 0) stateEnd = line.length;
  let nameEnd = timeStart - COLUMN_GAP;
  while (nameEnd > 1 && line.charCodeAt(nameEnd - 1) === 0x20) nameEnd--;
  if (nameEnd === 1) return null;
  return {
    line,
    lineNumber,
    nameCell: line.slice(1, nameEnd),
    creationTime,
    state: line.slice(stateStart, stateEnd),
    afterState: line.slice(stateEnd),
    timeCells: 1,
  };
}

/** Any row: every time-like text is a candidate; the one after a known name wins. */
function splitAtTimeCells(line: string, lineNumber: number, resolver: TableNameResolver): SplitRow {
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

/** Whether text[from, to) is all spaces. */
function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) !== 0x20) return false;
  return true;
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
export function parseSnapshotTableWithLeaves(
  table: string | SplitTable,
  leaves: readonly string[],
  hint: readonly string[] = [],
): ExactSnapshotTable | null {
  const split = typeof table === 'string' ? splitSnapshotTable(table) : table;
  if (split.stdout.includes('\\xff')) return null;
  const attempt = (known: readonly string[]): { table: ExactSnapshotTable | null; derived: string[] } | null => {
    const { rows, splitByNames } = parseRows(split, known);
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
