import { ParseError } from './parse-error.js';
import { outputLines } from './output-lines.js';

export interface BlockJobRaw {
  /** virsh's job label: `Block Pull`, `Block Copy`, `Block Commit`, `Active Block Commit`, `Backup`, `Unknown job`. */
  type: string;
  /** MiB/s (bytes/s if virsh ran with `--bytes`); 0 = unlimited. */
  bandwidth: number;
  cur: number;
  end: number;
}

const FIELD = /^ (type|bandwidth|cur|end)=(.*)$/;
// Informational line printed without `-q`.
const NO_JOB = /^No current block job for /;

/**
 * Parses `virsh -q blockjob DOM DISK --raw`: lines ` type=…`, ` bandwidth=N`, ` cur=N`,
 * ` end=N`. Empty output (no job) gives null.
 */
export function parseBlockJobRaw(stdout: string): BlockJobRaw | null {
  const fields = new Map<string, string>();
  for (const [index, line] of outputLines(stdout).entries()) {
    if (line === '') continue;
    if (NO_JOB.test(line)) return null;
    const field = FIELD.exec(line);
    if (!field) throw new ParseError('expected " key=value"', line, index + 1);
    fields.set(field[1] ?? '', field[2] ?? '');
  }
  if (fields.size === 0) return null;

  const integer = (key: string): number => {
    const text = fields.get(key);
    if (text === undefined || !/^\d+$/.test(text)) throw new ParseError(`expected an integer ${key}`, ` ${key}=${text ?? ''}`);
    return Number(text);
  };
  const type = fields.get('type');
  if (type === undefined) throw new ParseError('blockjob --raw output without type', stdout);
  return { type, bandwidth: integer('bandwidth'), cur: integer('cur'), end: integer('end') };
}
