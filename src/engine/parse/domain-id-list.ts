import type { DomainStateName } from '../model.js';
import { DOMAIN_STATE_NAMES } from './domain-state-codes.js';
import { ParseError } from './parse-error.js';
import { outputLines } from './output-lines.js';

export interface DomainIdListEntry {
  /** null for `-` (not running). */
  id: number | null;
  name: string;
  state: DomainStateName;
}

const COLUMN_GAP = 3;
const ID_CELL = /^ (\d+|-) {3}/;
// The state is the last cell, so it is not padded; two-word states (`shut off`,
// `in shutdown`, `no state`) are matched whole.
const NAME_THEN_STATE = new RegExp(`^(.+?) {3,}(${DOMAIN_STATE_NAMES.join('|')})$`);
// Output without -q starts with a header (which counts towards the column widths)
// and a dashes line.
const HEADER = /^ Id +Name +State$/;
const DASHES = /^-+$/;

/**
 * Parses `virsh -q list --all` rows (` Id   Name   State`); a header and dashes line
 * are skipped. The name column starts at a fixed offset (after the widest id), so
 * names keep leading spaces; trailing spaces of a name cannot be told from the
 * padding and are lost (use `list --all --uuid --name` for exact names).
 */
export function parseDomainIdList(stdout: string): DomainIdListEntry[] {
  const lines = outputLines(stdout);
  const hasHeader = HEADER.test(lines[0] ?? '') && DASHES.test(lines[1] ?? '');
  const rows = lines
    .map((line, index) => ({ line, lineNumber: index + 1 }))
    .filter(({ line }, index) => line !== '' && index >= (hasHeader ? 2 : 0));
  const idWidth = Math.max(hasHeader ? 'Id'.length : 0, ...rows.map(({ line }) => ID_CELL.exec(line)?.[1]?.length ?? 0));
  const nameStart = 1 + idWidth + COLUMN_GAP;

  return rows.map(({ line, lineNumber }) => {
    const id = ID_CELL.exec(line)?.[1];
    const nameAndState = NAME_THEN_STATE.exec(line.slice(nameStart));
    if (id === undefined || !nameAndState || line.slice(1 + id.length, nameStart).trim() !== '') {
      throw new ParseError('expected " ID   NAME   STATE"', line, lineNumber);
    }
    return {
      id: id === '-' ? null : Number(id),
      name: nameAndState[1] ?? '',
      state: nameAndState[2] as DomainStateName,
    };
  });
}
