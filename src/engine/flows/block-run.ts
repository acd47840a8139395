// A block commit or pull as a flow on the step machine: start the job, copy (followed by the
// JobMonitor until ready or complete), pivot or keep the overlay, verify the chain, forget the
// metadata of snapshots whose files left it, delete those files when asked. Every step has a
// check on the host, so a flow picked up from the journal neither starts a second job nor
// pivots twice; the copy step of a resumed flow follows the job that is already running.
//
// blockFlowPlan builds the steps from the pre-flight's BlockPlan alone (block-plan.ts), so that
// `resume` rebuilds the same steps. startBlockFlow runs it journaled and reports every progress
// event; the caller can abort the job or stop following it (the job then goes on in libvirt,
// and the flow stays unfinished in the journal until it is resumed or resolved).

import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { Host } from '../host.js';
import type { BlockJobEvent } from '../jobs/block-job-types.js';
import { JobMonitor, type WatchedJob } from '../jobs/job-monitor.js';
import { parseDomState } from '../parse/index.js';
import { noteLinkGaps } from '../virsh/connection-loss.js';
import { virshCommands } from '../virsh/commands.js';
import type { BlockPlan, BlockRunResult } from './block-flow.js';
import { mib } from './block-space.js';
import { fileStillUsed, forgetSnapshotsMetadata, stillListed } from './block-stale-snapshots.js';
import type { FlowPlan } from './flow-plan.js';
import { runFlow } from './flow-run.js';
import { Journal } from './journal.js';
import { plannedVirsh, StepMachine, type JournalEntry, type StepDefinition } from './step-machine.js';
import type { HostStateReport } from './host-unchanged.js';

/** The operator stopped following: the job goes on in libvirt. */
export class DetachedError extends Error {
  override name = 'DetachedError';
  constructor() {
    super('stopped following: the job goes on in libvirt');
  }
}

/** The job ended other than as planned; `hostUnchanged` when the chain is as it was before the flow. */
export class BlockJobEndedError extends Error implements HostStateReport {
  override name = 'BlockJobEndedError';
  constructor(
    message: string,
    readonly event: BlockJobEvent,
    readonly hostUnchanged: boolean,
  ) {
    super(message);
  }
}

export interface BlockContext {
  host: Host;
  monitor: JobMonitor;
  /** Rejects with DetachedError once the operator stops following. */
  detached: Promise<never>;
  detach(): void;
  isDetached: boolean;
  /** An abort asked for before the job was being followed: the copy step sends it at once. */
  abortPending: boolean;
  /** The flush step was found in doubt with the guest paused: its pause outlived the process that made it. */
  flushInterrupted?: boolean;
  /** What the run produced. */
  state: {
    final: BlockJobEvent | null;
    chainAfter: string[] | null;
    forgottenSnapshots: string[];
    deletedFiles: string[];
    /** `FILE (used by WHO)` for files that left the chain and stay. */
    keptFiles: string[];
    keptPaths: Set<string>;
  };
}

const sameChain = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((s, i) => s === b[i]);

async function chainNow(ctx: BlockContext, domain: string, disk: string): Promise<string[]> {
  const { disks } = await ctx.monitor.control.liveDisks(domain);
  return disks.find((d) => d.target === disk)?.chain.map((l) => l.source) ?? [];
}

export function newBlockContext(host: Host, monitor: JobMonitor): BlockContext {
  let reject!: (error: Error) => void;
  const detached = new Promise<never>((_, r) => (reject = r));
  detached.catch(() => {});
  const context: BlockContext = {
    host,
    monitor,
    detached,
    isDetached: false,
    abortPending: false,
    detach() {
      context.isDetached = true;
      reject(new DetachedError());
    },
    state: { final: null, chainAfter: null, forgottenSnapshots: [], deletedFiles: [], keptFiles: [], keptPaths: new Set() },
  };
  return context;
}

/** The plan's first line: what runs on which disk. */
export function blockTitle(params: BlockPlan): string {
  const what =
    params.operation === 'commit' ? `commit (${params.mode})` : params.operation === 'copy' ? `copy to ${params.change.target} (${params.mode === 'keep-overlay' ? 'finish' : params.mode})` : 'pull';
  return `${what} on ${params.domain} ${params.disk}${params.bandwidthMiB ? `, at most ${params.bandwidthMiB} MiB/s` : ''}`;
}

