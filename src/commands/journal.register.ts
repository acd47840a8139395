import { Journal } from '../engine/flows/journal.js';
import { allFlags, subcommand, type RegisterCommand } from './context.js';
import { formatFlowList, listFlows } from './journal.js';

export const registerJournal: RegisterCommand = (program, { io }) => {
  subcommand(program, 'journal')
    .description('list recent flows from the journal: unfinished ones and the last 20 (--all: every flow); no host is contacted')
    .option('--all', 'every flow the journal holds')
    .option('--json', 'print JSON: {path, flows}')
    .action((_options: unknown, command) => {
      const flags = allFlags<{ all?: boolean; json?: boolean }>(command);
      const journal = new Journal();
      const flows = listFlows(journal, { all: flags.all });
      io.stdout(flags.json ? `${JSON.stringify({ path: journal.path, flows }, null, 2)}\n` : formatFlowList(journal.path, flows, Boolean(flags.all)));
    });
};
