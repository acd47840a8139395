// Executes a block plan step by step, reporting each step's status and every progress event.
// The job itself is followed by a JobMonitor; the caller can abort it or stop following it
// (the job then goes on in libvirt) at any time.

import { unlink } from 'node:fs/promises';
import type { Host } from '../host.js';
import type { BlockJobEvent } from '../jobs/block-job-types.js';
import type { JobMonitor, WatchedJob } from '../jobs/job-monitor.js';
import { virshCommands } from '../virsh/commands.js';
import type { BlockFlowStep, BlockPlan, BlockRunResult, BlockStepId } from './block-flow.js';
import { fileStillUsed } from './block-stale-snapshots.js';

export interface BlockRunHooks {
  onStep?: (step: BlockFlowStep, plan: BlockPlan) => void;
  onEvent?: (event: BlockJobEvent) => void;
}

export interface BlockRun {
  readonly result: Promise<BlockRunResult>;
  /** Aborts the job (the chain stays as it was); the run then ends `aborted`. */
  abortJob(): Promise<void>;
  /** Stops following: the job goes on in libvirt; the run ends `detached`. */
  detach(): void;
}

class Detached extends Error {}

export function runBlockPlan(host: Host, monitor: JobMonitor, plan: BlockPlan, hooks: BlockRunHooks = {}): BlockRun {
  if (plan.refusal) throw new Error(plan.refusal);
  let job: WatchedJob | null = null;
  let detach!: () => void;
  const detached = new Promise<never>((_, reject) => (detach = () => reject(new Detached())));
  detached.catch(() => {});
  const { domain, disk } = plan;

  const setStatus = (id: BlockStepId, status: BlockFlowStep['status'], error: string | null = null) => {
    const s = plan.steps.find((x) => x.id === id);
    if (!s || (!s.enabled && status !== 'skipped')) return;
    s.status = status;
    s.error = error;
    hooks.onStep?.(s, plan);
  };
  const enabled = (id: BlockStepId) => plan.steps.find((x) => x.id === id)?.enabled ?? false;

  const off = monitor.subscribe((event) => {
    if (event.domain === domain && event.disk === disk) hooks.onEvent?.(event);
  });

  const result: BlockRunResult = {
    ok: false,
    outcome: 'failed',
    plan,
    final: null,
    chainAfter: null,
    forgottenSnapshots: [],
    deletedFiles: [],
    error: null,
  };

  const fail = (id: BlockStepId, message: string) => {
    setStatus(id, 'failed', message);
    for (const s of plan.steps) if (s.status === 'pending') setStatus(s.id, 'skipped');
    result.error = message;
  };

  const jobEnded = (event: BlockJobEvent, id: BlockStepId): boolean => {
    if (event.phase === 'completed' || event.phase === 'ready') return false;
    result.final = event;
    result.outcome = event.phase === 'aborted' ? 'aborted' : 'failed';
    fail(id, event.message ?? `the job ${event.phase}`);
    return true;
  };

  async function execute(): Promise<void> {
    setStatus('start', 'running');
    try {
      await host.run(plan.start);
    } catch (error) {
      fail('start', error instanceof Error ? error.message : String(error));
      return;
    }
    job = monitor.watch(domain, disk, {
      chainBefore: plan.change.before,
      type: plan.operation === 'pull' ? 'pull' : plan.mode === 'complete' ? 'commit' : 'active-commit',
      keepOverlay: plan.mode === 'keep-overlay',
    });
    setStatus('start', 'done');

    setStatus('copy', 'running');
    const twoPhase = plan.mode === 'pivot' || plan.mode === 'keep-overlay' || plan.mode === 'synchronized';
    const copied = await Promise.race([twoPhase ? job.ready() : job.finished, detached]);
    if (jobEnded(copied, 'copy')) return;
    setStatus('copy', 'done');
    result.final = copied;

    if (plan.mode === 'pivot' || plan.mode === 'keep-overlay') {
      const id = plan.mode === 'pivot' ? 'pivot' : 'keep-overlay';
      setStatus(id, 'running');
      try {
        if (plan.mode === 'pivot') await monitor.pivot(domain, disk);
        else await monitor.abort(domain, disk);
      } catch (error) {
        fail(id, error instanceof Error ? error.message : String(error));
        return;
      }
      const ended = await Promise.race([job.finished, detached]);
      result.final = ended;
      if (jobEnded(ended, id)) return;
      setStatus(id, 'done');
    } else if (plan.mode === 'synchronized') {
      setStatus('synchronized', 'done');
      monitor.unwatch(domain, disk);
    }

    setStatus('verify', 'running');
    const disks = await host.disks(domain);
    const chainNow = disks.find((d) => d.target === disk)?.chain.map((l) => l.source) ?? [];
    result.chainAfter = chainNow;
    if (chainNow.join('\n') !== plan.change.after.join('\n')) {
      fail('verify', `the chain is ${chainNow.join(' <- ')}, expected ${plan.change.after.join(' <- ')}`);
      return;
    }
    setStatus('verify', 'done');

    if (enabled('forget-metadata')) {
      setStatus('forget-metadata', 'running');
      for (const snapshot of plan.staleSnapshots) {
        try {
          await host.run(virshCommands.deleteSnapshot(domain, snapshot.name, { metadata: true }));
          result.forgottenSnapshots.push(snapshot.name);
        } catch (error) {
          fail('forget-metadata', `snapshot ${snapshot.name}: ${error instanceof Error ? error.message : String(error)}`);
          return;
        }
      }
      setStatus('forget-metadata', 'done');
    }

    if (enabled('delete-files')) {
      setStatus('delete-files', 'running');
      const kept: string[] = [];
      for (const file of plan.change.unused) {
        const user = await fileStillUsed(host, file);
        if (user) {
          kept.push(`${file} (used by ${user})`);
          continue;
        }
        await unlink(file);
        result.deletedFiles.push(file);
      }
      const s = plan.steps.find((x) => x.id === 'delete-files')!;
      if (kept.length > 0) s.detail = `kept: ${kept.join(', ')}`;
      setStatus('delete-files', 'done');
    }

    result.ok = true;
    result.outcome = plan.mode === 'synchronized' ? 'ready' : 'completed';
  }

  const promise = execute()
    .catch((error: unknown) => {
      if (error instanceof Detached) {
        result.outcome = 'detached';
        result.final = job?.latest ?? null;
        result.error = null;
        for (const s of plan.steps) if (s.status === 'pending' || s.status === 'running') setStatus(s.id, 'skipped');
        if (job) monitor.unwatch(domain, disk);
        return;
      }
      const running = plan.steps.find((s) => s.status === 'running');
      fail(running?.id ?? 'start', error instanceof Error ? error.message : String(error));
    })
    .then(() => {
      off();
      return result;
    });

  return {
    result: promise,
    async abortJob() {
      await monitor.abort(domain, disk);
    },
    detach: () => detach(),
  };
}
