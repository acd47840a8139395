// What `virtsnap commit` and `virtsnap pull` share: show the plan, confirm, run it with a
// progress bar (or JSON lines), and handle Ctrl-C (abort the job, or leave it running).

import type { Host } from '../engine/host.js';
import type { BlockPlan, BlockRunResult } from '../engine/flows/block-flow.js';
import { BlockPlanError } from '../engine/flows/block-plan.js';
import { runBlockPlan } from '../engine/flows/block-run.js';
import type { BlockJobEvent } from '../engine/jobs/block-job-types.js';
import { JobMonitor } from '../engine/jobs/job-monitor.js';
import type { CliIo } from './context.js';
import { UsageError } from './errors.js';
import { askOnTerminal, confirmOnTerminal } from './job-prompt.js';
import { formatPlan, formatProgress, formatResult, resultJson } from './job-render.js';

export interface BlockCliOptions {
  json?: boolean;
  yes?: boolean;
  dryRun?: boolean;
}

/** A job that did not end as asked: exit status 1, after the result was printed. */
export class JobOutcomeError extends Error {
  override name = 'JobOutcomeError';
}

/**
 * Plans with makePlan and runs the plan. The planner's refusals of what was typed (an unknown
 * layer, a base above the top) are usage errors; anything else it throws stays as it is.
 */
export async function planAndRunBlockCli(host: Host, io: CliIo, options: BlockCliOptions, makePlan: () => Promise<BlockPlan>): Promise<void> {
  let plan: BlockPlan;
  try {
    plan = await makePlan();
  } catch (error) {
    if (error instanceof BlockPlanError && error.usage) throw new UsageError(error.message);
    throw error;
  }
  await runBlockPlanCli(host, io, plan, options);
}

export async function runBlockPlanCli(host: Host, io: CliIo, plan: BlockPlan, options: BlockCliOptions): Promise<void> {
  const out = (value: unknown) => io.stdout(`${JSON.stringify(value)}\n`);
  if (options.json) out({ kind: 'plan', ...plan });
  else io.stdout(formatPlan(plan));
  if (plan.refusal) throw new JobOutcomeError(plan.refusal);
  if (options.dryRun) return;
  if (host.readonly) throw new JobOutcomeError('read-only connection: the plan was not run');
  if (!options.yes) {
    if (!io.isTty) throw new UsageError('not on a terminal: add --yes to run this plan');
    if (!(await confirmOnTerminal('Run this plan?'))) throw new JobOutcomeError('cancelled: nothing was changed');
  }

  const monitor = new JobMonitor(host);
  const progressOnTty = io.isTty && !options.json && Boolean(process.stderr.isTTY);
  let barShown = false;
  let prompting = false;
  let warnedNotConverging = false;
  let lastDecile = -1;
  const endBar = () => {
    if (barShown) io.stderr('\n');
    barShown = false;
  };
  const onEvent = (event: BlockJobEvent) => {
    if (options.json) out({ kind: 'progress', ...event });
    if (event.converging === false && !warnedNotConverging && !options.json) {
      warnedNotConverging = true;
      endBar();
      io.stderr(
        `warning: ${event.message}: \`virtsnap job ${event.domain} ${event.disk} --bandwidth N\` (N MiB/s, 0 = unlimited) or --abort\n`,
      );
    }
    if (prompting || options.json) return;
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

  const run = runBlockPlan(host, monitor, plan, {
    onEvent,
    onStep: (s) => {
      if (!options.json && (s.status === 'failed' || (s.status === 'done' && s.id !== 'start'))) {
        endBar();
        io.stderr(`${s.status === 'done' ? 'done' : 'FAILED'}: ${s.title}${s.error ? `: ${s.error}` : ''}\n`);
      }
    },
  });

  let interrupted = false;
  const onSigint = () => {
    if (interrupted) return;
    interrupted = true;
    if (!io.isTty) {
      void run.abortJob().catch(() => {});
      return;
    }
    prompting = true;
    endBar();
    void askOnTerminal('Abort the job (the chain stays as it was) or leave it running? [A/l] ', 'a').then((answer) => {
      prompting = false;
      if (answer.startsWith('l')) run.detach();
      else void run.abortJob().catch(() => {});
      interrupted = false;
    });
  };
  process.on('SIGINT', onSigint);
  let result: BlockRunResult;
  try {
    result = await run.result;
  } finally {
    process.off('SIGINT', onSigint);
    monitor.close();
    endBar();
  }
  if (options.json) out(resultJson(result));
  else io.stdout(formatResult(result));
  if (!result.ok && result.outcome !== 'detached') {
    throw new JobOutcomeError(result.error ?? `the ${plan.operation} ${result.outcome}`);
  }
}
