// Each domain's snapshots as last read, for refreshes that repeat themselves. A refresh first
// asks the two cheap questions, the names (and so the count) and the current snapshot, and
// reads the table (`snapshot-list --parent`, whose cost grows with every snapshot's XML that
// virsh parses) only when their answers differ, or when the table is older than a set age. Any
// command that changes the host, run on this connection, makes every domain read again; the
// set age covers changes made elsewhere that keep names and current mark (a redefined parent).
// Queries that decide what a flow does never use this: they read the host themselves.

import type { Host } from './host.js';
import type { SnapshotForest, SnapshotSummary } from './model.js';
import { buildForest } from './parse/index.js';

/** How long a table is trusted while the names and the current snapshot stay the same. */
export const DEFAULT_MAX_AGE_MS = 60_000;

export interface CachedSnapshots {
  summaries: readonly SnapshotSummary[];
  /** The same object for as long as nothing changed, so views can skip work by identity. */
  forest: SnapshotForest;
  current: string | null;
  /** What this call did: read the whole table, or found the names and current mark unchanged. */
  fetched: 'full' | 'unchanged';
}

interface Entry {
  names: readonly string[];
  current: string | null;
  summaries: readonly SnapshotSummary[];
  forest: SnapshotForest;
  readAt: number;
}

export interface SnapshotCacheOptions {
  maxAgeMs?: number;
  now?: () => number;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class SnapshotCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  /** Bumped by every change to the host: a read that began before one is not kept. */
  private generation = 0;

  constructor(
    private readonly host: Host,
    options: SnapshotCacheOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
    host.runner.log.subscribe((entry) => {
      if (entry.mutates && entry.outcome === 'running') this.invalidate();
    });
  }

  /** What was last read for a domain, without asking the host. */
  peek(domain: string): CachedSnapshots | undefined {
    const entry = this.entries.get(domain);
    return entry && { summaries: entry.summaries, forest: entry.forest, current: entry.current, fetched: 'unchanged' };
  }

  /** Forget what was read (one domain, or all): the next read asks for the whole table. */
  invalidate(domain?: string): void {
    this.generation++;
    if (domain === undefined) this.entries.clear();
    else this.entries.delete(domain);
  }

  /**
   * A domain's snapshots: 2 commands when the names and current snapshot are as last read
   * (and the table is younger than the set age), 4 otherwise (asked all at once when a full
   * read is due anyway; 5 for names the table cannot show exactly), 1 for a domain that had
   * none and still has none; `full` reads everything.
   */
  async get(domain: string, options: { full?: boolean } = {}): Promise<CachedSnapshots> {
    const generation = this.generation;
    const entry = this.entries.get(domain);
    const readAt = this.now();
    let names: readonly string[];
    let current: string | null;
    let summaries: readonly SnapshotSummary[] | null = null;
    if (entry && entry.names.length === 0) {
      // It had none: ask for the names alone (1 command), and the rest only if there are some.
      names = await this.host.snapshotNames(domain);
      current = names.length === 0 ? null : await this.host.currentSnapshotName(domain);
      if (names.length === 0) summaries = [];
    } else if (options.full || !entry || !this.young(entry)) {
      // A full read: all four questions at once (the session writes them back to back), with
      // the leaves' names instead of every name (host.readSnapshots).
      ({ names, current, summaries } = await this.host.readSnapshots(domain, entry?.names));
    } else {
      [names, current] = await Promise.all([this.host.snapshotNames(domain), this.host.currentSnapshotName(domain)]);
    }
    if (
      summaries === null &&
      !options.full &&
      entry &&
      generation === this.generation &&
      this.young(entry) &&
      entry.current === current &&
      sameNames(entry.names, names)
    ) {
      return { summaries: entry.summaries, forest: entry.forest, current, fetched: 'unchanged' };
    }
    summaries ??= names.length === 0 ? [] : await this.host.snapshotSummaries(domain, names, current);
    const fresh: Entry = { names, current, summaries, forest: buildForest(domain, summaries, current), readAt };
    if (generation === this.generation) this.entries.set(domain, fresh);
    return { summaries, forest: fresh.forest, current, fetched: 'full' };
  }

  private young(entry: Entry): boolean {
    return this.now() - entry.readAt < this.maxAgeMs;
  }

  /** Domains no longer on the host are dropped. */
  retain(domains: Iterable<string>): void {
    const keep = new Set(domains);
    for (const name of this.entries.keys()) if (!keep.has(name)) this.entries.delete(name);
  }
}
