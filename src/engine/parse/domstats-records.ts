import { ParseError } from './parse-error.js';
import { outputLines } from './output-lines.js';

const FIELD = /^ {2}([^=]+)=(.*)$/;
const DOMAIN_HEADER_START = "Domain: '";

/**
 * Parses `virsh domstats` output into domain name → (key → value). Each record is a
 * `Domain: 'NAME'` line followed by `  key=value` lines; records are separated by an
 * empty line. virsh does not escape the name: `Domain: 'it's a vm'` is a domain called
 * `it's a vm`, so the name is everything between the first and the last quote.
 */
export function parseDomstatsRecords(stdout: string): Map<string, Map<string, string>> {
  const records = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  outputLines(stdout).forEach((line, index) => {
    if (line === '') return;
    if (line.startsWith(DOMAIN_HEADER_START) && line.endsWith("'") && line.length > DOMAIN_HEADER_START.length) {
      current = new Map();
      records.set(line.slice(DOMAIN_HEADER_START.length, -1), current);
      return;
    }
    const field = FIELD.exec(line);
    if (!field || current === null) throw new ParseError('expected "Domain: \'NAME\'" or "  key=value"', line, index + 1);
    current.set(field[1] ?? '', field[2] ?? '');
  });
  return records;
}

/** A non-negative integer field of a domstats record, or null when absent. */
export function domstatsInteger(record: Map<string, string>, key: string): number | null {
  const text = record.get(key);
  if (text === undefined) return null;
  if (!/^\d+$/.test(text)) throw new ParseError(`expected an integer for ${key}`, `  ${key}=${text}`);
  return Number(text);
}
