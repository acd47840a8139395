// `virtsnap pull DOMAIN DISK`: copy the backing chain's data up into the active image.

import { allFlags, subcommand, type RegisterCommand } from './context.js';
import { UsageError } from './errors.js';
import { addBlockPlanOptions, blockPlanSettings, type BlockPlanFlags } from './job-options.js';

interface PullFlags extends BlockPlanFlags {
  base?: string;
  allDisks?: boolean;
}

export const registerPull: RegisterCommand = (program, { io, connect }) => {
  addBlockPlanOptions(
    subcommand(program, 'pull')
      .description("copy a disk's backing layers into its active image (block pull), with live progress")
      .argument('<domain>', 'domain name')
      .argument('[disk]', 'disk target (vda); or --all-disks')
      .option('--all-disks', 'every disk with a backing chain, one after the other, as one flow')
      .option('--base <layer>', 'stop at this layer, which stays the backing file (path, file name or vda[N]); default: pull the whole chain'),
  )
    .addHelpText('after', '\nA shut-off domain is flattened offline with qemu-img rebase, and its definition updated with virsh define.')
    .action(async (domain: string, disk: string | undefined, _options: unknown, command) => {
      const flags = allFlags<PullFlags>(command);
      const { diskArgument, planAndRunMergeCli } = await import('./merge-cli.js');
      const disks = diskArgument(disk, flags.allDisks);
      if (disks === 'all' && flags.base !== undefined) throw new UsageError('--base names a layer of one disk: leave it out with --all-disks');
      const host = connect(flags);
      await planAndRunMergeCli(host, io, flags, { operation: 'pull', domain, disks: disks === 'all' ? 'all' : [{ disk: disks, base: flags.base }], ...blockPlanSettings(flags) });
    });
};
