// Block jobs in the TUI: the monitor follows them (those started here and those found on
// the host), the store keeps the latest event of each and a short log of finished ones.
// Updates are batched so that several jobs polling 3 times a second cost at most 4 redraws.

import type { BlockJobEvent } from '../engine/jobs/block-job-types.js';
import { jobEventBatch } from './job-event-batch.js';
import { JobMonitor } from '../engine/jobs/job-monitor.js';
import type { FlowPlan } from '../engine/flows/flow-plan.js';
import { planAbortJob, planPivotJob } from '../engine/flows/block-job-actions.js';
import { Journal } from '../engine/flows/journal.js';
import { runFlow } from '../engine/flows/flow-run.js';
import type { Host } from '../engine/host.js';
import { VirshCommandError } from '../engine/virsh/errors.js';
import { describeError } from '../engine/error-report.js';
import { openDialog, type ConfirmDialog } from './confirm.js';

/**
 * How often the TUI asks libvirt about a job it follows: twice a second moves a bar smoothly
 * (the CLI's 300 ms suits a line rewritten in place), and each poll is a virsh command and a
 * frame. A job about to end is still polled every 100 ms (JobMonitor).
 */
export const TUI_JOB_POLL_MS = 500;

const describe = (error: unknown) => (error instanceof Error ? error.message : describeError(error).message);

export { jobKey } from './job-event-batch.js';

export interface JobActions {
  /**
   * Finds jobs already running on the host (quietly: a driver without block jobs has none).
   * `runningDomains`: when the caller has just listed the domains, no second listing is needed.
   */
  attachJobs(runningDomains?: readonly string[]): Promise<void>;
  /** Opens the confirmation of the engine's abort plan for the selected domain's job. */
  openAbortJob(): Promise<void>;
  pivotJob(): Promise<void>;
  toggleJobs(): void;
  /** Stops following; the jobs go on in libvirtd. Returns those still running. */
  stopFollowingJobs(): BlockJobEvent[];
}

interface StoreView {
  jobs: Record<string, BlockJobEvent>;
  jobLog: BlockJobEvent[];
  jobsOpen: boolean;
  say(text: string, kind?: 'info' | 'error'): void;
}

type Patch = Partial<{
  jobs: Record<string, BlockJobEvent>;
  jobLog: BlockJobEvent[];
  jobsOpen: boolean;
  confirm: ConfirmDialog | null;
  inputMode: 'confirm';
}>;

export function jobActions(
  host: Host,
  get: () => StoreView,
  set: (patch: Patch) => void,
  selectedDomainName: () => string | null,
  journal: Journal = new Journal(),
): JobActions {
  const monitor = new JobMonitor(host, { intervalMs: TUI_JOB_POLL_MS });
  const batch = jobEventBatch(get, set, (finished) => {
    for (const event of finished) get().say(`${event.type} on ${event.domain} ${event.disk}: ${event.phase}${event.message ? ` (${event.message})` : ''}`, event.phase === 'completed' ? 'info' : 'error');
  });
  monitor.subscribe((event) => batch.feed(event));

  /** The job the keys act on: the first of the selected domain's jobs. */
  const selectedJob = (): BlockJobEvent | null => {
    const domain = selectedDomainName();
    return (
      Object.values(get().jobs)
        .filter((job) => job.domain === domain)
        .sort((a, b) => a.disk.localeCompare(b.disk))[0] ?? null
    );
  };

  return {
    async attachJobs(runningDomains) {
      try {
        const found = await monitor.attachRunning(runningDomains);
        if (found.length) set({ jobsOpen: true });
      } catch (error) {
        if (error instanceof VirshCommandError && error.code === 'unsupported') return;
        get().say(`could not look for running block jobs: ${describeError(error).message}`, 'error');
      }
    },
    async openAbortJob() {
      const job = selectedJob();
      if (!job) return get().say('the selected domain has no running block job', 'error');
      try {
        const plan = await planAbortJob(host, { domain: job.domain, disk: job.disk }, { monitor });
        if (plan.refusal) return get().say(plan.refusal, 'error');
        set({ confirm: openDialog(plan as FlowPlan), inputMode: 'confirm' });
      } catch (error) {
        get().say(describe(error), 'error');
      }
    },
    async pivotJob() {
      const job = selectedJob();
      if (!job) return get().say('the selected domain has no running block job', 'error');
      try {
        // No confirmation (the key is only offered once the job is ready), but journaled like every flow.
        const plan = await planPivotJob(host, { domain: job.domain, disk: job.disk }, { monitor });
        if (plan.refusal) return get().say(plan.refusal, 'error');
        const outcome = await runFlow(plan, { journal });
        if (outcome.status === 'done') get().say(`pivoted ${job.domain} ${job.disk}: the disk now runs on the commit's base`);
        else get().say(describe(outcome.error), 'error');
      } catch (error) {
        get().say(describe(error), 'error');
      }
    },
    toggleJobs() {
      set({ jobsOpen: !get().jobsOpen });
    },
    stopFollowingJobs() {
      monitor.close();
      batch.stop();
      return Object.values(get().jobs);
    },
  };
}