/**
 * After a pull QEMU has rewritten the overlay's header (no backing file any more) but keeps the
 * L2 tables of the pulled clusters in memory until it next flushes the image; QEMU dying before
 * that (a crash, the OOM killer, a power cut) loses every pulled byte, and an idle guest may not
 * flush for a long time (measured on QEMU 7.2: 8 MiB of 8 lost). Pausing the guest makes QEMU
 * flush every image (vm_stop), and libvirt offers no other flush without a guest agent; so the
 * guest is paused and resumed at once, a few milliseconds. A paused guest is left alone.
 */
function flushStep(domain: string, disk: string): StepDefinition<BlockContext> {
  return {
    id: 'flush',
    title: `make QEMU write ${disk}'s new image metadata to disk: pause and resume the guest (a few milliseconds)`,
    commands: [plannedVirsh(virshCommands.suspendDomain(domain)), plannedVirsh(virshCommands.resumeDomain(domain))],
    leavesState: `${domain} may be paused: \`virsh resume ${domain}\` resumes it`,
    run: async (ctx, journal) => {
      const state = parseDomState((await ctx.host.run(virshCommands.domainState(domain))).stdout).state;
      const interrupted = ctx.flushInterrupted === true;
      // from here on the step has run in this process: its check has nothing to find
      ctx.flushInterrupted = false;
      if (state === 'paused' && interrupted) {
        // QEMU flushed when the pause began; only the resume is missing
        journal.note(`${domain} was left paused by the interrupted flush: resuming it`);
        await ctx.host.run(virshCommands.resumeDomain(domain));
        return;
      }
      if (state !== 'running') {
        journal.note(`${domain} is ${state}: not paused by virtsnap; QEMU writes ${disk}'s metadata when it next flushes the image`);
        return;
      }
      await ctx.host.run(virshCommands.suspendDomain(domain));
      await ctx.host.run(virshCommands.resumeDomain(domain));
    },
    // Runs before a resumed flow re-runs the step in doubt, in a new process: a paused guest then
    // is almost surely this step's own pause, its resume lost with the process (a guest the
    // operator had paused before is resumed too: the only case this cannot tell apart).
    // After run(): the guest is as run() left it.
    check: async (ctx) => {
      if (ctx.flushInterrupted !== undefined) return null;
      const state = parseDomState((await ctx.host.run(virshCommands.domainState(domain))).stdout).state;
      ctx.flushInterrupted = state === 'paused';
      return ctx.flushInterrupted ? `${domain} is paused: the flush stopped between its pause and its resume` : null;
    },
  };
}

