// Acting on a block job that runs, whoever started it: abort it, pivot it once ready, or change
// its speed. Each is a small flow (one or two steps), planned from what the host says about the
// job now, shown and confirmed like every mutating flow, and journaled.
//
// readJobParams reads the host once (the job, the disk's chain, its mirror); the *JobPlan
// builders make the steps from those params alone, so that `resume` rebuilds the same steps.

import type { Host } from '../host.js';
import { blockJobKind, isTwoPhase, type BlockJobEvent, type BlockJobKind } from '../jobs/block-job-types.js';
import { JobMonitor } from '../jobs/job-monitor.js';
import { virshCommands } from '../virsh/commands.js';
import type { FlowPlan } from './flow-plan.js';
import { plannedVirsh, StepMachine, type StepDefinition } from './step-machine.js';

export interface JobActionRequest {
  domain: string;
  disk: string;
}

export interface JobActionParams {
  domain: string;
  disk: string;
  /** Null when no job runs on the disk (the plan is refused). */
  jobType: BlockJobKind | null;
  /** virsh's label (`Active Block Commit`). */
  label: string | null;
  percent: number;
  ready: boolean;
  /** The disk's chain (top first) before the action. */
  chainBefore: string[];
  /** Where an active commit or copy puts the data (the commit's base, the copy's destination). */
  mirrorTarget: string | null;
  /** For a bandwidth change: the new limit, MiB/s (0 = unlimited). */
  bandwidthMiB?: number;
}

export interface JobActionContext {
  host: Host;
  monitor: JobMonitor;
  /** The job's last event once the action ended it. */
  final: BlockJobEvent | null;
  chainAfter: string[] | null;
  bandwidthAfter: number | null;
}

/** What the host says about the job on one disk now: 2 read commands. */
export async function readJobParams(host: Host, request: JobActionRequest, monitor?: JobMonitor): Promise<JobActionParams> {
  const control = (monitor ?? new JobMonitor(host)).control;
  const [raw, live] = await Promise.all([control.info(request.domain, request.disk), control.liveDisks(request.domain)]);
  const mirror = live.mirrors.get(request.disk) ?? null;
  const ready = mirror?.ready ?? false;
  return {
    ...request,
    jobType: raw ? blockJobKind(raw.type) : null,
    label: raw?.type ?? null,
    percent: raw === null ? 0 : ready ? 100 : raw.end > 0 ? Math.min(99.99, Math.floor((raw.cur * 10000) / raw.end) / 100) : 0,
    ready,
    chainBefore: live.disks.find((d) => d.target === request.disk)?.chain.map((l) => l.source) ?? [],
    mirrorTarget: mirror?.target ?? null,
  };
}

const noJob = (p: JobActionParams) => (p.jobType === null ? `no block job runs on ${p.domain} ${p.disk}` : null);
const jobName = (p: JobActionParams) => `${p.jobType ?? 'job'} on ${p.domain} ${p.disk}`;

function context(host: Host, monitor?: JobMonitor): JobActionContext {
  return { host, monitor: monitor ?? new JobMonitor(host), final: null, chainAfter: null, bandwidthAfter: null };
}

async function chainOf(ctx: JobActionContext, domain: string, disk: string): Promise<string[]> {
  const { disks } = await ctx.monitor.control.liveDisks(domain);
  return disks.find((d) => d.target === disk)?.chain.map((l) => l.source) ?? [];
}

/**
 * Sends `act` to the job and waits for its end, through the monitor, so that the end is judged
 * as asked for (an abort ends `aborted`, a pivot `completed`); a job not followed yet is attached.
 */
async function endJob(ctx: JobActionContext, params: JobActionParams, act: (monitor: JobMonitor) => Promise<void>): Promise<void> {
  const { domain, disk } = params;
  const job = ctx.monitor.watch(domain, disk, { chainBefore: params.chainBefore, type: params.jobType ?? undefined });
  try {
    await job.current();
    await act(ctx.monitor);
    ctx.final = await job.finished;
  } finally {
    if (!job.done) ctx.monitor.unwatch(domain, disk);
  }
  ctx.chainAfter = await chainOf(ctx, domain, disk);
}

const jobGone = async (ctx: JobActionContext, p: JobActionParams) => (await ctx.monitor.control.info(p.domain, p.disk)) === null;

export async function planAbortJob(host: Host, request: JobActionRequest, options: { monitor?: JobMonitor } = {}): Promise<FlowPlan<JobActionContext>> {
  return abortJobPlan(host, await readJobParams(host, request, options.monitor), options);
}

export function abortJobPlan(host: Host, params: JobActionParams, options: { monitor?: JobMonitor } = {}): FlowPlan<JobActionContext> {
  const { domain, disk } = params;
  const command = virshCommands.blockJobAbort(domain, disk);
  const steps: StepDefinition<JobActionContext>[] = [
    {
      id: 'abort',
      title: `abort the ${jobName(params)}`,
      commands: [plannedVirsh(command)],
      leavesState: `no job runs on ${disk}; its chain is as it was`,
      run: (ctx) => endJob(ctx, params, (m) => m.abort(domain, disk)),
      check: async (ctx) => ((await jobGone(ctx, params)) ? null : `a job still runs on ${disk}`),
    },
  ];
  const consequences = [
    'The job stops and the disk keeps its chain as it was before the job.',
    params.jobType === 'pull'
      ? 'What was already pulled stays in the overlay (harmless: the data is the same).'
      : 'What was already copied stays in the base image too, where the overlay hides it.',
    'Starting again later copies from the beginning.',
  ];
  return {
    kind: 'block-job-abort',
    title: `Abort the ${jobName(params)} (${params.percent.toFixed(0)} %${params.ready ? ', ready' : ''})`,
    uri: host.uri,
    domain,
    params,
    machine: new StepMachine<JobActionContext>('block-job-abort', steps),
    context: context(host, options.monitor),
    consequences,
    downtime: 'none',
    warnings: [],
    confirmation: { kind: 'choice' },
    refusal: noJob(params),
    filesLeft: [],
  };
}

