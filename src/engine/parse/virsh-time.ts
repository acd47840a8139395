/** virsh's `%Y-%m-%d %H:%M:%S %z` timestamp (snapshot-list's Creation Time). */
export const VIRSH_TIME_PATTERN = String.raw`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}`;

const VIRSH_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

/** Seconds since the epoch for a virsh timestamp, honouring its UTC offset; null if malformed. */
export function parseVirshTime(text: string): number | null {
  const match = VIRSH_TIME.exec(text);
  if (!match) return null;
  const n = (group: number) => Number(match[group]);
  const local = Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6)) / 1000;
  const offset = (n(8) * 3600 + n(9) * 60) * (match[7] === '-' ? -1 : 1);
  return local - offset;
}

const DIGIT_0 = 0x30;

/**
 * parseVirshTime for the 25 characters of `text` from `start`, read digit by digit (a table
 * holds one per row); null unless they are a whole virsh timestamp.
 */
export function parseVirshTimeAt(text: string, start: number): number | null {
  if (text.length < start + 25) return null;
  let valid = true;
  const digits = (from: number, count: number): number => {
    let value = 0;
    for (let i = start + from; i < start + from + count; i++) {
      const digit = text.charCodeAt(i) - DIGIT_0;
      if (digit < 0 || digit > 9) valid = false;
      value = value * 10 + digit;
    }
    return value;
  };
  const at = (offset: number) => text[start + offset];
  if (at(4) !== '-' || at(7) !== '-' || at(10) !== ' ' || at(13) !== ':' || at(16) !== ':' || at(19) !== ' ') return null;
  const sign = at(20);
  if (sign !== '+' && sign !== '-') return null;
  const local = Date.UTC(digits(0, 4), digits(5, 2) - 1, digits(8, 2), digits(11, 2), digits(14, 2), digits(17, 2)) / 1000;
  const offset = (digits(21, 2) * 3600 + digits(23, 2) * 60) * (sign === '-' ? -1 : 1);
  return valid ? local - offset : null;
}
