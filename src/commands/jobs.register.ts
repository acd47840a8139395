// `virtsnap jobs [DOMAIN]`: block jobs running on the host, whoever started them; --follow
// stays attached and reports their progress until they end (or wait ready).

import type { BlockJobEvent } from '../engine/jobs/block-job-types.js';
import { allFlags, subcommand, type RegisterCommand } from './context.js';

interface JobsFlags {
  json?: boolean;
  follow?: boolean;
}

export const registerJobs: RegisterCommand = (program, { io, connect }) => {
  subcommand(program, 'jobs')
    .description('list running block jobs (also those started with plain virsh or before a restart)')
    .argument('[domain]', 'only this domain')
    .option('--follow', 'follow the jobs until each ends or is ready')
    .option('--json', 'JSON: an array of jobs; with --follow, one object per progress event per line')
    .action(async (domain: string | undefined, _options: unknown, command) => {
      const flags = allFlags<JobsFlags>(command);
      const host = connect(flags);
      const [{ JobMonitor }, { VirshCommandError }, { formatJobTable, formatProgress }] = await Promise.all([
        import('../engine/jobs/job-monitor.js'),
        import('../engine/virsh/errors.js'),
        import('./job-render.js'),
      ]);
      const monitor = new JobMonitor(host);
      try {
        await listOrFollow();
      } catch (error) {
        // The test driver (the demo host) has no block-job API: it has no jobs, and says why.
        if (!(error instanceof VirshCommandError && error.code === 'unsupported')) throw error;
        io.stdout(flags.json ? '[]\n' : 'no block jobs\n');
        io.stderr(`note: this driver cannot run block jobs (libvirt: ${error.libvirtMessage})\n`);
      } finally {
        monitor.close();
      }

      async function listOrFollow(): Promise<void> {
        if (!flags.follow) {
          const jobs = await monitor.control.findRunning(domain);
          io.stdout(flags.json ? `${JSON.stringify(jobs, null, 2)}\n` : formatJobTable(jobs));
          return;
        }
        const onTty = io.isTty && !flags.json && Boolean(process.stderr.isTTY);
        monitor.subscribe((event: BlockJobEvent) => {
          if (flags.json) io.stdout(`${JSON.stringify({ kind: 'progress', ...event })}\n`);
          else if (onTty) io.stderr(`\r\x1b[K${formatProgress(event)}${event.phase === 'running' ? '' : '\n'}`);
          else io.stdout(`${formatProgress(event)}${event.message && event.phase !== 'running' ? `  (${event.message})` : ''}\n`);
        });
        const attached = await monitor.attachRunning(domain);
        if (attached.length === 0 && !flags.json) io.stdout('no block jobs\n');
        await Promise.all(attached.map((job) => job.ready()));
      }
    });
};
