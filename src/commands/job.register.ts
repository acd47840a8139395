// `virtsnap job DOMAIN DISK --abort|--pivot|--bandwidth N`: act on a running block job,
// whoever started it. Each action is a small flow, planned from the job as the host reports it,
// shown, confirmed (--yes without a terminal) and journaled like every mutating command.

import type { FlowPlan } from '../engine/flows/flow-plan.js';
import type { JobActionContext } from '../engine/flows/block-job-actions.js';
import { allFlags, subcommand, type RegisterCommand } from './context.js';
import { UsageError } from './errors.js';
import { addFlowOptions, type FlowFlags } from './flow-options.js';
import { parseBandwidth } from './job-options.js';

interface JobFlags extends FlowFlags {
  abort?: boolean;
  pivot?: boolean;
  bandwidth?: string;
}

export const registerJob: RegisterCommand = (program, { io, connect }) => {
  addFlowOptions(
    subcommand(program, 'job')
      .description('abort or pivot a running block job, or change its bandwidth')
      .argument('<domain>', 'domain name')
      .argument('<disk>', 'disk target (vda)')
      .option('--abort', 'cancel the job (a ready active commit ends with the overlay kept)')
      .option('--pivot', 'switch the disk to the job target; only once the job is ready')
      .option('--bandwidth <MiB/s>', 'new speed limit in MiB/s (0 = unlimited)'),
  ).action(async (domain: string, disk: string, _options: unknown, command) => {
    const flags = allFlags<JobFlags>(command);
    const actions = [flags.abort, flags.pivot, flags.bandwidth !== undefined].filter(Boolean).length;
    if (actions !== 1) throw new UsageError('give exactly one of --abort, --pivot, --bandwidth');
    const bandwidth = parseBandwidth(flags.bandwidth, true);
    const host = connect(flags);
    const [{ planAbortJob, planJobBandwidth, planPivotJob }, { JobMonitor }, { runPlanFromCli }, { formatProgress }] = await Promise.all([
      import('../engine/flows/block-job-actions.js'),
      import('../engine/jobs/job-monitor.js'),
      import('./flow-cli.js'),
      import('./job-render.js'),
    ]);
    const monitor = new JobMonitor(host);
    try {
      const request = { domain, disk };
      const plan =
        bandwidth !== undefined
          ? await planJobBandwidth(host, { ...request, bandwidthMiB: bandwidth }, { monitor })
          : flags.pivot
            ? await planPivotJob(host, request, { monitor })
            : await planAbortJob(host, request, { monitor });
      const ctx = plan.context;
      await runPlanFromCli(plan as FlowPlan, {
        io,
        host,
        flags,
        resultExtra: () => result(ctx),
        describeDone: () => {
          if (bandwidth !== undefined) return `bandwidth of ${domain} ${disk}: ${ctx.bandwidthAfter ? `${ctx.bandwidthAfter} MiB/s` : 'unlimited'}\n`;
          const final = ctx.final;
          return `${final ? `${formatProgress(final)}${final.message ? `  (${final.message})` : ''}\n` : ''}  chain: ${(ctx.chainAfter ?? []).join(' <- ')}\n`;
        },
      });
    } finally {
      monitor.close();
    }
  });
};

/** The job's end as the JSON result line carries it. */
function result(ctx: JobActionContext): Record<string, unknown> {
  return { phase: ctx.final?.phase ?? null, message: ctx.final?.message ?? null, final: ctx.final, chain: ctx.chainAfter, bandwidth: ctx.bandwidthAfter };
}
