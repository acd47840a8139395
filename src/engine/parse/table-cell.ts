/**
 * How virsh's tables (vsh-table) print a cell, which depends on virsh's locale:
 * - `C`: every byte ≥ 0x80 prints as `\xff` (virsh formats the signed char with
 *   `\x%02x` into a 5-byte buffer, so 0xd1 → `\xffffffd1` → `\xff`). Non-ASCII names are
 *   therefore not recoverable from a table printed under LC_ALL=C.
 * - `UTF-8` (e.g. LC_ALL=C.UTF-8): printable characters print as themselves.
 * In both, ASCII control characters print as `\xNN` (tab → `\x09`) and a literal
 * backslash followed by `x` prints as `\x5c`, so every `\x` in a cell starts an escape.
 */
export type TableLocale = 'C' | 'UTF-8';

const utf8 = new TextEncoder();
const hexByte = (byte: number): string => `\\x${byte.toString(16).padStart(2, '0')}`;
const isAsciiControl = (code: number): boolean => code < 0x20 || code === 0x7f;
// glibc's iswprint is false for these; virsh then escapes every byte of the character.
const NOT_PRINTABLE = /^[\p{Cc}\p{Cs}\p{Cn}\p{Zl}\p{Zp}]$/u;

export function renderTableCell(text: string, locale: TableLocale): string {
  return locale === 'C' ? renderInCLocale(text) : renderInUtf8Locale(text);
}

function renderInCLocale(text: string): string {
  const bytes = utf8.encode(text);
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] ?? 0;
    if (byte === 0x5c && bytes[i + 1] === 0x78) out += '\\x5c';
    else if (isAsciiControl(byte)) out += hexByte(byte);
    else if (byte >= 0x80) out += '\\xff';
    else out += String.fromCharCode(byte);
  }
  return out;
}

function renderInUtf8Locale(text: string): string {
  const chars = [...text];
  let out = '';
  chars.forEach((char, i) => {
    const code = char.codePointAt(0) ?? 0;
    if (char === '\\' && chars[i + 1] === 'x') out += '\\x5c';
    else if (isAsciiControl(code)) out += hexByte(code);
    else if (NOT_PRINTABLE.test(char)) out += '\\xff'.repeat(utf8.encode(char).length);
    else out += char;
  });
  return out;
}

/**
 * Best-effort inverse of renderTableCell: `\x00`–`\x7f` become the character again;
 * `\xff` (a lost non-ASCII byte) stays as it is.
 */
export function decodeTableCell(cell: string): string {
  if (!cell.includes('\\x')) return cell;
  return cell.replace(/\\x([0-7][0-9a-f])/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
