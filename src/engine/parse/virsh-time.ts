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
