// A merge or flatten as one flow on the step machine, whichever way it runs (merge-plan.ts):
//   online, one disk:    the plain block commit/pull flow (block-run.ts);
//   online, many disks:  each disk's block-job steps in turn (`vda:start`, `vda:copy`, …);
//   offline:             per disk `DISK:merge` (qemu-img commit or rebase, -p) and, for an
//                        intermediate commit, `DISK:rebase-above`; then `define` (the persistent
//                        definition on the new tops), `verify` (the chains as qemu-img reads them);
// then, once for every disk, `forget-metadata` (stale snapshots forgotten, their children
// redefined with their own XML) and `delete-files` when asked. Every step can run again after
// an interruption: qemu-img commit and rebase write the same data again, and the others check
// the host first. The params rebuild the same steps, so `resume` continues a journaled flow.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Host } from '../host.js';
import type { BlockJobEvent } from '../jobs/block-job-types.js';
import { JobMonitor } from '../jobs/job-monitor.js';
import { virshCommands } from '../virsh/commands.js';
import type { BlockPlan, BlockRunResult } from './block-flow.js';
import { blockConsequences, blockFlowPlan, blockSteps, deleteUnusedFilesStep, newBlockContext, startBlockFlow, type BlockContext } from './block-run.js';
import { mib } from './block-space.js';
import type { FlowPlan } from './flow-plan.js';
import { runFlow, type FlowRunOutcome } from './flow-run.js';
import { Journal } from './journal.js';
import { NO_CLEANUP, ONLINE_WHY, type MergeParams, type MetadataCleanup, type OfflineDisk, type OfflineParams, type OnlineParams } from './merge-plan.js';
import { definedTops, offlineDefinition, type DiskTop } from './offline-define.js';
import { backingOf, imageChain, OfflineProgress, offlineTimeoutMs, runQemuImgProgress } from './offline-qemu-img.js';
import { filesOf } from '../host-files.js';
import { forgetSnapshotsMetadata, stillListed } from './block-stale-snapshots.js';
import { plannedVirsh, StepMachine, type JournalEntry, type StepDefinition } from './step-machine.js';
import type { HostStateReport } from './host-unchanged.js';

export interface MergeContext extends BlockContext {
  /** Stops the qemu-img that runs (offline). */
  offlineAbort: AbortController;
  /** Offline progress, as block-job events. */
  onOffline: Set<(event: BlockJobEvent) => void>;
  chains: Record<string, string[]>;
  redefined: string[];
}

/** An offline qemu-img stopped on request; a flatten leaves every image's view as it was. */
export class OfflineStoppedError extends Error implements HostStateReport {
  override name = 'OfflineStoppedError';
  constructor(
    message: string,
    readonly hostUnchanged: boolean,
  ) {
    super(message);
  }
}

const chainText = (chain: readonly string[]) => chain.join(' <- ');
const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The flow kind each way journals under. */
export function mergeKind(params: MergeParams): string {
  if (params.way === 'offline') return `offline-${params.operation}`;
  return params.plans.length === 1 ? `block-${params.operation}` : `block-${params.operation}-disks`;
}

export function mergeTitle(params: MergeParams): string {
  const what = params.operation === 'commit' ? 'merge (commit)' : 'flatten (pull)';
  const disks = params.way === 'offline' ? params.disks.map((d) => d.disk) : params.plans.map((p) => p.disk);
  return `${what} on ${params.domain} ${disks.join(', ')}, ${params.way === 'offline' ? 'offline with qemu-img' : 'online with block jobs'}`;
}

function newMergeContext(host: Host, monitor: JobMonitor): MergeContext {
  return Object.assign(newBlockContext(host, monitor), { offlineAbort: new AbortController(), onOffline: new Set<(e: BlockJobEvent) => void>(), chains: {}, redefined: [] });
}

