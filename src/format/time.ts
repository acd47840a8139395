/** `2026-11-22 01:21:04` in UTC: what operators compare against virsh and logs. */
export function formatTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
}
