// `virtsnap current DOMAIN`: the current snapshot's name (nothing on stdout, and exit 0, when
// there is none; a note says so on stderr). `virtsnap current DOMAIN SNAPSHOT`: make SNAPSHOT
// the current one, as a flow (plan, --dry-run, --yes, --json, undo).

import { allFlags, subcommand, type RegisterCommand } from './context.js';
import { addFlowOptions, type FlowFlags } from './flow-options.js';

export const registerCurrent: RegisterCommand = (program, { io, connect }) => {
  addFlowOptions(
    subcommand(program, 'current')
      .description('print the current snapshot of a domain, or make SNAPSHOT the current one')
      .argument('<domain>', 'domain name')
      .argument('[snapshot]', 'the snapshot to make current'),
  ).action(async (domain: string, snapshot: string | undefined, _options: unknown, command) => {
    const flags = allFlags<FlowFlags>(command);
    const host = connect(flags);
    if (snapshot !== undefined) {
      const { makeCurrent } = await import('./edit.js');
      await makeCurrent(host, domain, snapshot, flags, io);
      return;
    }
    const current = await host.currentSnapshotName(domain);
    if (flags.json) io.stdout(`${JSON.stringify({ domain, current })}\n`);
    else if (current !== null) io.stdout(`${current}\n`);
    else io.stderr(`virtsnap: ${domain} has no current snapshot\n`);
  });
};
