import { allFlags, subcommand, type RegisterCommand } from './context.js';
import type { DeleteFlags } from './delete.js';
import { addFlowOptions } from './flow-options.js';

export const registerDelete: RegisterCommand = (program, { io, connect }) => {
  addFlowOptions(
    subcommand(program, 'delete')
      .description('delete a snapshot (its children move up), with its descendants, or only its descendants; internal and external')
      .argument('<domain>', 'domain name')
      .argument('<snapshot>', 'snapshot name')
      .option('--children', 'delete its descendants too (leaves first, one step each)')
      .option('--children-only', 'delete only its descendants; the snapshot stays')
      .option('--metadata', "only forget libvirt's record; images, qcow2 tags and files stay as they are")
      .option('--delete-files', 'remove the memory files and overlays the delete leaves behind, when no chain or snapshot uses them'),
  )
    .addHelpText(
      'after',
      '\nThe plan says, for each snapshot, whether libvirt deletes it (an internal tag, or an external overlay merged down)\n' +
        'or virtsnap forgets its metadata because libvirt refuses or would damage another branch; see docs/delete.md.\n' +
        'On a terminal you confirm by typing the snapshot name; elsewhere pass --yes.',
    )
    .action(async (domain: string, snapshot: string, _options: unknown, command) => {
      const flags = allFlags<DeleteFlags>(command);
      const { deleteCommand } = await import('./delete.js');
      await deleteCommand(connect(flags), domain, snapshot, flags, io);
    });
};