/** The steps of a commit or pull on one disk, from the pre-flight's plan alone (also one disk of a several-disk merge). */
export function blockSteps(params: BlockPlan): StepDefinition<BlockContext>[] {
  const { domain, disk, change, mode } = params;
  const what = params.operation === 'commit' ? (mode === 'complete' ? 'commit' : 'active commit') : params.operation === 'copy' ? 'copy' : 'pull';
  const twoPhase = mode === 'pivot' || mode === 'keep-overlay' || mode === 'synchronized';
  const jobType = params.operation === 'pull' ? 'pull' : params.operation === 'copy' ? 'copy' : mode === 'complete' ? 'commit' : 'active-commit';
  const copying = params.operation === 'copy';
  const chainText = (chain: readonly string[]) => chain.join(' <- ');

  /** The job on the disk, followed (a job already followed is reused; one found running is attached to). */
  const follow = (ctx: BlockContext): WatchedJob =>
    ctx.monitor.watch(domain, disk, { chainBefore: change.before, type: jobType, keepOverlay: mode === 'keep-overlay' });

  /** Waits for `until` unless the operator stops following; stops polling when the step ends abnormally. */
  const await_ = async (ctx: BlockContext, job: WatchedJob, until: Promise<BlockJobEvent>): Promise<BlockJobEvent> => {
    try {
      return await Promise.race([until, ctx.detached]);
    } catch (error) {
      if (!job.done) ctx.monitor.unwatch(domain, disk);
      throw error;
    }
  };

  const ended = async (ctx: BlockContext, event: BlockJobEvent): Promise<BlockJobEndedError> => {
    ctx.state.final = event;
    let unchanged = false;
    try {
      unchanged = (await ctx.monitor.control.info(domain, disk)) === null && sameChain(await chainNow(ctx, domain, disk), change.before);
    } catch {
      // not known: the flow stays open for the operator to look at
    }
    return new BlockJobEndedError(event.message ?? `the job ${event.phase}`, event, unchanged);
  };

  const jobGone = async (ctx: BlockContext) => (await ctx.monitor.control.info(domain, disk)) === null;

  const steps: StepDefinition<BlockContext>[] = [
    {
      id: 'start',
      title: `start the block ${params.operation}`,
      commands: [plannedVirsh(params.start)],
      leavesState: `a ${what} job runs on ${domain} ${disk}: \`virtsnap jobs ${domain} --follow\` follows it, \`virtsnap job ${domain} ${disk} --abort\` ends it`,
      run: async ({ host: h }) => {
        await h.run(params.start);
      },
      check: async (ctx) => {
        if (!(await jobGone(ctx))) return null;
        // A short job may be over already: its chain shows it.
        const chain = await chainNow(ctx, domain, disk);
        return !sameChain(change.after, change.before) && sameChain(chain, change.after) ? null : `no job runs on ${disk} and its chain is unchanged`;
      },
      undo: {
        title: 'abort the job if it still runs (the chain stays as it was)',
        commands: [plannedVirsh(virshCommands.blockJobAbort(domain, disk))],
        run: async (ctx, journal) => {
          if (await jobGone(ctx)) journal.note(`no job runs on ${disk} any more`);
          else await ctx.monitor.control.abort(domain, disk);
        },
      },
    },
    {
      id: 'copy',
      title: twoPhase ? 'copy until ready (caught up with the guest)' : 'copy until done',
      commands: [plannedVirsh(virshCommands.blockJobInfo(domain, disk))],
      leavesState: twoPhase
        ? `the ${what} job on ${disk} is ready and waits: \`virtsnap job ${domain} ${disk} --pivot\` (or --abort) ends it`
        : `${disk}'s chain is ${chainText(change.after)}`,
      run: async (ctx, journal) => {
        journal.note(`${change.merges.map((m) => `${m.from.join(', ')} -> ${m.into}`).join('; ')}${params.copy ? ` (${mib(params.copy.bytes)}, from ${params.copy.basis})` : ''}`);
        const job = follow(ctx);
        if (ctx.abortPending) void ctx.monitor.abort(domain, disk).catch(() => {});
        // A dropped connection does not stop the job: the journal shows the gap while it is followed.
        const stopNoting = noteLinkGaps(ctx.host.runner, journal);
        const event = await await_(ctx, job, twoPhase ? job.ready() : job.finished).finally(stopNoting);
        ctx.state.final = event;
        if (event.phase !== 'ready' && event.phase !== 'completed') throw await ended(ctx, event);
        // A two-phase job that ends by itself (aborted elsewhere after ready) is not ready for what follows.
        if (twoPhase && event.phase !== 'ready') throw await ended(ctx, event);
      },
      check: async (ctx) => {
        if (twoPhase) {
          const { mirrors } = await ctx.monitor.control.liveDisks(domain);
          if (mirrors.get(disk)?.ready) return null;
          return `the job on ${disk} is not ready`;
        }
        if (!(await jobGone(ctx))) return `the job on ${disk} still runs`;
        const chain = await chainNow(ctx, domain, disk);
        return sameChain(chain, change.after) ? null : `the chain is ${chainText(chain)}`;
      },
    },
  ];

  if (mode === 'pivot' || mode === 'keep-overlay') {
    const pivot = mode === 'pivot';
    steps.push({
      id: pivot ? 'pivot' : 'keep-overlay',
      title: copying
        ? pivot
          ? 'pivot the disk to the copy once ready'
          : 'end the job once ready: the copy is complete, the disk stays on its image'
        : pivot
          ? 'pivot the disk to the base once ready'
          : 'end the job once ready, keeping the overlay',
      commands: [plannedVirsh(pivot ? virshCommands.blockJobPivot(domain, disk) : virshCommands.blockJobAbort(domain, disk))],
      leavesState: pivot
        ? `${disk} runs on ${change.target}; the files above it left the chain`
        : `${change.target} holds the data; ${disk} still runs on ${change.before[0]}`,
      run: async (ctx) => {
        const job = follow(ctx);
        // A resumed flow's monitor has not polled the job yet: a pivot needs its phase.
        await await_(ctx, job, job.current());
        if (pivot) await ctx.monitor.pivot(domain, disk);
        else await ctx.monitor.abort(domain, disk);
        const event = await await_(ctx, job, job.finished);
        ctx.state.final = event;
        if (event.phase !== 'completed') throw await ended(ctx, event);
      },
      check: async (ctx) => {
        if (!(await jobGone(ctx))) return `the job on ${disk} still runs`;
        const chain = await chainNow(ctx, domain, disk);
        return chain[0] === change.after[0] ? null : `${disk} runs on ${chain[0] ?? '(nothing)'}`;
      },
    });
  } else if (mode === 'synchronized') {
    steps.push({
      id: 'synchronized',
      title: 'leave the job ready (synchronized)',
      leavesState: `the job on ${disk} stays ready: \`virtsnap job ${domain} ${disk} --pivot\` (or --abort) ends it`,
      run: async (ctx, journal) => {
        ctx.monitor.unwatch(domain, disk);
        journal.note(`finish later: virtsnap job ${domain} ${disk} --pivot (or --abort)`);
      },
    });
  }

  if (params.operation === 'pull') steps.push(flushStep(domain, disk));

  steps.push({
    id: 'verify',
    title: 'check the chain',
    commands: [plannedVirsh(virshCommands.domainXml(domain))],
    run: async (ctx) => {
      const chain = await chainNow(ctx, domain, disk);
      ctx.state.chainAfter = chain;
      if (!sameChain(chain, change.after)) throw new Error(`the chain is ${chainText(chain)}, expected ${chainText(change.after)}`);
    },
  });

  if (params.forgetMetadata) {
    const stale = params.staleSnapshots;
    steps.push({
      id: 'forget-metadata',
      title: `forget the metadata of snapshots whose files left the chain: ${stale.map((s) => `${s.name} (${s.file})`).join(', ')}`,
      commands: stale.map((s) => plannedVirsh(virshCommands.deleteSnapshot(domain, s.name, { metadata: true }))),
      leavesState: `libvirt no longer lists ${stale.map((s) => s.name).join(', ')}`,
      run: async (ctx, journal) => {
        ctx.state.forgottenSnapshots.push(...(await forgetSnapshotsMetadata(ctx.host, domain, stale.map((s) => s.name), (t) => journal.note(t))));
      },
      check: async (ctx) => {
        const left = await stillListed(ctx.host, domain, stale.map((s) => s.name));
        return left.length === 0 ? null : `libvirt still lists ${left.join(', ')}`;
      },
    });
  }

  if (params.deleteFiles) steps.push(deleteUnusedFilesStep(change.unused, 'delete the files that left the chain, if nothing uses them'));

  return steps;
}

