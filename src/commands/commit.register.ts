// `virtsnap commit DOMAIN DISK`: merge layers of a disk's backing chain down into a base.

import { allFlags, subcommand, type RegisterCommand } from './context.js';
import { UsageError } from './errors.js';
import { addBlockPlanOptions, blockPlanSettings, type BlockPlanFlags } from './job-options.js';

interface CommitFlags extends BlockPlanFlags {
  top?: string;
  base?: string;
  active?: boolean;
  pivot?: boolean;
  keepOverlay?: boolean;
  allDisks?: boolean;
}

export const registerCommit: RegisterCommand = (program, { io, connect }) => {
  addBlockPlanOptions(
    subcommand(program, 'commit')
      .description("merge layers of a disk's backing chain into a lower one (block commit), with live progress")
      .argument('<domain>', 'domain name')
      .argument('[disk]', 'disk target (vda); or --all-disks')
      .option('--all-disks', 'every disk with a backing chain, one after the other, as one flow')
      .option('--top <layer>', 'top layer to merge (path, file name or vda[N]); default: the active layer')
      .option('--base <layer>', 'layer that receives the data; default: the bottom of the chain')
      .option('--active', 'commit the active layer (implied when --top is omitted)')
      .option('--pivot', 'active commit: switch the disk to the base once the job is ready')
      .option('--keep-overlay', 'active commit: once ready, end the job and keep running on the overlay'),
  )
    .addHelpText(
      'after',
      '\nWithout --pivot or --keep-overlay an active commit of a running domain stays synchronized (ready) until `virtsnap job DOMAIN DISK --pivot|--abort`.' +
        '\nA shut-off domain is merged offline with qemu-img commit, and its definition updated with virsh define (the disk moves to the base unless --keep-overlay).',
    )
    .action(async (domain: string, disk: string | undefined, _options: unknown, command) => {
      const flags = allFlags<CommitFlags>(command);
      const { diskArgument, planAndRunMergeCli } = await import('./merge-cli.js');
      const disks = diskArgument(disk, flags.allDisks);
      if (disks === 'all' && (flags.top !== undefined || flags.base !== undefined)) {
        throw new UsageError('--top and --base name layers of one disk: leave them out with --all-disks (each disk merges its active layer into its bottom)');
      }
      if (flags.active && flags.top !== undefined) {
        throw new UsageError(`--active commits the active layer, but --top names ${flags.top}`);
      }
      const host = connect(flags);
      await planAndRunMergeCli(host, io, flags, {
        operation: 'commit',
        domain,
        disks: disks === 'all' ? 'all' : [{ disk: disks, top: flags.top, base: flags.base }],
        pivot: flags.pivot,
        keepOverlay: flags.keepOverlay,
        ...blockPlanSettings(flags),
      });
    });
};
