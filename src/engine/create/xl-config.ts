// Xen's `xl snapshot-create DOMAIN CFGFILE` snapshot configuration, as designed on xen-devel
// ("domain snapshot design: xl", RFC V9), read into the same CreateRequest as virsh's options:
//
//   name = "…"            snapshot name; empty or absent: generated from the creation time
//   description = "…"     empty or absent: none
//   memory_path = "…"     where the memory state is saved (an external memory snapshot)
//   memory = 0 | 1        optional: 0 takes no memory state; 1 requires memory_path
//   disks = ['/path/ov.qcow2,qcow2,hda', ',,hdb']
//                         'external path, external format, target device' per disk; an empty
//                         path and format mean an internal snapshot of that disk
//
// The file uses xl.cfg's syntax (libxlu): `KEY = VALUE` settings ended by a newline or `;`,
// `#` comments, strings in single or double quotes with C escapes, lists in `[ ]` that may
// span lines and end with a comma. Errors name the line.

import type { CreateRequest, DiskRequest, MemoryRequest } from './types.js';

export class XlConfigError extends Error {
  override readonly name = 'XlConfigError';
  constructor(
    readonly reason: string,
    /** 1-based; null when the error concerns the whole file. */
    readonly line: number | null,
    readonly file: string | null = null,
  ) {
    super(`${file ?? 'xl config'}${line === null ? '' : `:${line}`}: ${reason}`);
  }
}

type Value =
  | { kind: 'string'; value: string; line: number }
  | { kind: 'number'; value: number; line: number }
  | { kind: 'list'; items: Value[]; line: number };

interface Setting {
  key: string;
  value: Value;
  line: number;
}

type Token =
  | { type: 'ident'; text: string; line: number }
  | { type: 'string'; text: string; line: number }
  | { type: 'number'; text: string; line: number }
  | { type: 'punct'; text: '=' | '[' | ']' | ',' | ';' | '+='; line: number }
  | { type: 'newline'; line: number }
  | { type: 'end'; line: number };

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

function tokenize(text: string, fail: (reason: string, line: number) => never): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      tokens.push({ type: 'newline', line });
      line += 1;
      i += 1;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i += 1;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i += 1;
    } else if (c === '"' || c === "'") {
      const start = line;
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length || text[i] === '\n') fail(`unterminated string (opened with ${c})`, start);
        const d = text[i]!;
        if (d === c) {
          i += 1;
          break;
        }
        if (d !== '\\') {
          value += d;
          i += 1;
          continue;
        }
        const e = text[i + 1];
        if (e === undefined || e === '\n') fail('unterminated string (a backslash ends the line)', start);
        if (SIMPLE_ESCAPES[e!] !== undefined) {
          value += SIMPLE_ESCAPES[e!];
          i += 2;
        } else if (e === 'x') {
          const hex = /^[0-9A-Fa-f]{2}/.exec(text.slice(i + 2))?.[0];
          if (!hex) fail('\\x must be followed by two hex digits', start);
          value += String.fromCharCode(parseInt(hex!, 16));
          i += 4;
        } else if (/[0-7]/.test(e!)) {
          const oct = /^[0-7]{1,3}/.exec(text.slice(i + 1))![0];
          value += String.fromCharCode(parseInt(oct, 8));
          i += 1 + oct.length;
        } else {
          fail(`invalid escape sequence \\${e!} in a string`, start);
        }
      }
      tokens.push({ type: 'string', text: value, line: start });
    } else if (/[A-Za-z_]/.test(c)) {
      const ident = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i))![0];
      tokens.push({ type: 'ident', text: ident, line });
      i += ident.length;
    } else if (/[0-9]/.test(c)) {
      const num = /^(?:0x[0-9A-Fa-f]+|[0-9]+)/.exec(text.slice(i))![0];
      tokens.push({ type: 'number', text: num, line });
      i += num.length;
    } else if (c === '+' && text[i + 1] === '=') {
      tokens.push({ type: 'punct', text: '+=', line });
      i += 2;
    } else if (c === '=' || c === '[' || c === ']' || c === ',' || c === ';') {
      tokens.push({ type: 'punct', text: c, line });
      i += 1;
    } else {
      fail(`unexpected character '${c}'`, line);
    }
  }
  tokens.push({ type: 'end', line });
  return tokens;
}

function describe(token: Token): string {
  if (token.type === 'newline') return 'the end of the line';
  if (token.type === 'end') return 'the end of the file';
  if (token.type === 'string') return `the string '${token.text}'`;
  return `'${token.text}'`;
}

