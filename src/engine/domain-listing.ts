// The domain list with each domain's snapshot summary: what `virtsnap list` prints and what the
// TUI's refresh shows, from one fixed set of commands.

import type { Host } from './host.js';
import type { Domain, SnapshotSummary } from './model.js';

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
