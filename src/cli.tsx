// virtsnap's entry point: argument parsing and subcommands. Subcommands never load React
// or Ink; only the interactive TUI does, through a dynamic import.

import { Command, CommanderError } from 'commander';
import { demoUri, openHost, resolveUri } from './engine/connect.js';
import type { Host } from './engine/host.js';
import { CommandLog, type CommandLogEntry } from './engine/virsh/command-log.js';
import { addConnectionOptions, type CliContext, type CliIo, type ConnectionFlags, type RegisterCommand } from './commands/context.js';
import { reportError, UsageError } from './commands/errors.js';
import { registerList } from './commands/list.register.js';
import { registerTree } from './commands/tree.register.js';
import { registerBlockJobs } from './commands/job-subcommands.js';
import { registerEdit } from './commands/edit.register.js';
import { registerCreate } from './commands/create.register.js';

export type { CliIo };

/** Every subcommand, in the order `--help` lists them. */
const SUBCOMMANDS: RegisterCommand[] = [registerList, registerTree, registerEdit, registerCreate, registerBlockJobs];

const USAGE_WITHOUT_TTY = `virtsnap: the interactive UI needs a terminal.
Without one, use a subcommand:
  virtsnap list [--json]            domains with state and snapshot counts
  virtsnap tree DOMAIN [--json]     a domain's snapshot tree
  virtsnap edit DOMAIN SNAPSHOT --description TEXT | --current | --rename NEW
                                    change a snapshot's metadata
  virtsnap create DOMAIN [NAME] [--dry-run] [--json]   plan and create a snapshot
Options: -c URI (libvirt URI), --demo (bundled demo host), --readonly. See virtsnap --help.
`;

function formatLogEntry(entry: CommandLogEntry): string {
  const ms = entry.durationMs === null ? '   -   ' : `${entry.durationMs.toFixed(1).padStart(7)}`;
  return `${ms} ms  ${entry.outcome.padEnd(7)} virsh ${entry.args.join(' ')}${entry.message ? `  (${entry.message})` : ''}`;
}

/** Runs the CLI and returns the exit code. The single place that decides how virtsnap ends. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const log = new CommandLog();
  let host: Host | null = null;
  let showLog = false;

  const context: CliContext = {
    io,
    connect(flags: ConnectionFlags): Host {
      if (host) return host;
      if (flags.demo && flags.connect) throw new UsageError('--demo and --connect cannot be used together');
      showLog = Boolean(flags.commandLog);
      const uri = flags.demo ? demoUri() : resolveUri(flags.connect, io.env);
      host = openHost({ uri, readonly: flags.readonly, mode: flags.virshMode, log });
      return host;
    },
  };

  const program = addConnectionOptions(new Command('virtsnap'))
    .description('Snapshots of libvirt/QEMU domains: an interactive terminal UI and a scriptable CLI.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .action(async (flags: ConnectionFlags) => {
      if (!io.isTty) {
        io.stderr(USAGE_WITHOUT_TTY);
        throw new CommanderError(2, 'virtsnap.usage', '');
      }
      const connected = context.connect(flags);
      const { runTui } = await import('../components/run-tui.js');
      await runTui(connected);
    });
  for (const register of SUBCOMMANDS) register(program, context);

  let exitCode = 0;
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      exitCode = error.exitCode === 1 ? 2 : error.exitCode;
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') exitCode = 0;
    } else {
      const report = reportError(error);
      io.stderr(`virtsnap: ${report.message}\n${report.hint ? `  hint: ${report.hint}\n` : ''}`);
      exitCode = report.exitCode;
    }
  } finally {
    if (showLog) for (const entry of log.list()) io.stderr(`${formatLogEntry(entry)}\n`);
    await (host as Host | null)?.close();
  }
  return exitCode;
}
