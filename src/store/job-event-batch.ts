// Block-job events into the store's jobs panel, batched: a job polled every few hundred
// milliseconds (several jobs, several sources: the panel's monitor, a merge the TUI runs) makes
// one store update per batch, and a job that ended moves from `jobs` to the front of `jobLog`.

import { FINAL_PHASES, type BlockJobEvent } from '../engine/jobs/block-job-types.js';

const FLUSH_MS = 250;
const LOG_SIZE = 20;

/** The store's key for a job: one per domain and disk. */
export const jobKey = (event: Pick<BlockJobEvent, 'domain' | 'disk'>) => `${event.domain}\u0000${event.disk}`;

interface JobsView {
  jobs: Record<string, BlockJobEvent>;
  jobLog: BlockJobEvent[];
}

export interface JobEventBatch {
  feed(event: BlockJobEvent): void;
  /** Writes what is pending now (a run that ended shows its last event at once). */
  flush(): void;
  /** Drops what is pending, for good. */
  stop(): void;
}

export function jobEventBatch(
  get: () => JobsView,
  set: (patch: Partial<JobsView>) => void,
  onFinished: (events: BlockJobEvent[]) => void = () => {},
): JobEventBatch {
  const pending = new Map<string, BlockJobEvent>();
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending.size === 0) return;
    const jobs = { ...get().jobs };
    const finished: BlockJobEvent[] = [];
    for (const [key, event] of pending) {
      if (FINAL_PHASES.has(event.phase)) {
        delete jobs[key];
        finished.push(event);
      } else jobs[key] = event;
    }
    pending.clear();
    set(finished.length ? { jobs, jobLog: [...finished, ...get().jobLog].slice(0, LOG_SIZE) } : { jobs });
    if (finished.length) onFinished(finished);
  };
  return {
    feed(event) {
      pending.set(jobKey(event), event);
      timer ??= setTimeout(flush, FLUSH_MS);
    },
    flush,
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      pending.clear();
    },
  };
}