/** Forget the stale snapshots and redefine their children; delete the unused files when asked. */
function cleanupSteps(domain: string, cleanup: MetadataCleanup): StepDefinition<MergeContext>[] {
  const steps: StepDefinition<MergeContext>[] = [];
  if (cleanup.forgetMetadata) {
    const stale = cleanup.staleSnapshots;
    const redefineFile = (name: string) => `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.xml`;
    steps.push({
      id: 'forget-metadata',
      title:
        `forget the metadata of snapshots whose files left the chain: ${stale.map((s) => `${s.name} (${s.file})`).join(', ')}` +
        (cleanup.children.length ? `; redefine ${cleanup.children.map((c) => c.name).join(', ')} with their own disk states` : ''),
      commands: [
        ...stale.map((s) => plannedVirsh(virshCommands.deleteSnapshot(domain, s.name, { metadata: true }))),
        ...cleanup.children.map((c) => plannedVirsh(virshCommands.createSnapshotFromFile(domain, redefineFile(c.name), { redefine: true, current: c.current }))),
      ],
      leavesState: `libvirt no longer lists ${stale.map((s) => s.name).join(', ')}`,
      run: async (ctx, journal) => {
        ctx.state.forgottenSnapshots.push(...(await forgetSnapshotsMetadata(ctx.host, domain, stale.map((s) => s.name), (t) => journal.note(t))));
        if (cleanup.children.length === 0) return;
        // libvirt 9.0 rewrote their recorded disk states as if the forgotten overlays had been committed: put them back.
        const dir = await mkdtemp(join(tmpdir(), 'virtsnap-merge-'));
        try {
          for (const c of cleanup.children) {
            const file = join(dir, redefineFile(c.name));
            await writeFile(file, c.xml, { mode: 0o600 });
            await ctx.host.run(virshCommands.createSnapshotFromFile(domain, file, { redefine: true, current: c.current }));
            ctx.redefined.push(c.name);
            journal.note(`${c.name} redefined under ${c.parent ?? 'no parent'}`);
          }
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
      check: async (ctx) => {
        const left = await stillListed(ctx.host, domain, stale.map((s) => s.name));
        if (left.length) return `libvirt still lists ${left.join(', ')}`;
        for (const c of cleanup.children) {
          const parent = (await ctx.host.snapshot(domain, c.name)).detail.parent;
          if ((parent ?? null) !== c.parent) return `${c.name}'s parent is ${parent ?? 'none'}, expected ${c.parent ?? 'none'}`;
        }
        return null;
      },
    });
  }
  if (cleanup.deleteFiles) steps.push(deleteUnusedFilesStep(cleanup.unused, 'delete the files that left the chains, if nothing uses them'));
  return steps;
}

function cleanupConsequences(cleanup: MetadataCleanup): string[] {
  const lines: string[] = [];
  if (cleanup.staleSnapshots.length) {
    lines.push(
      cleanup.forgetMetadata
        ? `forgotten:   ${cleanup.staleSnapshots.map((s) => s.name).join(', ')} (their files left the chain)`
        : `stale:       ${cleanup.staleSnapshots.map((s) => s.name).join(', ')} keep their metadata (--keep-metadata)`,
    );
  }
  if (cleanup.children.length) lines.push(`redefined:   ${cleanup.children.map((c) => `${c.name} under ${c.parent ?? 'no parent'}`).join(', ')}`);
  return lines;
}

function onlineManyPlan(host: Host, params: OnlineParams, monitor: JobMonitor): FlowPlan<MergeContext> {
  const steps: StepDefinition<MergeContext>[] = [];
  for (const plan of params.plans) {
    for (const step of blockSteps(plan)) steps.push({ ...step, id: `${plan.disk}:${step.id}`, title: `${plan.disk}: ${step.title}` });
  }
  steps.push(...cleanupSteps(params.domain, params.cleanup));
  const kind = mergeKind(params);
  return {
    kind,
    title: mergeTitle(params),
    uri: host.uri,
    domain: params.domain,
    params,
    machine: new StepMachine<MergeContext>(kind, steps),
    context: newMergeContext(host, monitor),
    consequences: [`way:         ${params.why}`, ...params.plans.flatMap((p) => blockConsequences(p).map((l) => `${p.disk}: ${l}`)), ...cleanupConsequences(params.cleanup)],
    downtime: params.operation === 'pull' ? 'a pause of a few milliseconds after each disk\'s pull, so that QEMU writes the image metadata to disk' : 'none: the guest keeps running',
    warnings: params.warnings,
    confirmation: { kind: 'choice' },
    refusal: params.refusal,
    filesLeft: params.cleanup.deleteFiles ? [] : params.plans.flatMap((p) => p.change.unused),
  };
}

function offlineDiskSteps(params: OfflineParams, d: OfflineDisk): StepDefinition<MergeContext>[] {
  const { domain } = params;
  const { disk, change } = d;
  const commit = params.operation === 'commit';
  const steps: StepDefinition<MergeContext>[] = [
    {
      id: `${disk}:merge`,
      title: commit
        ? `${disk}: qemu-img commit ${change.merges[0]!.from.join(', ')} into ${change.target}`
        : `${disk}: qemu-img rebase: copy ${change.merges[0]!.from.join(', ')} into ${change.target}`,
      commands: [d.merge],
      leavesState: commit
        ? `${change.target} holds ${disk}'s merged data; the domain's definition still names ${change.before[0]}`
        : `${change.target} no longer needs ${change.merges[0]!.from.join(', ')}; the domain's definition is not updated yet`,
      run: async (ctx, journal) => {
        journal.note(`${change.merges.map((m) => `${m.from.join(', ')} -> ${m.into}`).join('; ')}${d.copy ? ` (${mib(d.copy.bytes)}, from ${d.copy.basis})` : ''}`);
        const progress = new OfflineProgress(domain, disk, commit ? (d.mode === 'complete' ? 'commit' : 'active-commit') : 'pull', d.copy?.bytes ?? null, params.bandwidthMiB ?? 0);
        const emit = (event: BlockJobEvent) => {
          ctx.state.final = event;
          for (const listener of ctx.onOffline) listener(event);
        };
        emit(progress.running(0));
        try {
          await runQemuImgProgress({
            files: filesOf(ctx.host),
            args: d.merge.args,
            timeoutMs: offlineTimeoutMs(d.copy?.bytes ?? null),
            signal: ctx.offlineAbort.signal,
            onPercent: (percent) => emit(progress.running(percent)),
          });
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          if (ctx.offlineAbort.signal.aborted) {
            emit(progress.ended('aborted', commit ? `stopped: ${change.target} holds part of the data; resume to finish` : 'stopped: every image reads as before'));
            throw new OfflineStoppedError(`${disk}: ${message}`, !commit);
          }
          emit(progress.ended('failed', message));
          throw error;
        }
        emit(progress.ended('completed'));
      },
      // A flatten is done once the top no longer has the pulled layers below it; a commit
      // cannot be told from the files, and committing again writes the same data.
      ...(commit
        ? {}
        : {
            check: async (ctx) => {
              const backing = await backingOf(change.before[0]!, filesOf(ctx.host));
              return backing === (change.after[1] ?? null) ? null : `${change.before[0]} is backed by ${backing ?? 'nothing'}`;
            },
          }),
    },
  ];
  if (d.rebaseAbove) {
    const { file, command } = d.rebaseAbove;
    steps.push({
      id: `${disk}:rebase-above`,
      title: `${disk}: ${file} now backed by ${change.target} (qemu-img rebase -u: the header only)`,
      commands: [command],
      leavesState: `${disk}'s chain on disk is ${chainText(change.after)}; the domain's definition is not updated yet`,
      run: async (ctx) => {
        await runQemuImgProgress({ files: filesOf(ctx.host), args: command.args, timeoutMs: offlineTimeoutMs(null) });
      },
      check: async (ctx) => {
        const backing = await backingOf(file, filesOf(ctx.host));
        return backing === change.target ? null : `${file} is backed by ${backing ?? 'nothing'}`;
      },
    });
  }
  return steps;
}

function offlinePlan(host: Host, params: OfflineParams, monitor: JobMonitor): FlowPlan<MergeContext> {
  const { domain } = params;
  const steps: StepDefinition<MergeContext>[] = params.disks.flatMap((d) => offlineDiskSteps(params, d));
  const tops = new Map<string, DiskTop>(
    params.disks.map((d) => [d.disk, { file: d.change.after[0]!, format: d.formats[d.change.before.indexOf(d.change.after[0]!)] ?? 'qcow2' }]),
  );
  steps.push(offlineDefineStep<MergeContext>(domain, tops));
  steps.push({
    id: 'verify',
    title: 'check each chain as qemu-img reads it',
    commands: params.disks.map((d) => ({ program: 'qemu-img', args: ['info', '-U', '--backing-chain', d.change.after[0]!], mutates: false })),
    run: async (ctx) => {
      for (const d of params.disks) {
        const chain = (await imageChain(d.change.after[0]!, filesOf(ctx.host))).map((l) => l.source);
        ctx.chains[d.disk] = chain;
        if (!same(chain, d.change.after)) throw new Error(`${d.disk}'s chain is ${chainText(chain)}, expected ${chainText(d.change.after)}`);
      }
    },
  });
  steps.push(...cleanupSteps(domain, params.cleanup));
  const kind = mergeKind(params);
  const consequences = [`way:         ${params.why}`];
  const files = filesOf(host);
  if (files.kind === 'ssh') consequences.push(`qemu-img:    runs on the host's files, ${files.where}`);
  for (const d of params.disks) {
    const prefix = params.disks.length > 1 ? `${d.disk}: ` : '';
    consequences.push(
      `${prefix}chain now:   ${chainText(d.change.before)}`,
      `${prefix}chain after: ${chainText(d.change.after)}`,
      ...d.change.merges.map((m) => `${prefix}merges:      ${m.from.join(', ')} -> ${m.into}`),
      `${prefix}to copy:     ${d.copy ? `${mib(d.copy.bytes)} (${d.copy.basis})` : 'unknown'}`,
      `${prefix}free space:  ${d.freeBytes !== null ? `${mib(d.freeBytes)} where ${d.change.target} lives` : 'unknown'}`,
    );
  }
  const unused = params.disks.flatMap((d) => d.change.unused);
  consequences.push(`unused after: ${unused.length ? unused.join(', ') : 'none'}${unused.length && !params.cleanup.deleteFiles ? ' (kept: --delete-unused-files removes them)' : ''}`);
  consequences.push(...cleanupConsequences(params.cleanup));
  return {
    kind,
    title: mergeTitle(params),
    uri: host.uri,
    domain,
    params,
    machine: new StepMachine<MergeContext>(kind, steps),
    context: newMergeContext(host, monitor),
    consequences,
    downtime: 'none: the domain stays shut off',
    warnings: params.warnings,
    confirmation: { kind: 'choice' },
    refusal: params.refusal,
    filesLeft: params.cleanup.deleteFiles ? [] : unused,
  };
}

/**
 * `virsh define` of a shut-off domain's persistent definition with the given disks on their new
 * tops and without their <backingStore> (offline-define.ts): the step an offline merge ends with,
 * for any flow whose context has the host (a delete that merges with qemu-img, too).
 */
export function offlineDefineStep<C extends { host: Host }>(domain: string, tops: ReadonlyMap<string, DiskTop>): StepDefinition<C> {
  return {
    id: 'define',
    title: `define ${domain} with ${[...tops].map(([disk, top]) => `${disk} on ${top.file}`).join(', ')} and no stale <backingStore>`,
    commands: [plannedVirsh(virshCommands.domainXml(domain, true)), plannedVirsh(virshCommands.defineDomain('<the edited definition>'))],
    leavesState: `${domain} is defined on the merged chains; snapshot metadata is not updated yet`,
    run: async (ctx, journal) => {
      const xml = offlineDefinition(await ctx.host.domainXml(domain, { inactive: true }), tops);
      const dir = await mkdtemp(join(tmpdir(), 'virtsnap-merge-'));
      try {
        const file = join(dir, 'definition.xml');
        await writeFile(file, xml, { mode: 0o600 });
        await ctx.host.run(virshCommands.defineDomain(file));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      journal.note(`defined: ${[...tops].map(([disk, top]) => `${disk} -> ${top.file}`).join(', ')}`);
    },
    check: async (ctx) => {
      const defined = definedTops(await ctx.host.domainXml(domain, { inactive: true }));
      for (const [disk, top] of tops) {
        const found = defined.get(disk);
        if (found?.file !== top.file) return `${disk} is defined on ${found?.file ?? '(nothing)'}`;
        if (found.backingStore) return `${disk} still has a <backingStore> in the definition`;
      }
      return null;
    },
  };
}

/** The flow of a merge or flatten, from its params alone (also what `resume` rebuilds). */
export function mergeFlowPlan(host: Host, params: MergeParams, options: { monitor?: JobMonitor } = {}): FlowPlan<MergeContext> {
  const monitor = options.monitor ?? new JobMonitor(host);
  if (params.way === 'offline') return offlinePlan(host, params, monitor);
  if (params.plans.length === 1) {
    const flow = blockFlowPlan(host, params.plans[0]!, { monitor });
    return { ...flow, consequences: [`way:         ${params.why}`, ...flow.consequences], context: Object.assign(flow.context, { offlineAbort: new AbortController(), onOffline: new Set<(e: BlockJobEvent) => void>(), chains: {}, redefined: [] }) } as FlowPlan<MergeContext>;
  }
  return onlineManyPlan(host, params, monitor);
}

export interface MergeRunResult {
  ok: boolean;
  outcome: BlockRunResult['outcome'];
  params: MergeParams;
  flow: FlowRunOutcome;
  /** Each disk's chain afterwards, where it was read. */
  chains: Record<string, string[]>;
  forgottenSnapshots: string[];
  redefinedSnapshots: string[];
  deletedFiles: string[];
  keptFiles: string[];
  error: string | null;
}

export interface MergeRun {
  readonly flow: FlowPlan<MergeContext>;
  readonly result: Promise<MergeRunResult>;
  /** Aborts the running job or qemu-img. */
  abort(): Promise<void>;
  /** Stops following an online job (it goes on in libvirt); offline, the same as abort. */
  detach(): void;
}

export interface MergeRunHooks {
  journal?: Journal;
  onEvent?: (event: BlockJobEvent) => void;
  onEntry?: (entry: JournalEntry) => void;
}

function disksOf(params: MergeParams): string[] {
  return params.way === 'offline' ? params.disks.map((d) => d.disk) : params.plans.map((p) => p.disk);
}

/** Runs a merge flow journaled, reporting each disk's progress (block job or qemu-img) as block-job events. */
export function startMerge(flow: FlowPlan<MergeContext>, hooks: MergeRunHooks = {}): MergeRun {
  const ctx = flow.context;
  // One disk online is the plain commit or pull flow, whose params are its BlockPlan.
  if (!('way' in (flow.params as object))) {
    const plan = flow.params as BlockPlan;
    const params: MergeParams = { way: 'online', operation: plan.operation === 'pull' ? 'pull' : 'commit', domain: plan.domain, why: ONLINE_WHY, plans: [plan], cleanup: NO_CLEANUP, warnings: plan.warnings, refusal: plan.refusal };
    const run = startBlockFlow(flow as unknown as FlowPlan<BlockContext>, hooks);
    const result = run.result.then(
      (r): MergeRunResult => ({
        ok: r.ok,
        outcome: r.outcome,
        params,
        flow: r.flow,
        chains: r.chainAfter ? { [r.plan.disk]: r.chainAfter } : {},
        forgottenSnapshots: r.forgottenSnapshots,
        redefinedSnapshots: [],
        deletedFiles: r.deletedFiles,
        keptFiles: r.keptFiles,
        error: r.error,
      }),
    );
    return { flow, result, abort: () => run.abortJob(), detach: () => run.detach() };
  }
  const params = flow.params as MergeParams;
  if (flow.refusal) throw new Error(flow.refusal);
  const disks = new Set(disksOf(params));
  const offMonitor = ctx.monitor.subscribe((event) => {
    if (event.domain === params.domain && disks.has(event.disk)) hooks.onEvent?.(event);
  });
  const offline = (event: BlockJobEvent) => hooks.onEvent?.(event);
  ctx.onOffline.add(offline);
  const result = runFlow(flow, { journal: hooks.journal ?? new Journal(), onEntry: hooks.onEntry })
    .then((outcome): MergeRunResult => {
      const done = outcome.status === 'done';
      const final = ctx.state.final;
      const outcomeName: MergeRunResult['outcome'] = done
        ? params.way === 'online' && params.plans.some((p) => p.mode === 'synchronized')
          ? 'ready'
          : 'completed'
        : ctx.isDetached
          ? 'detached'
          : final?.phase === 'aborted'
            ? 'aborted'
            : 'failed';
      return {
        ok: done,
        outcome: outcomeName,
        params,
        flow: outcome,
        chains: ctx.chains,
        forgottenSnapshots: ctx.state.forgottenSnapshots,
        redefinedSnapshots: ctx.redefined,
        deletedFiles: ctx.state.deletedFiles,
        keptFiles: ctx.state.keptFiles,
        error: done || ctx.isDetached ? null : outcome.error instanceof Error ? outcome.error.message : String(outcome.error ?? outcome.status),
      };
    })
    .finally(() => {
      offMonitor();
      ctx.onOffline.delete(offline);
    });
  return {
    flow,
    result,
    async abort() {
      if (params.way === 'offline') {
        ctx.offlineAbort.abort();
        return;
      }
      const running = ctx.monitor.watched().find((j) => j.domain === params.domain && disks.has(j.disk) && !j.done);
      if (running) await ctx.monitor.abort(running.domain, running.disk);
      else ctx.abortPending = true;
    },
    detach() {
      if (params.way === 'offline') ctx.offlineAbort.abort();
      else ctx.detach();
    },
  };
}
