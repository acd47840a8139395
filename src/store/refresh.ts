// Refreshing from the host: one domain listing that brings every forest, the selection kept
// on the same domain and snapshot by name, jobs found on the host, and a growing delay before
// the next automatic refresh while the host fails. A failure is kept (whole) until a refresh
// works, so the panes can show why they are empty.

import { listDomainsWithSnapshots } from '../engine/domain-listing.js';
import { describeError } from '../engine/error-report.js';
import { buildForest } from '../engine/parse/index.js';
import { parseLibvirtError } from '../engine/parse/libvirt-error.js';
import { VirshDiedError } from '../engine/virsh/errors.js';
import { selectedDomain, selectedSnapshotName, type RefreshActions, type RefreshState } from './app-state.js';
import { keepSelection } from './navigation.js';
import type { SliceContext } from './slice.js';

/** Refresh failures back off up to this long before the next automatic refresh. */
export const MAX_BACKOFF_MS = 60_000;

export const initialRefresh: RefreshState = { busy: false, lastRefresh: null, refreshError: null };

/**
 * The whole reason a refresh failed. A virsh that could not even connect says so on stderr
 * before it exits: libvirt's `error:` lines are the cause (e.g. `failed to parse xml document`),
 * and they are kept in full rather than the first line of its output.
 */
export function refreshErrorText(error: unknown): string {
  if (error instanceof VirshDiedError && error.stderr.trim()) {
    const parsed = parseLibvirtError(error.stderr);
    const how = error.signal ? `virsh was killed by ${error.signal}` : `virsh exited with code ${error.exitCode}`;
    if (parsed.errorLines.length > 0) return `${parsed.errorLines.map((l) => l.replace(/^error:\s*/, '')).join(': ')} (${how})`;
  }
  const { message, hint } = describeError(error);
  return hint ? `${message} (${hint})` : message;
}

export function refreshSlice(ctx: SliceContext, now: () => number = Date.now): RefreshActions {
  const { host, get, set, loaders } = ctx;
  let refreshing: Promise<void> | null = null;
  let failures = 0;
  let nextAllowedRefresh = 0;

  return {
    // A refresh that would overlap a running one is dropped: the running one answers both.
    // After failures, automatic callers are held off with a growing delay.
    refresh(options = {}) {
      if (refreshing) return refreshing;
      if (options.background && now() < nextAllowedRefresh && failures > 0) return Promise.resolve();
      set({ busy: true });
      refreshing = (async () => {
        try {
          // The listing brings every domain's snapshots: each forest is built from it, with
          // no second round of commands, and the screen changes in one step.
          // A background refresh asks each domain's names and current snapshot first and reads
          // its table only when they changed (engine/snapshot-cache.ts); `r` reads everything.
          const listing = await listDomainsWithSnapshots(host, { cached: options.background === true });
          const domains = listing.rows;
          const forests = Object.fromEntries(domains.map((d) => [d.name, listing.forests.get(d.name) ?? buildForest(d.name, [], null)]));
          const previousDomain = selectedDomain(get())?.name;
          const previousSnapshot = selectedSnapshotName(get());
          // A background refresh keeps the details already read; a manual one reads them again.
          set(options.background ? { domains, forests } : { domains, forests, snapshots: {}, diskReports: {} });
          keepSelection(get, set, previousDomain, previousSnapshot);
          set({ lastRefresh: now(), refreshError: null });
          loaders.loadSelectedDetails();
          if (options.announce) get().say(`refreshed: ${domains.length} domain${domains.length === 1 ? '' : 's'}`);
          // Jobs started elsewhere (plain virsh, an earlier run, a dropped SSH session) show up too.
          await get().attachJobs(domains.filter((d) => d.id !== null).map((d) => d.name));
          failures = 0;
        } catch (error) {
          failures++;
          nextAllowedRefresh = now() + Math.min(MAX_BACKOFF_MS, 1000 * 2 ** failures);
          const text = refreshErrorText(error);
          set({ refreshError: text });
          get().say(`refresh failed: ${text}`, 'error');
        } finally {
          set({ busy: false });
          refreshing = null;
        }
      })();
      return refreshing;
    },
  };
}
