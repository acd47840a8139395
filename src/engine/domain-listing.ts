// The domain list with each domain's snapshot summary: what `virtsnap list` prints and what the
// TUI's refresh shows, from one fixed set of commands.

import type { Host } from './host.js';
import type { Domain, SnapshotForest, SnapshotSummary } from './model.js';

export interface DomainRow extends Domain {
  snapshotCount: number;
  currentSnapshot: string | null;
}

export interface DomainListing {
  rows: DomainRow[];
  /** Every domain's snapshots, from the same commands: enough to build each forest. */
  snapshots: Map<string, readonly SnapshotSummary[]>;
  /** Each domain's forest: the same object as the last listing's while nothing changed. */
  forests: Map<string, SnapshotForest>;
}

/**
 * The domain list (5 commands) and each domain's snapshots: 4 commands each (1 without any).
 * `cached`: 2 commands for a domain whose names and current snapshot are as the host's snapshot
 * cache last read them (snapshot-cache.ts), for refreshes that repeat themselves.
 */
export function listDomainsWithSnapshots(host: Host, options: { cached?: boolean } = {}): Promise<DomainListing> {
  // A listing asked for while one is running joins it, unless it wants a full read and the
  // running one is a cached one: the TUI starts its first listing while Ink loads, and its
  // first refresh takes that one over.
  const running = inFlight.get(host);
  if (running && (options.cached || !running.cached)) return running.listing;
  const listing = readListing(host, options.cached === true).finally(() => {
    if (inFlight.get(host)?.listing === listing) inFlight.delete(host);
  });
  inFlight.set(host, { cached: options.cached === true, listing });
  return listing;
}

const inFlight = new WeakMap<Host, { cached: boolean; listing: Promise<DomainListing> }>();

async function readListing(host: Host, cached: boolean): Promise<DomainListing> {
  const domains = await host.listDomains();
  const snapshots = new Map<string, readonly SnapshotSummary[]>();
  const forests = new Map<string, SnapshotForest>();
  const cache = host.snapshotCache;
  const rows = await Promise.all(
    domains.map(async (domain) => {
      const read = await cache.get(domain.name, { full: !cached });
      snapshots.set(domain.name, read.summaries);
      forests.set(domain.name, read.forest);
      return { ...domain, snapshotCount: read.summaries.length, currentSnapshot: read.current };
    }),
  );
  cache.retain(domains.map((d) => d.name));
  return { rows, snapshots, forests };
}

export async function listDomainRows(host: Host): Promise<DomainRow[]> {
  return (await listDomainsWithSnapshots(host)).rows;
}
