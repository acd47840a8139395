import { ParseError } from './parse-error.js';
import { outputLines } from './output-lines.js';

export interface DomJobInfo {
  /** `None`, `Bounded`, `Unbounded`, `Completed`, `Failed`, `Cancelled`. */
  jobType: string;
  /** `Snapshot`, `Save`, `Outgoing migration`, …; null when not printed (no job). */
  operation: string | null;
  timeElapsedMs: number | null;
  timeRemainingMs: number | null;
  dataProcessedBytes: number | null;
  dataRemainingBytes: number | null;
  dataTotalBytes: number | null;
  memoryBandwidthBytesPerSecond: number | null;
  errorMessage: string | null;
  /**
   * Every line by label (without the colon). Sizes become bytes (virsh prints 3
   * decimals of the unit, so they are approximate), `…/s` rates become per second,
   * `ms` values milliseconds, bare counts numbers; other values stay trimmed text.
   */
  fields: Record<string, number | string>;
}

const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
const SIZE = /^(\d+(?:\.\d+)?) (B|KiB|MiB|GiB|TiB|PiB|EiB)(\/s)?$/;
// `ms`, `pages/s`, `bytes` and `%` values, and bare counts, are plain numbers.
const PLAIN_NUMBER = /^(-?\d+(?:\.\d+)?)(?: +(?:ms|pages\/s|bytes|%))?$/;

function fieldValue(text: string): number | string {
  const size = SIZE.exec(text);
  if (size) return Math.round(Number(size[1]) * 1024 ** BINARY_UNITS.indexOf(size[2] ?? 'B'));
  const plain = PLAIN_NUMBER.exec(text);
  if (plain) return Number(plain[1]);
  return text;
}

/**
 * Parses `virsh domjobinfo DOM [--completed]`: `Label:` padded to 17 columns, then a
 * value left-justified in 12 (so with trailing spaces), then maybe a unit. Labels of
 * 17 characters or more get a single space. Split on the first colon: error messages
 * may hold more.
 */
export function parseDomjobinfo(stdout: string): DomJobInfo {
  const fields: Record<string, number | string> = {};
  outputLines(stdout).forEach((line, index) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ParseError('expected "Label: value"', line, index + 1);
    fields[line.slice(0, colon)] = fieldValue(line.slice(colon + 1).trim());
  });

  const jobType = fields['Job type'];
  if (typeof jobType !== 'string') throw new ParseError('domjobinfo output without Job type', stdout);
  const number = (label: string): number | null => {
    const value = fields[label];
    return typeof value === 'number' ? value : null;
  };
  const text = (label: string): string | null => {
    const value = fields[label];
    return value === undefined ? null : String(value);
  };
  return {
    jobType,
    operation: text('Operation'),
    timeElapsedMs: number('Time elapsed'),
    timeRemainingMs: number('Time remaining'),
    dataProcessedBytes: number('Data processed'),
    dataRemainingBytes: number('Data remaining'),
    dataTotalBytes: number('Data total'),
    memoryBandwidthBytesPerSecond: number('Memory bandwidth'),
    errorMessage: text('Error message'),
    fields,
  };
}