/** What a commit or pull changes, in the plan's words. */
export function blockConsequences(params: BlockPlan): string[] {
  const { domain, disk, change, mode } = params;
  const chainText = (chain: readonly string[]) => chain.join(' <- ');
  const consequences = [
    `chain now:   ${chainText(change.before)}`,
    `chain after: ${chainText(change.after)}`,
    ...change.merges.map((m) => `merges:      ${m.from.join(', ')} -> ${m.into}`),
    `unused after: ${change.unused.length ? change.unused.join(', ') : 'none'}${change.unused.length && !params.deleteFiles ? ' (kept: --delete-unused-files removes them)' : ''}`,
    `to copy:     ${params.copy ? `${mib(params.copy.bytes)} (${params.copy.basis})` : 'unknown'}`,
    `free space:  ${params.freeBytes !== null ? `${mib(params.freeBytes)} where ${change.target} lives` : 'unknown (not local)'}`,
  ];
  if (mode === 'synchronized') consequences.push(`the job stays ready (synchronized) until \`virtsnap job ${domain} ${disk} --pivot\` or --abort`);
  return consequences;
}

/** The flow of a commit or pull, from the pre-flight's plan alone. */
export function blockFlowPlan(host: Host, params: BlockPlan, options: { monitor?: JobMonitor } = {}): FlowPlan<BlockContext> {
  const { domain, change, mode } = params;
  const steps = blockSteps(params);
  const consequences = blockConsequences(params);

  return {
    kind: `block-${params.operation}`,
    title: blockTitle(params),
    uri: host.uri,
    domain,
    params,
    machine: new StepMachine<BlockContext>(`block-${params.operation}`, steps),
    context: newBlockContext(host, options.monitor ?? new JobMonitor(host)),
    consequences,
    downtime:
      mode === 'pivot'
        ? 'none: the guest keeps running, and the pivot switches the disk at once'
        : params.operation === 'pull'
          ? 'a pause of a few milliseconds once the pull is done, so that QEMU writes the image metadata to disk'
          : 'none: the guest keeps running',
    warnings: params.warnings,
    confirmation: { kind: 'choice' },
    refusal: params.refusal,
    filesLeft: params.deleteFiles ? [] : change.unused,
  };
}

