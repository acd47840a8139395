// `virtsnap pull DOMAIN DISK`: copy the backing chain's data up into the active image.

import { BlockPlanError, planBlockPull } from '../engine/flows/block-plan.js';
import { allFlags, subcommand, type RegisterCommand } from './context.js';
import { UsageError } from './errors.js';
import { runBlockPlanCli } from './job-flow-cli.js';
import { parseBandwidth } from './job-options.js';

interface PullFlags {
  base?: string;
  bandwidth?: string;
  keepMetadata?: boolean;
  deleteUnusedFiles?: boolean;
  json?: boolean;
  yes?: boolean;
  dryRun?: boolean;
}

export const registerPull: RegisterCommand = (program, { io, connect }) => {
  subcommand(program, 'pull')
    .description("copy a disk's backing layers into its active image (block pull), with live progress")
    .argument('<domain>', 'domain name')
    .argument('<disk>', 'disk target (vda)')
    .option('--base <layer>', 'stop at this layer, which stays the backing file (path, file name or vda[N]); default: pull the whole chain')
    .option('--bandwidth <MiB/s>', 'copy at most this many MiB per second')
    .option('--keep-metadata', "keep the metadata of snapshots whose files leave the chain (default: forget it)")
    .option('--delete-unused-files', 'afterwards delete the files that left the chain, if no chain or snapshot uses them')
    .option('--dry-run', 'show the plan and stop')
    .option('-y, --yes', 'run the plan without asking')
    .option('--json', 'JSON lines on stdout: the plan, one object per progress event, then the result')
    .action(async (domain: string, disk: string, _options: unknown, command) => {
      const flags = allFlags<PullFlags>(command);
      const host = connect(flags);
      let plan;
      try {
        plan = await planBlockPull(host, {
          domain,
          disk,
          base: flags.base,
          bandwidthMiB: parseBandwidth(flags.bandwidth),
          forgetMetadata: !flags.keepMetadata,
          deleteUnusedFiles: flags.deleteUnusedFiles,
        });
      } catch (error) {
        if (error instanceof BlockPlanError && error.usage) throw new UsageError(error.message);
        throw error;
      }
      await runBlockPlanCli(host, io, plan, flags);
    });
};
