import { allFlags, subcommand, type RegisterCommand } from './context.js';

export const registerJournal: RegisterCommand = (program, { io }) => {
  subcommand(program, 'journal')
    .description('list recent flows from the journal: unfinished ones and the last 20 (--all: every flow); no host is contacted')
    .option('--all', 'every flow the journal holds')
    .option('--json', 'print JSON: {path, flows}')
    .action(async (_options: unknown, command) => {
      const flags = allFlags<{ all?: boolean; json?: boolean }>(command);
      const [{ Journal }, { formatFlowList, listFlows }] = await Promise.all([import('../engine/flows/journal.js'), import('./journal.js')]);
      const journal = new Journal();
      const flows = listFlows(journal, { all: flags.all });
      io.stdout(flags.json ? `${JSON.stringify({ path: journal.path, flows }, null, 2)}\n` : formatFlowList(journal.path, flows, Boolean(flags.all)));
    });
};
