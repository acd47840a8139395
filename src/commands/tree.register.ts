import { allFlags, subcommand, type RegisterCommand } from './context.js';

export const registerTree: RegisterCommand = (program, { io, connect }) => {
  subcommand(program, 'tree')
    .description("print a domain's snapshot tree")
    .argument('<domain>', 'domain name')
    .option('--json', 'print JSON: nested nodes with name, parent, children, state, creationTime, current, location')
    .action(async (domain: string, _options: unknown, command) => {
      const flags = allFlags<{ json?: boolean }>(command);
      const { treeOutput } = await import('./tree.js');
      io.stdout(await treeOutput(connect(flags), domain, Boolean(flags.json), io.isTty));
    });
};
