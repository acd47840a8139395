// `virtsnap commit` and `pull` for every way a merge runs: the plan (which way, and why),
// refused or confirmed as for every mutating command, then the flow run journaled with a
// progress bar per disk (block job or qemu-img), or JSON lines. One disk of a running domain
// runs the plain commit/pull flow (job-flow-cli.ts), as before.

import type { Host } from '../engine/host.js';
import { BlockPlanError } from '../engine/flows/block-plan.js';
import type { FlowPlan } from '../engine/flows/flow-plan.js';
import { Journal } from '../engine/flows/journal.js';
import { planMerge, type MergeParams, type MergeRequest } from '../engine/flows/merge-plan.js';
import { mergeFlowPlan, startMerge, type MergeRunResult } from '../engine/flows/merge-run.js';
import type { BlockJobEvent } from '../engine/jobs/block-job-types.js';
import { JobMonitor } from '../engine/jobs/job-monitor.js';
import type { CliIo } from './context.js';
import { UsageError } from './errors.js';
import { exitWith, presentPlanFromCli, reportOutcome, stepEventPrinter, type FlowFlags } from './flow-cli.js';
import { planAndRunBlockCli, type BlockCliOptions } from './job-flow-cli.js';
import { onJobInterrupt } from './job-prompt.js';
import { formatProgress } from './job-render.js';

/** DISK or --all-disks, exactly one of them. */
export function diskArgument(disk: string | undefined, allDisks: boolean | undefined): string | 'all' {
  if (allDisks && disk !== undefined) throw new UsageError(`give either a disk (${disk}) or --all-disks, not both`);
  if (allDisks) return 'all';
  if (disk === undefined) throw new UsageError('which disk? give its target (vda), or --all-disks');
  return disk;
}

export async function planAndRunMergeCli(host: Host, io: CliIo, flags: FlowFlags, request: MergeRequest, options: BlockCliOptions = {}): Promise<void> {
  let params: MergeParams;
  try {
    params = await planMerge(host, request);
  } catch (error) {
    if (error instanceof BlockPlanError && error.usage) throw new UsageError(error.message);
    throw error;
  }
  if (params.way === 'online' && params.plans.length === 1) {
    const plan = params.plans[0]!;
    await planAndRunBlockCli(host, io, flags, async () => plan, options);
    return;
  }
  const monitor = new JobMonitor(host);
  try {
    await runMergeCli(host, io, monitor, params, flags, options);
  } finally {
    monitor.close();
  }
}

function mergePlanJson(params: MergeParams): Record<string, unknown> {
  const disks =
    params.way === 'offline'
      ? params.disks.map((d) => ({ disk: d.disk, mode: d.mode, change: d.change, copy: d.copy, freeBytes: d.freeBytes }))
      : params.plans.map((p) => ({ disk: p.disk, mode: p.mode, change: p.change, copy: p.copy, freeBytes: p.freeBytes }));
  return { operation: params.operation, way: params.way, why: params.why, disks, staleSnapshots: params.cleanup.staleSnapshots, forgetMetadata: params.cleanup.forgetMetadata, deleteFiles: params.cleanup.deleteFiles };
}

export function formatMergeResult(result: MergeRunResult): string {
  const { params } = result;
  const how: Record<MergeRunResult['outcome'], string> = {
    completed: 'done',
    ready: 'ready: the jobs stay synchronized; finish each with `virtsnap job DOMAIN DISK --pivot` (or --abort)',
    detached: `left running: \`virtsnap resume ${result.flow.flowId}\` finishes the flow`,
    aborted: 'aborted',
    failed: 'failed',
  };
  const lines = [`${params.operation} ${params.domain} (${params.way}): ${how[result.outcome]}`];
  for (const [disk, chain] of Object.entries(result.chains)) lines.push(`  ${disk}: ${chain.join(' <- ')}`);
  if (result.forgottenSnapshots.length) lines.push(`  forgot snapshot metadata: ${result.forgottenSnapshots.join(', ')}`);
  if (result.redefinedSnapshots.length) lines.push(`  redefined: ${result.redefinedSnapshots.join(', ')}`);
  if (result.deletedFiles.length) lines.push(`  deleted: ${result.deletedFiles.join(', ')}`);
  if (result.keptFiles.length) lines.push(`  kept: ${result.keptFiles.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

async function runMergeCli(host: Host, io: CliIo, monitor: JobMonitor, params: MergeParams, flags: FlowFlags, options: BlockCliOptions): Promise<void> {
  const flow = mergeFlowPlan(host, params, { monitor });
  await presentPlanFromCli(flow as FlowPlan, { io, host, flags, planExtra: mergePlanJson(params) });
  const out = (value: unknown) => io.stdout(`${JSON.stringify(value)}\n`);
  const progressOnTty = io.isTty && !flags.json && Boolean(process.stderr.isTTY);
  let barShown = false;
  let prompting = false;
  const deciles = new Map<string, number>();
  const endBar = () => {
    if (barShown) io.stderr('\n');
    barShown = false;
  };
  const onEvent = (event: BlockJobEvent) => {
    if (flags.json) return out({ type: 'progress', event });
    if (prompting) return;
    if (progressOnTty) {
      io.stderr(`\r\x1b[K${formatProgress(event)}`);
      barShown = true;
      if (event.phase !== 'running') endBar();
    } else {
      const decile = Math.floor(event.percent / 10);
      if (event.phase !== 'running' || decile > (deciles.get(event.disk) ?? -1)) {
        deciles.set(event.disk, decile);
        io.stderr(`${formatProgress(event)}\n`);
      }
    }
  };
  const printStep = stepEventPrinter({ ...io, stderr: (text) => (endBar(), io.stderr(text)) }, flags, flow as FlowPlan);
  const run = startMerge(flow, { journal: options.journal ?? new Journal(), onEvent, onEntry: printStep });

  const stopListening = onJobInterrupt({
    isTty: io.isTty,
    // qemu-img has no job to leave running: Ctrl-C stops it, and resume finishes it later.
    canLeaveRunning: params.way !== 'offline',
    abort: () => run.abort(),
    detach: () => run.detach(),
    onPrompt: (asking) => {
      prompting = asking;
      if (asking) endBar();
    },
  });
  let result: MergeRunResult;
  try {
    result = await run.result;
  } finally {
    stopListening();
    endBar();
  }
  const extra = { ok: result.ok, outcome: result.outcome, way: params.way, chains: result.chains, forgottenSnapshots: result.forgottenSnapshots, redefinedSnapshots: result.redefinedSnapshots, deletedFiles: result.deletedFiles, keptFiles: result.keptFiles };
  reportOutcome(io, flags, result.flow, () => formatMergeResult(result), extra);
  if (!result.ok) {
    if (!flags.json) io.stdout(formatMergeResult(result));
    exitWith(1);
  }
}
