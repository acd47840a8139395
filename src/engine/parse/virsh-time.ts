/** virsh's `%Y-%m-%d %H:%M:%S %z` timestamp (snapshot-list's Creation Time). */
export const VIRSH_TIME_PATTERN = String.raw`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}`;

const VIRSH_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

/** Seconds since the epoch for a virsh timestamp, honouring its UTC offset; null if malformed. */
export function parseVirshTime(text: string): number | null {
  const match = VIRSH_TIME.exec(text);
  if (!match) return null;
  const [year = 0, month = 1, day, hour, minute, second, offsetHours = 0, offsetMinutes = 0] = [1, 2, 3, 4, 5, 6, 8, 9].map(
    (group) => Number(match[group]),
  );
  const local = Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
  const offset = (offsetHours * 3600 + offsetMinutes * 60) * (match[7] === '-' ? -1 : 1);
  return local - offset;
}
