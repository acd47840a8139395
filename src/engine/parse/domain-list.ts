import { ParseError } from './parse-error.js';
import { outputLines } from './output-lines.js';

export interface DomainListEntry {
  uuid: string;
  name: string;
}

const UUID_THEN_SPACE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12} /i;

/**
 * Parses `virsh -q list --all --uuid --name`: lines `UUID NAME` (one space). The name
 * is the rest of the line, spaces included. Empty output means no domains.
 */
export function parseDomainList(stdout: string): DomainListEntry[] {
  const entries: DomainListEntry[] = [];
  outputLines(stdout).forEach((line, index) => {
    if (line === '') return;
    const match = UUID_THEN_SPACE.exec(line);
    if (!match || line.length === match[0].length) {
      throw new ParseError('expected "UUID NAME"', line, index + 1);
    }
    entries.push({ uuid: line.slice(0, 36), name: line.slice(37) });
  });
  return entries;
}
