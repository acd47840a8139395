import { allFlags, subcommand, type RegisterCommand } from './context.js';
import type { BackupFlags } from './backup.js';
import { addFlowOptions } from './flow-options.js';

export const registerBackup: RegisterCommand = (program, { io, connect }) => {
  addFlowOptions(
    subcommand(program, 'backup')
      .description("back up a running domain's disks to a directory: through a temporary snapshot, or libvirt's backup job (full or incremental)")
      .argument('<domain>', 'domain name')
      .requiredOption('--to <dir>', 'backup directory (created when missing; keeps virtsnap-backup.json)')
      .option('--disks <list>', 'only these disks, comma-separated (default: every writable disk)')
      .option('--quiesce', 'freeze the file systems through the guest agent, and refuse when it does not answer')
      .option('--no-quiesce', 'do not freeze the file systems (crash-consistent)')
      .option('--format <fmt>', 'qcow2 or raw (temporary-snapshot method)', 'qcow2')
      .option('--method <m>', 'snapshot (temporary snapshot + qemu-img convert) or push (libvirt backup job + checkpoint)', 'snapshot')
      .option('--incremental', 'only what changed since a checkpoint (libvirt backup job)')
      .option('--since <checkpoint>', 'the checkpoint an incremental counts from (default: the newest in the directory)')
      .option('--bandwidth <MiB/s>', 'temporary-snapshot method: merge the writes made meanwhile back at most this fast (default: no limit)'),
  )
    .addHelpText(
      'after',
      '\nWithout --quiesce/--no-quiesce the file systems are frozen when the guest agent answers, and the backup goes on\n' +
        'crash-consistent (with a warning) when it does not. The domain ends on its own files. An interrupted backup:\n' +
        '`virtsnap resume ID` finishes it, `--rollback` undoes it. See docs/backup.md.',
    )
    .action(async (domain: string, _options: unknown, command) => {
      const flags = allFlags<BackupFlags>(command);
      const { backupCommand } = await import('./backup.js');
      await backupCommand(connect(flags), domain, flags, io);
    });
};
