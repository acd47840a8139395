import type { SnapshotLocation, SnapshotState } from '../model.js';
import { ParseError } from './parse-error.js';
import { outputLines } from './output-lines.js';

export interface SnapshotInfo {
  name: string;
  domain: string;
  current: boolean;
  state: SnapshotState;
  location: SnapshotLocation;
  /** null when virsh prints `-` (a root). */
  parent: string | null;
  /** The last three are left out by very old servers: null then. */
  children: number | null;
  descendants: number | null;
  metadata: boolean | null;
}

// Every line is printf("%-15s %s\n", label, value): the value starts at column 16
// whatever it holds, so names keep leading and trailing spaces.
const LABEL_WIDTH = 15;

/**
 * Parses `virsh snapshot-info DOM NAME`. `Parent:` `-` reads as "no parent" (virsh
 * prints a snapshot literally named `-` the same way).
 */
export function parseSnapshotInfo(stdout: string): SnapshotInfo {
  const fields = new Map<string, string>();
  outputLines(stdout).forEach((line, index) => {
    if (line === '') return;
    const label = line.slice(0, LABEL_WIDTH).trimEnd();
    if (!label.endsWith(':') || (line.length > LABEL_WIDTH && line[LABEL_WIDTH] !== ' ')) {
      throw new ParseError('expected "%-15s %s" label and value', line, index + 1);
    }
    fields.set(label.slice(0, -1), line.slice(LABEL_WIDTH + 1));
  });

  const required = (label: string): string => {
    const value = fields.get(label);
    if (value === undefined) throw new ParseError(`snapshot-info without ${label}:`, stdout);
    return value;
  };
  const yesNo = (label: string, value: string): boolean => {
    if (value !== 'yes' && value !== 'no') throw new ParseError(`expected yes or no`, `${label}: ${value}`);
    return value === 'yes';
  };
  const optionalCount = (label: string): number | null => {
    const value = fields.get(label);
    if (value === undefined) return null;
    if (!/^\d+$/.test(value)) throw new ParseError('expected a count', `${label}: ${value}`);
    return Number(value);
  };

  const location = required('Location');
  if (location !== 'internal' && location !== 'external') {
    throw new ParseError('expected internal or external', `Location: ${location}`);
  }
  const parent = required('Parent');
  const metadata = fields.get('Metadata');
  return {
    name: required('Name'),
    domain: required('Domain'),
    current: yesNo('Current', required('Current')),
    state: required('State'),
    location,
    parent: parent === '-' ? null : parent,
    children: optionalCount('Children'),
    descendants: optionalCount('Descendants'),
    metadata: metadata === undefined ? null : yesNo('Metadata', metadata),
  };
}
