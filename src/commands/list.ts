// `virtsnap list`: every domain with its state and snapshot summary.

import type { Host } from '../engine/host.js';
import type { Domain, SnapshotSummary } from '../engine/model.js';

export interface DomainRow extends Domain {
  snapshotCount: number;
  currentSnapshot: string | null;
}

export interface DomainListing {
  rows: DomainRow[];
  /** Every domain's snapshots, from the same commands: enough to build each forest. */
  snapshots: Map<string, SnapshotSummary[]>;
}

/** The domain list (5 commands) and each domain's snapshots (4 commands each, 1 without any). */
export async function listDomainsWithSnapshots(host: Host): Promise<DomainListing> {
  const domains = await host.listDomains();
  const snapshots = new Map<string, SnapshotSummary[]>();
  const rows = await Promise.all(
    domains.map(async (domain) => {
      const list = await host.listSnapshots(domain.name);
      snapshots.set(domain.name, list);
      return { ...domain, snapshotCount: list.length, currentSnapshot: list.find((s) => s.current)?.name ?? null };
    }),
  );
  return { rows, snapshots };
}

export async function listDomainRows(host: Host): Promise<DomainRow[]> {
  return (await listDomainsWithSnapshots(host)).rows;
}

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
