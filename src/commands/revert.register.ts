import { allFlags, subcommand, type RegisterCommand } from './context.js';
import { addFlowOptions } from './flow-options.js';
import type { RevertFlags } from './revert.js';

export const registerRevert: RegisterCommand = (program, { io, connect }) => {
  addFlowOptions(
    subcommand(program, 'revert')
      .description('revert a domain to a snapshot (internal or external), keeping the present state in a safety snapshot first')
      .argument('<domain>', 'domain name')
      .argument('<snapshot>', 'snapshot name')
      .option('--running', 'the domain runs afterwards, whatever state the snapshot holds')
      .option('--paused', 'the domain is paused afterwards')
      .option('--force', "snapshot-revert --force: revert even where libvirt asks for it (a snapshot without a domain definition, …)")
      .option('--no-safety-snapshot', 'do not keep the present state as a pre-revert-<time> snapshot first (it is lost for good)'),
  )
    .addHelpText(
      'after',
      '\nWithout --running/--paused the domain ends in the snapshot\'s own state (shut off for a disk-only snapshot).\n' +
        'Before the revert, the present state is kept as a snapshot named pre-revert-<UTC time>; reverting to it\n' +
        'undoes the revert. External snapshots: libvirt before 9.9 cannot revert to them, so virtsnap does it itself\n' +
        "(new overlays on the snapshot's images, its definition, a restore from its memory file); see docs/revert.md.",
    )
    .action(async (domain: string, snapshot: string, _options: unknown, command) => {
      const flags = allFlags<RevertFlags>(command);
      const { revertCommand } = await import('./revert.js');
      await revertCommand(connect(flags), domain, snapshot, flags, io);
    });
};
