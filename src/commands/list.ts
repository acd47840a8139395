// `virtsnap list`: every domain with its state and snapshot summary.


export { listDomainRows, listDomainsWithSnapshots, type DomainListing, type DomainRow } from '../engine/domain-listing.js';
import type { DomainRow } from '../engine/domain-listing.js';
import { formatTable } from '../format/text-width.js';

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
  // Columns in terminal columns (string-width), so wide characters in names keep them aligned.
  return formatTable(header, body);
}
