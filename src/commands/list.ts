// `virtsnap list`: every domain with its state and snapshot summary.


export { listDomainRows, listDomainsWithSnapshots, type DomainListing, type DomainRow } from '../engine/domain-listing.js';
import type { DomainRow } from '../engine/domain-listing.js';

export function formatDomainTable(rows: DomainRow[]): string {
  if (rows.length === 0) return 'no domains\n';
  const header = ['NAME', 'STATE', 'SNAPSHOTS', 'CURRENT', 'FLAGS'];
  const body = rows.map((r) => [
    r.name,
    r.state.reason ? `${r.state.state} (${r.state.reason})` : r.state.state,
    String(r.snapshotCount),
    r.currentSnapshot ?? '-',
    [r.persistent ? 'persistent' : 'transient', r.autostart ? 'autostart' : ''].filter(Boolean).join(','),
  ]);
  const table = [header, ...body];
  const widths = header.map((_, col) => Math.max(...table.map((row) => displayWidth(row[col]!))));
  return table.map((row) => row.map((cell, col) => (col === row.length - 1 ? cell : pad(cell, widths[col]!))).join('  ').trimEnd()).join('\n') + '\n';
}

function displayWidth(text: string): number {
  return [...text].length;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}
