import { allFlags, subcommand, type RegisterCommand } from './context.js';
import type { EditOptions } from './edit.js';
import { addFlowOptions } from './flow-options.js';

export const registerEdit: RegisterCommand = (program, { io, connect }) => {
  addFlowOptions(
    subcommand(program, 'edit')
      .description("change a snapshot's metadata: description, current mark, name, or the whole XML in $EDITOR")
      .argument('<domain>', 'domain name')
      .argument('<snapshot>', 'snapshot name')
      .option('--rename <new>', 'rename the snapshot; children stay attached and the current mark is kept')
      .option('--description <text>', "set the description ('' removes it)")
      .option('--current', 'make it the current snapshot')
      .option('--force', 'rename even an internal snapshot (a revert to it will then fail)'),
  ).action(async (domain: string, snapshot: string, _options: unknown, command) => {
    const flags = allFlags<EditOptions>(command);
    const [{ editCommand }, { terminalPrompter }] = await Promise.all([import('./edit.js'), import('./edit-prompt.js')]);
    const prompter = io.isTty ? terminalPrompter(process.stdin, process.stderr) : null;
    await editCommand(connect(flags), domain, snapshot, flags, { io, prompter });
  });
};