function parseSettings(text: string, fail: (reason: string, line: number) => never): Setting[] {
  const tokens = tokenize(text, fail);
  let pos = 0;
  const peek = () => tokens[pos]!;
  const next = () => tokens[pos++]!;
  const isPunct = (t: Token, p: string) => t.type === 'punct' && t.text === p;
  const skipNewlines = () => {
    while (peek().type === 'newline') pos += 1;
  };

  function value(): Value {
    const t = next();
    if (t.type === 'string') return { kind: 'string', value: t.text, line: t.line };
    if (t.type === 'number') return { kind: 'number', value: Number(t.text), line: t.line };
    if (isPunct(t, '[')) {
      const items: Value[] = [];
      skipNewlines();
      while (!isPunct(peek(), ']')) {
        items.push(value());
        skipNewlines();
        if (isPunct(peek(), ',')) {
          pos += 1;
          skipNewlines();
        } else if (!isPunct(peek(), ']')) {
          fail(`expected ',' or ']' in the list, found ${describe(peek())}`, peek().line);
        }
      }
      pos += 1;
      return { kind: 'list', items, line: t.line };
    }
    return fail(`expected a value (a quoted string, a number or a [list]), found ${describe(t)}`, t.line);
  }

  const settings: Setting[] = [];
  for (;;) {
    const t = next();
    if (t.type === 'end') break;
    if (t.type === 'newline' || isPunct(t, ';')) continue;
    if (t.type !== 'ident') fail(`expected a setting name, found ${describe(t)}`, t.line);
    const op = next();
    if (isPunct(op, '+=')) fail(`'+=' is not supported here; write ${t.type === 'ident' ? t.text : ''} = …`, op.line);
    if (!isPunct(op, '=')) fail(`expected '=' after ${(t as { text: string }).text}, found ${describe(op)}`, op.line);
    const v = value();
    const end = peek();
    if (end.type !== 'newline' && end.type !== 'end' && !isPunct(end, ';')) {
      fail(`expected the end of the setting, found ${describe(end)}`, end.line);
    }
    settings.push({ key: (t as { text: string }).text, value: v, line: t.line });
  }
  return settings;
}

const KNOWN_KEYS = new Set(['name', 'description', 'memory_path', 'memory', 'disks']);

function parseDiskEntry(entry: string, line: number, fail: (reason: string, line: number) => never): DiskRequest {
  const fields = entry.split(',');
  if (fields.length !== 3) {
    fail(`disk '${entry}' must have three comma-separated fields: 'external path,external format,target device'`, line);
  }
  const [path, format, target] = fields.map((f) => f.trim()) as [string, string, string];
  if (target === '') fail(`disk '${entry}' names no target device (the third field, e.g. hda or vda)`, line);
  if (path === '') {
    if (format !== '') fail(`disk '${entry}' gives a format but no path; leave both empty for an internal snapshot`, line);
    return { target, mode: 'internal' };
  }
  const disk: DiskRequest = { target, mode: 'external', file: path };
  if (format !== '') disk.driverType = format;
  return disk;
}

/** Reads an xl snapshot configuration; `file` only names it in errors. */
export function parseXlConfig(text: string, file: string | null = null): CreateRequest {
  const fail = (reason: string, line: number | null): never => {
    throw new XlConfigError(reason, line, file);
  };
  const byKey = new Map<string, Setting>();
  for (const setting of parseSettings(text, fail)) {
    if (!KNOWN_KEYS.has(setting.key)) {
      fail(`unknown setting '${setting.key}' (known: ${[...KNOWN_KEYS].join(', ')})`, setting.line);
    }
    const earlier = byKey.get(setting.key);
    if (earlier) fail(`'${setting.key}' is set twice (first on line ${earlier.line})`, setting.line);
    byKey.set(setting.key, setting);
  }

  const stringOf = (key: string): { value: string; line: number } | null => {
    const s = byKey.get(key);
    if (!s) return null;
    if (s.value.kind !== 'string') fail(`'${key}' must be a quoted string`, s.line);
    return { value: (s.value as { value: string }).value, line: s.line };
  };

  const request: CreateRequest = { disks: [], flags: {} };
  const name = stringOf('name');
  if (name && name.value !== '') request.name = name.value;
  const description = stringOf('description');
  if (description && description.value !== '') request.description = description.value;

  const memoryPath = stringOf('memory_path');
  const memorySetting = byKey.get('memory');
  let memoryFlag: number | null = null;
  if (memorySetting) {
    if (memorySetting.value.kind !== 'number' || (memorySetting.value.value !== 0 && memorySetting.value.value !== 1)) {
      fail("'memory' must be 0 or 1", memorySetting.line);
    }
    memoryFlag = (memorySetting.value as { value: number }).value;
  }
  const hasPath = memoryPath !== null && memoryPath.value !== '';
  if (memoryFlag === 1 && !hasPath) fail("'memory = 1' needs memory_path (where to save the memory state)", memorySetting!.line);
  if (memoryFlag === 0 && hasPath) fail("memory_path is set but 'memory = 0' takes no memory state", memoryPath!.line);
  let memory: MemoryRequest | undefined;
  if (hasPath) memory = { mode: 'external', file: memoryPath!.value };
  else if (memoryFlag === 0) memory = { mode: 'no' };
  if (memory) request.memory = memory;

  const disks = byKey.get('disks');
  if (disks) {
    if (disks.value.kind !== 'list') fail("'disks' must be a list, e.g. disks = ['/path/ov.qcow2,qcow2,hda']", disks.line);
    const seen = new Map<string, number>();
    for (const item of (disks.value as { items: Value[] }).items) {
      if (item.kind !== 'string') fail("each entry of 'disks' must be a quoted string", item.line);
      const disk = parseDiskEntry((item as { value: string }).value, item.line, fail);
      if (seen.has(disk.target)) fail(`disk '${disk.target}' is listed twice`, item.line);
      seen.set(disk.target, item.line);
      request.disks.push(disk);
    }
  }
  return request;
}
