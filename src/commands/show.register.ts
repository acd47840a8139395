import { allFlags, subcommand, type RegisterCommand } from './context.js';
import { UsageError } from './errors.js';

export const registerShow: RegisterCommand = (program, { io, connect }) => {
  subcommand(program, 'show')
    .description("a snapshot's details: parent, state, time, current, location, description, memory, disks, children")
    .argument('<domain>', 'domain name')
    .argument('<snapshot>', 'snapshot name')
    .option('--xml', "print libvirt's XML of the snapshot exactly as libvirt gives it")
    .option('--json', 'print the details as JSON')
    .action(async (domain: string, snapshot: string, _options: unknown, command) => {
      const flags = allFlags<{ xml?: boolean; json?: boolean }>(command);
      if (flags.xml && flags.json) throw new UsageError('--xml and --json cannot be used together');
      const host = connect(flags);
      const { formatSnapshotShow, showSnapshot, snapshotXmlText } = await import('./show.js');
      if (flags.xml) {
        io.stdout(await snapshotXmlText(host, domain, snapshot));
        return;
      }
      const show = await showSnapshot(host, domain, snapshot);
      io.stdout(flags.json ? `${JSON.stringify(show, null, 2)}\n` : formatSnapshotShow(show));
    });
};
