// `virtsnap pull DOMAIN DISK`: copy the backing chain's data up into the active image.

import { planBlockPull } from '../engine/flows/block-plan.js';
import { allFlags, subcommand, type RegisterCommand } from './context.js';
import { planAndRunBlockCli } from './job-flow-cli.js';
import { addBlockPlanOptions, blockPlanSettings, type BlockPlanFlags } from './job-options.js';

interface PullFlags extends BlockPlanFlags {
  base?: string;
}

export const registerPull: RegisterCommand = (program, { io, connect }) => {
  addBlockPlanOptions(
    subcommand(program, 'pull')
      .description("copy a disk's backing layers into its active image (block pull), with live progress")
      .argument('<domain>', 'domain name')
      .argument('<disk>', 'disk target (vda)')
      .option('--base <layer>', 'stop at this layer, which stays the backing file (path, file name or vda[N]); default: pull the whole chain'),
  ).action(async (domain: string, disk: string, _options: unknown, command) => {
    const flags = allFlags<PullFlags>(command);
    const host = connect(flags);
    await planAndRunBlockCli(host, io, flags, () => planBlockPull(host, { domain, disk, base: flags.base, ...blockPlanSettings(flags) }));
  });
};
