// `virtsnap commit DOMAIN DISK`: merge layers of a disk's backing chain down into a base.

import { BlockPlanError, planBlockCommit } from '../engine/flows/block-plan.js';
import { allFlags, subcommand, type RegisterCommand } from './context.js';
import { UsageError } from './errors.js';
import { runBlockPlanCli } from './job-flow-cli.js';
import { parseBandwidth } from './job-options.js';

interface CommitFlags {
  top?: string;
  base?: string;
  active?: boolean;
  pivot?: boolean;
  keepOverlay?: boolean;
  bandwidth?: string;
  keepMetadata?: boolean;
  deleteUnusedFiles?: boolean;
  json?: boolean;
  yes?: boolean;
  dryRun?: boolean;
}

export const registerCommit: RegisterCommand = (program, { io, connect }) => {
  subcommand(program, 'commit')
    .description("merge layers of a disk's backing chain into a lower one (block commit), with live progress")
    .argument('<domain>', 'domain name')
    .argument('<disk>', 'disk target (vda)')
    .option('--top <layer>', 'top layer to merge (path, file name or vda[N]); default: the active layer')
    .option('--base <layer>', 'layer that receives the data; default: the bottom of the chain')
    .option('--active', 'commit the active layer (implied when --top is omitted)')
    .option('--pivot', 'active commit: switch the disk to the base once the job is ready')
    .option('--keep-overlay', 'active commit: once ready, end the job and keep running on the overlay')
    .option('--bandwidth <MiB/s>', 'copy at most this many MiB per second')
    .option('--keep-metadata', "keep the metadata of snapshots whose files leave the chain (default: forget it)")
    .option('--delete-unused-files', 'afterwards delete the files that left the chain, if no chain or snapshot uses them')
    .option('--dry-run', 'show the plan and stop')
    .option('-y, --yes', 'run the plan without asking')
    .option('--json', 'JSON lines on stdout: the plan, one object per progress event, then the result')
    .addHelpText('after', '\nWithout --pivot or --keep-overlay an active commit stays synchronized (ready) until `virtsnap job DOMAIN DISK --pivot|--abort`.')
    .action(async (domain: string, disk: string, _options: unknown, command) => {
      const flags = allFlags<CommitFlags>(command);
      const host = connect(flags);
      let plan;
      try {
        plan = await planBlockCommit(host, {
          domain,
          disk,
          top: flags.top,
          base: flags.base,
          active: flags.active,
          pivot: flags.pivot,
          keepOverlay: flags.keepOverlay,
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
