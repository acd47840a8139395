// `virtsnap commit DOMAIN DISK`: merge layers of a disk's backing chain down into a base.

import { planBlockCommit } from '../engine/flows/block-plan.js';
import { allFlags, subcommand, type RegisterCommand } from './context.js';
import { planAndRunBlockCli } from './job-flow-cli.js';
import { addBlockPlanOptions, blockPlanSettings, type BlockPlanFlags } from './job-options.js';

interface CommitFlags extends BlockPlanFlags {
  top?: string;
  base?: string;
  active?: boolean;
  pivot?: boolean;
  keepOverlay?: boolean;
}

export const registerCommit: RegisterCommand = (program, { io, connect }) => {
  addBlockPlanOptions(
    subcommand(program, 'commit')
      .description("merge layers of a disk's backing chain into a lower one (block commit), with live progress")
      .argument('<domain>', 'domain name')
      .argument('<disk>', 'disk target (vda)')
      .option('--top <layer>', 'top layer to merge (path, file name or vda[N]); default: the active layer')
      .option('--base <layer>', 'layer that receives the data; default: the bottom of the chain')
      .option('--active', 'commit the active layer (implied when --top is omitted)')
      .option('--pivot', 'active commit: switch the disk to the base once the job is ready')
      .option('--keep-overlay', 'active commit: once ready, end the job and keep running on the overlay'),
  )
    .addHelpText('after', '\nWithout --pivot or --keep-overlay an active commit stays synchronized (ready) until `virtsnap job DOMAIN DISK --pivot|--abort`.')
    .action(async (domain: string, disk: string, _options: unknown, command) => {
      const flags = allFlags<CommitFlags>(command);
      const host = connect(flags);
      await planAndRunBlockCli(host, io, flags, () =>
        planBlockCommit(host, {
          domain,
          disk,
          top: flags.top,
          base: flags.base,
          active: flags.active,
          pivot: flags.pivot,
          keepOverlay: flags.keepOverlay,
          ...blockPlanSettings(flags),
        }),
      );
    });
};
