import { allFlags, subcommand, type RegisterCommand } from './context.js';

export const registerList: RegisterCommand = (program, { io, connect }) => {
  subcommand(program, 'list')
    .description('list domains with their state, snapshot count and current snapshot')
    .option('--json', 'print JSON')
    .action(async (_options: unknown, command) => {
      const flags = allFlags<{ json?: boolean }>(command);
      const { formatDomainTable, listDomainRows } = await import('./list.js');
      const rows = await listDomainRows(connect(flags));
      io.stdout(flags.json ? `${JSON.stringify(rows, null, 2)}\n` : formatDomainTable(rows));
    });
};