export async function planPivotJob(host: Host, request: JobActionRequest, options: { monitor?: JobMonitor } = {}): Promise<FlowPlan<JobActionContext>> {
  return pivotJobPlan(host, await readJobParams(host, request, options.monitor), options);
}

export function pivotJobPlan(host: Host, params: JobActionParams, options: { monitor?: JobMonitor } = {}): FlowPlan<JobActionContext> {
  const { domain, disk } = params;
  const target = params.mirrorTarget;
  const refusal =
    noJob(params) ??
    (params.jobType !== null && !isTwoPhase(params.jobType)
      ? `a ${params.jobType} cannot be pivoted: it ends by itself`
      : !params.ready
        ? `the job is running (${params.percent.toFixed(2)} %): a pivot needs it ready (caught up with the guest)`
        : null);
  const steps: StepDefinition<JobActionContext>[] = [
    {
      id: 'pivot',
      title: `pivot ${disk} to ${target ?? "the job's target"}`,
      commands: [plannedVirsh(virshCommands.blockJobPivot(domain, disk))],
      leavesState: `${disk} runs on ${target ?? "the job's target"}`,
      run: (ctx) => endJob(ctx, params, (m) => m.pivot(domain, disk)),
      check: async (ctx) => {
        if (!(await jobGone(ctx, params))) return `a job still runs on ${disk}`;
        const top = (await chainOf(ctx, domain, disk))[0];
        return target === null || top === target ? null : `${disk} runs on ${top ?? '(nothing)'}`;
      },
    },
    {
      id: 'verify',
      title: 'check the chain',
      commands: [plannedVirsh(virshCommands.domainXml(domain))],
      run: async (ctx, journal) => {
        const chain = ctx.chainAfter ?? (await chainOf(ctx, domain, disk));
        ctx.chainAfter = chain;
        journal.note(`chain: ${chain.join(' <- ')}`);
        if (target !== null && chain[0] !== target) throw new Error(`${disk} runs on ${chain[0] ?? '(nothing)'}, expected ${target}`);
      },
    },
  ];
  return {
    kind: 'block-job-pivot',
    title: `Pivot the ${jobName(params)}`,
    uri: host.uri,
    domain,
    params,
    machine: new StepMachine<JobActionContext>('block-job-pivot', steps),
    context: context(host, options.monitor),
    consequences: [
      `${disk} switches to ${target ?? "the job's target"} at once; the layers above it leave the chain (their files stay).`,
      'Snapshots whose overlays leave the chain keep their metadata: `virtsnap commit` forgets it, a pivot here does not.',
    ],
    downtime: 'none: the switch is instant',
    warnings: [],
    confirmation: { kind: 'choice' },
    refusal,
    filesLeft: [],
  };
}

export async function planJobBandwidth(
  host: Host,
  request: JobActionRequest & { bandwidthMiB: number },
  options: { monitor?: JobMonitor } = {},
): Promise<FlowPlan<JobActionContext>> {
  const params = await readJobParams(host, request, options.monitor);
  return jobBandwidthPlan(host, { ...params, bandwidthMiB: request.bandwidthMiB }, options);
}

export function jobBandwidthPlan(host: Host, params: JobActionParams, options: { monitor?: JobMonitor } = {}): FlowPlan<JobActionContext> {
  const { domain, disk } = params;
  const bandwidth = params.bandwidthMiB ?? 0;
  const limit = bandwidth === 0 ? 'unlimited' : `${bandwidth} MiB/s`;
  const steps: StepDefinition<JobActionContext>[] = [
    {
      id: 'bandwidth',
      title: `set the ${jobName(params)} to ${limit}`,
      commands: [plannedVirsh(virshCommands.blockJobSetBandwidth(domain, disk, bandwidth))],
      leavesState: `the job copies at ${limit}`,
      run: async (ctx) => {
        await ctx.monitor.setBandwidth(domain, disk, bandwidth);
        ctx.bandwidthAfter = (await ctx.monitor.control.info(domain, disk))?.bandwidth ?? null;
      },
      check: async (ctx) => {
        const info = await ctx.monitor.control.info(domain, disk);
        if (info === null) return null; // ended meanwhile: nothing left to limit
        return info.bandwidth === bandwidth ? null : `the job's limit is ${info.bandwidth} MiB/s`;
      },
    },
  ];
  return {
    kind: 'block-job-bandwidth',
    title: `Limit the ${jobName(params)} to ${limit}`,
    uri: host.uri,
    domain,
    params,
    machine: new StepMachine<JobActionContext>('block-job-bandwidth', steps),
    context: context(host, options.monitor),
    consequences: [`the job copies at ${limit} from now on`],
    downtime: 'none',
    warnings: [],
    confirmation: { kind: 'choice' },
    refusal: noJob(params),
    filesLeft: [],
  };
}
