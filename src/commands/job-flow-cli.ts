// What `virtsnap commit` and `virtsnap pull` share: the plan shown, refused or confirmed as for
// every mutating command (flow-cli.ts), then the flow run journaled with a progress bar (or
// JSON lines: the plan, step and progress events, the result), and Ctrl-C asking whether to
// abort the job or leave it running.

import type { Host } from '../engine/host.js';
import type { BlockPlan, BlockRunResult } from '../engine/flows/block-flow.js';
import { BlockPlanError } from '../engine/flows/block-plan.js';
import { blockFlowPlan, startBlockFlow } from '../engine/flows/block-run.js';
import type { FlowPlan } from '../engine/flows/flow-plan.js';
import { Journal } from '../engine/flows/journal.js';
import type { BlockJobEvent } from '../engine/jobs/block-job-types.js';
import { JobMonitor } from '../engine/jobs/job-monitor.js';
import type { CliIo } from './context.js';
import { UsageError } from './errors.js';
import { exitWith, presentPlanFromCli, reportOutcome, stepEventPrinter, type FlowFlags } from './flow-cli.js';
import { onJobInterrupt } from './job-prompt.js';
import { blockPlanJson, formatProgress, formatResult, resultJson } from './job-render.js';

export interface BlockCliOptions {
  /** Where the flow is journaled (tests); default $XDG_STATE_HOME/virtsnap. */
  journal?: Journal;
}

/**
 * Plans with makePlan and runs the plan. The planner's refusals of what was typed (an unknown
 * layer, a base above the top) are usage errors; anything else it throws stays as it is.
 */
export async function planAndRunBlockCli(
  host: Host,
  io: CliIo,
  flags: FlowFlags,
  makePlan: () => Promise<BlockPlan>,
  options: BlockCliOptions = {},
): Promise<void> {
  let plan: BlockPlan;
  try {
    plan = await makePlan();
  } catch (error) {
    if (error instanceof BlockPlanError && error.usage) throw new UsageError(error.message);
    throw error;
  }
  const monitor = new JobMonitor(host);
  try {
    await runBlockPlanCli(host, io, monitor, plan, flags, options);
  } finally {
    monitor.close();
  }
}

async function runBlockPlanCli(host: Host, io: CliIo, monitor: JobMonitor, params: BlockPlan, flags: FlowFlags, options: BlockCliOptions): Promise<void> {
  const flow = blockFlowPlan(host, params, { monitor });
  await presentPlanFromCli(flow as FlowPlan, { io, host, flags, planExtra: blockPlanJson(params) });

  const out = (value: unknown) => io.stdout(`${JSON.stringify(value)}\n`);
  const progressOnTty = io.isTty && !flags.json && Boolean(process.stderr.isTTY);
  let barShown = false;
  let prompting = false;
  let warnedNotConverging = false;
  let lastDecile = -1;
  const endBar = () => {
    if (barShown) io.stderr('\n');
    barShown = false;
  };
  const onEvent = (event: BlockJobEvent) => {
    if (flags.json) return out({ type: 'progress', event });
    if (event.converging === false && !warnedNotConverging) {
      warnedNotConverging = true;
      endBar();
      io.stderr(`warning: ${event.message}: \`virtsnap job ${event.domain} ${event.disk} --bandwidth N --yes\` (N MiB/s, 0 = unlimited) or --abort\n`);
    }
    if (prompting) return;
    if (progressOnTty) {
      io.stderr(`\r\x1b[K${formatProgress(event)}`);
      barShown = true;
      if (event.phase !== 'running') endBar();
    } else if (event.phase !== 'running' || Math.floor(event.percent / 10) > lastDecile) {
      // Without a terminal, a line per 10 % and per phase change keeps logs short.
      lastDecile = Math.floor(event.percent / 10);
      io.stderr(`${formatProgress(event)}\n`);
    }
  };
  const printStep = stepEventPrinter({ ...io, stderr: (text) => (endBar(), io.stderr(text)) }, flags, flow as FlowPlan);

  const run = startBlockFlow(flow, { journal: options.journal ?? new Journal(), onEvent, onEntry: printStep });

  const stopListening = onJobInterrupt({
    isTty: io.isTty,
    canLeaveRunning: true,
    abort: () => run.abortJob(),
    detach: () => run.detach(),
    onPrompt: (asking) => {
      prompting = asking;
      if (asking) endBar();
    },
  });
  let result: BlockRunResult;
  try {
    result = await run.result;
  } finally {
    stopListening();
    endBar();
  }
  if (result.outcome === 'detached') {
    // The operator's choice: the job goes on, the flow stays open in the journal.
    if (flags.json) out({ type: 'result', status: 'detached', flowId: result.flow.flowId, unfinished: true, ...resultJson(result) });
    else io.stdout(formatResult(result));
    return;
  }
  reportOutcome(io, flags, result.flow, () => formatResult(result), resultJson(result));
  if (!result.ok) {
    if (!flags.json) io.stdout(formatResult(result));
    exitWith(1);
  }
}
