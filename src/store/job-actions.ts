// Block jobs in the TUI: the monitor follows them (those started here and those found on
// the host), the store keeps the latest event of each and a short log of finished ones.
// Updates are batched so that several jobs polling 3 times a second cost at most 4 redraws.

import { FINAL_PHASES, type BlockJobEvent } from '../engine/jobs/block-job-types.js';
import { JobMonitor } from '../engine/jobs/job-monitor.js';
import type { FlowPlan } from '../engine/flows/flow-plan.js';
import { plannedVirsh, StepMachine } from '../engine/flows/step-machine.js';
import type { Host } from '../engine/host.js';
import { virshCommands } from '../engine/virsh/commands.js';
import { VirshCommandError } from '../engine/virsh/errors.js';
import { describeError } from '../engine/error-report.js';
import { openDialog, type ConfirmDialog } from './confirm.js';

const FLUSH_MS = 250;
const LOG_SIZE = 20;

export const jobKey = (event: Pick<BlockJobEvent, 'domain' | 'disk'>) => `${event.domain}\u0000${event.disk}`;

export interface JobActions {
  /**
   * Finds jobs already running on the host (quietly: a driver without block jobs has none).
   * `runningDomains`: when the caller has just listed the domains, no second listing is needed.
   */
  attachJobs(runningDomains?: readonly string[]): Promise<void>;
  openAbortJob(): void;
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

export function jobActions(host: Host, get: () => StoreView, set: (patch: Patch) => void, selectedDomainName: () => string | null): JobActions {
  const monitor = new JobMonitor(host);
  const pending = new Map<string, BlockJobEvent>();
  let timer: NodeJS.Timeout | null = null;

  const flush = () => {
    timer = null;
    const jobs = { ...get().jobs };
    const finished: BlockJobEvent[] = [];
    for (const [key, event] of pending) {
      if (FINAL_PHASES.has(event.phase)) {
        delete jobs[key];
        finished.push(event);
      } else jobs[key] = event;
    }
    pending.clear();
    const patch: Patch = { jobs };
    if (finished.length) {
      patch.jobLog = [...finished, ...get().jobLog].slice(0, LOG_SIZE);
      for (const event of finished) get().say(`${event.type} on ${event.domain} ${event.disk}: ${event.phase}${event.message ? ` (${event.message})` : ''}`, event.phase === 'completed' ? 'info' : 'error');
    }
    set(patch);
  };

  monitor.subscribe((event) => {
    pending.set(jobKey(event), event);
    timer ??= setTimeout(flush, FLUSH_MS);
  });

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
    openAbortJob() {
      const job = selectedJob();
      if (!job) return get().say('the selected domain has no running block job', 'error');
      const command = virshCommands.blockJobAbort(job.domain, job.disk);
      const machine = new StepMachine<null>('block-job-abort', [
        {
          id: 'abort',
          title: `abort the ${job.type} on ${job.domain} ${job.disk}`,
          commands: [plannedVirsh(command)],
          run: () => monitor.abort(job.domain, job.disk),
        },
      ]);
      const plan: FlowPlan<null> = {
        kind: 'block-job-abort',
        uri: host.uri,
        domain: job.domain,
        params: { domain: job.domain, disk: job.disk },
        refusal: null,
        filesLeft: [],
        title: `Abort the ${job.type} on ${job.domain} ${job.disk} (${job.percent.toFixed(0)} %)`,
        machine,
        context: null,
        consequences: [
          'The job stops and the disk keeps its chain as it was before the job.',
          job.type === 'pull'
            ? 'What was already pulled stays in the overlay (harmless: the data is the same).'
            : 'What was already copied stays in the base image too, where the overlay hides it.',
          'Starting again later copies from the beginning.',
        ],
        downtime: 'none',
        warnings: [],
        confirmation: { kind: 'choice' },
      };
      set({ confirm: openDialog(plan as FlowPlan), inputMode: 'confirm' });
    },
    async pivotJob() {
      const job = selectedJob();
      if (!job) return get().say('the selected domain has no running block job', 'error');
      try {
        await monitor.pivot(job.domain, job.disk);
        get().say(`pivoted ${job.domain} ${job.disk}: the disk now runs on the commit's base`);
      } catch (error) {
        get().say(error instanceof Error ? error.message : describeError(error).message, 'error');
      }
    },
    toggleJobs() {
      set({ jobsOpen: !get().jobsOpen });
    },
    stopFollowingJobs() {
      monitor.close();
      if (timer) clearTimeout(timer);
      return Object.values(get().jobs);
    },
  };
}
