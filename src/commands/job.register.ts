// `virtsnap job DOMAIN DISK --abort|--pivot|--bandwidth N`: act on a running block job,
// whoever started it.

import { JobMonitor } from '../engine/jobs/job-monitor.js';
import { allFlags, subcommand, type RegisterCommand } from './context.js';
import { UsageError } from './errors.js';
import { JobOutcomeError } from './job-flow-cli.js';
import { parseBandwidth } from './job-options.js';
import { formatProgress } from './job-render.js';

interface JobFlags {
  abort?: boolean;
  pivot?: boolean;
  bandwidth?: string;
  json?: boolean;
}

export const registerJob: RegisterCommand = (program, { io, connect }) => {
  subcommand(program, 'job')
    .description('abort or pivot a running block job, or change its bandwidth')
    .argument('<domain>', 'domain name')
    .argument('<disk>', 'disk target (vda)')
    .option('--abort', 'cancel the job (a ready active commit ends with the overlay kept)')
    .option('--pivot', 'switch the disk to the job target; only once the job is ready')
    .option('--bandwidth <MiB/s>', 'new speed limit in MiB/s (0 = unlimited)')
    .option('--json', 'print the final state as JSON')
    .action(async (domain: string, disk: string, _options: unknown, command) => {
      const flags = allFlags<JobFlags>(command);
      const actions = [flags.abort, flags.pivot, flags.bandwidth !== undefined].filter(Boolean).length;
      if (actions !== 1) throw new UsageError('give exactly one of --abort, --pivot, --bandwidth');
      const bandwidth = parseBandwidth(flags.bandwidth, true);
      const host = connect(flags);
      const monitor = new JobMonitor(host);
      try {
        const job = (await monitor.attachRunning(domain)).find((j) => j.disk === disk);
        if (!job) throw new JobOutcomeError(`no block job runs on ${domain} ${disk}`);
        // The first poll tells whether the job is ready: a pivot is refused before that.
        await job.current();
        if (bandwidth !== undefined) {
          await monitor.setBandwidth(domain, disk, bandwidth);
          const info = await monitor.control.info(domain, disk);
          io.stdout(flags.json ? `${JSON.stringify({ domain, disk, bandwidth: info?.bandwidth ?? null })}\n` : `bandwidth of ${domain} ${disk}: ${info?.bandwidth ? `${info.bandwidth} MiB/s` : 'unlimited'}\n`);
          return;
        }
        if (flags.pivot) await monitor.pivot(domain, disk);
        else await monitor.abort(domain, disk);
        const final = await job.finished;
        const { disks } = await monitor.control.liveDisks(domain);
        const chain = disks.find((d) => d.target === disk)?.chain.map((l) => l.source) ?? [];
        if (flags.json) io.stdout(`${JSON.stringify({ kind: 'result', ...final, chain })}\n`);
        else io.stdout(`${formatProgress(final)}${final.message ? `  (${final.message})` : ''}\n  chain: ${chain.join(' <- ')}\n`);
      } finally {
        monitor.close();
      }
    });
};
