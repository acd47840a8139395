// `virtsnap copy DOMAIN DISK DEST`: mirror a running domain's disk into a new file (block copy),
// then pivot onto it, finish it (the disk stays), or leave it synchronized.

import { Option } from 'commander';
import { allFlags, subcommand, type RegisterCommand } from './context.js';
import { UsageError } from './errors.js';
import { addFlowOptions, type FlowFlags } from './flow-options.js';
import { parseBandwidth } from './job-options.js';

interface CopyFlags extends FlowFlags {
  shallow?: boolean;
  format?: 'qcow2' | 'raw';
  bandwidth?: string;
  pivot?: boolean;
  finish?: boolean;
}

export const registerCopy: RegisterCommand = (program, { io, connect }) => {
  addFlowOptions(
    subcommand(program, 'copy')
      .description("copy a running domain's disk into a new file (block copy), with live progress; then pivot onto it or finish")
      .argument('<domain>', 'domain name')
      .argument('<disk>', 'disk target (vda)')
      .argument('<dest>', 'the new file (absolute path; must not exist)')
      .option('--shallow', 'copy only the top image; the copy keeps the backing chain')
      .addOption(new Option('--format <format>', 'format of the copy (default: qcow2, raw for a raw disk)').choices(['qcow2', 'raw']))
      .option('--bandwidth <MiB/s>', 'copy at most this many MiB per second')
      .option('--pivot', 'once the copy is ready, switch the disk to it')
      .option('--finish', 'once the copy is ready, end the job: the copy is complete and the disk stays on its image'),
  )
    .addHelpText(
      'after',
      '\nWithout --pivot or --finish the job stays synchronized (ready) until `virtsnap job DOMAIN DISK --pivot|--abort`.' +
        '\nOn libvirt 9.0 a persistent domain is copied with --transient-job (libvirt refuses otherwise); the plan says so.',
    )
    .action(async (domain: string, disk: string, dest: string, _options: unknown, command) => {
      const flags = allFlags<CopyFlags>(command);
      if (flags.pivot && flags.finish) throw new UsageError('--pivot and --finish exclude each other');
      const bandwidthMiB = parseBandwidth(flags.bandwidth);
      const host = connect(flags);
      const [{ planBlockCopy }, { planAndRunBlockCli }] = await Promise.all([import('../engine/flows/copy-plan.js'), import('./job-flow-cli.js')]);
      await planAndRunBlockCli(host, io, flags, () =>
        planBlockCopy(host, {
          domain,
          disk,
          dest,
          shallow: flags.shallow,
          format: flags.format,
          bandwidthMiB,
          end: flags.pivot ? 'pivot' : flags.finish ? 'finish' : undefined,
        }),
      );
    });
};