export interface BlockRunHooks {
  /** Where the flow is journaled (default: $XDG_STATE_HOME/virtsnap). */
  journal?: Journal;
  /** Every progress event of the job. */
  onEvent?: (event: BlockJobEvent) => void;
  /** Every journal entry (step events). */
  onEntry?: (entry: JournalEntry) => void;
}

export interface BlockRun {
  readonly flow: FlowPlan<BlockContext>;
  readonly result: Promise<BlockRunResult>;
  /** Aborts the job (the chain stays as it was); the run then ends `aborted`. */
  abortJob(): Promise<void>;
  /** Stops following: the job goes on in libvirt; the run ends `detached`. */
  detach(): void;
}

/** Runs a commit or pull flow journaled, reporting its job's progress. */
export function startBlockFlow(flow: FlowPlan<BlockContext>, hooks: BlockRunHooks = {}): BlockRun {
  if (flow.refusal) throw new Error(flow.refusal);
  const ctx = flow.context;
  const params = flow.params as BlockPlan;
  const off = ctx.monitor.subscribe((event) => {
    if (event.domain === params.domain && event.disk === params.disk) hooks.onEvent?.(event);
  });
  const result = runFlow(flow, { journal: hooks.journal ?? new Journal(), onEntry: hooks.onEntry })
    .then((outcome): BlockRunResult => {
      const done = outcome.status === 'done';
      const final = ctx.state.final ?? ctx.monitor.get(params.domain, params.disk)?.latest ?? null;
      const outcomeName: BlockRunResult['outcome'] = done
        ? params.mode === 'synchronized'
          ? 'ready'
          : 'completed'
        : ctx.isDetached
          ? 'detached'
          : final?.phase === 'aborted'
            ? 'aborted'
            : 'failed';
      const error = done || ctx.isDetached ? null : outcome.error instanceof Error ? outcome.error.message : String(outcome.error ?? outcome.status);
      return {
        ok: done,
        outcome: outcomeName,
        plan: params,
        flow: outcome,
        final,
        chainAfter: ctx.state.chainAfter,
        forgottenSnapshots: ctx.state.forgottenSnapshots,
        deletedFiles: ctx.state.deletedFiles,
        keptFiles: ctx.state.keptFiles,
        error,
      };
    })
    .finally(off);
  return {
    flow,
    result,
    async abortJob() {
      const job = ctx.monitor.get(params.domain, params.disk);
      if (job && !job.done) await ctx.monitor.abort(params.domain, params.disk);
      else ctx.abortPending = true;
    },
    detach: () => ctx.detach(),
  };
}

/** Builds the flow for `plan` with `monitor` and runs it (tests, the benchmark). */
export function runBlockPlan(host: Host, monitor: JobMonitor, plan: BlockPlan, hooks: BlockRunHooks = {}): BlockRun {
  return startBlockFlow(blockFlowPlan(host, plan, { monitor }), hooks);
}

interface FileCleanupContext {
  host: Host;
  state: { keptFiles: string[]; keptPaths: Set<string>; deletedFiles: string[] };
}

/**
 * Removes the files a merge left out of the chain, each only when no chain or snapshot uses it
 * any more (checked again right before, since the plan was made); one used is kept and named.
 */
export function deleteUnusedFilesStep<C extends FileCleanupContext>(files: string[], title: string): StepDefinition<C> {
  return {
    id: 'delete-files',
    title,
    commands: [{ program: 'rm', args: files, mutates: true }],
    removes: files,
    run: async (ctx, journal) => {
      for (const file of files) {
        const user = await fileStillUsed(ctx.host, file);
        if (user) {
          ctx.state.keptFiles.push(`${file} (used by ${user})`);
          ctx.state.keptPaths.add(file);
          journal.note(`kept ${file}: used by ${user}`);
          continue;
        }
        if (existsSync(file)) await unlink(file);
        ctx.state.deletedFiles.push(file);
      }
    },
    check: async (ctx) => {
      const left = files.filter((f) => existsSync(f) && !ctx.state.keptPaths.has(f));
      return left.length === 0 ? null : `${left.join(', ')} still exists`;
    },
  };
}
