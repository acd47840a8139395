// virtsnap's entry point: argument parsing and subcommands. Subcommands never load React
// or Ink; only the interactive TUI does, through a dynamic import.

import { Command, CommanderError, Option } from 'commander';
import { demoUri, openHost, resolveUri, type VirshMode } from './engine/connect.js';
import type { Host } from './engine/host.js';
import { CommandLog, type CommandLogEntry } from './engine/virsh/command-log.js';
import { reportError, UsageError } from './commands/errors.js';
import { formatDomainTable, listDomainRows } from './commands/list.js';
import { treeOutput } from './commands/tree.js';

interface ConnectionFlags {
  connect?: string;
  demo?: boolean;
  readonly?: boolean;
  virshMode?: VirshMode;
  commandLog?: boolean;
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTty: boolean;
  env: NodeJS.ProcessEnv;
}

const USAGE_WITHOUT_TTY = `virtsnap: the interactive UI needs a terminal.
Without one, use a subcommand:
  virtsnap list [--json]            domains with state and snapshot counts
  virtsnap tree DOMAIN [--json]     a domain's snapshot tree
Options: -c URI (libvirt URI), --demo (bundled demo host), --readonly. See virtsnap --help.
`;

function addConnectionOptions(command: Command): Command {
  return command
    .option('-c, --connect <uri>', 'libvirt URI (default: $LIBVIRT_DEFAULT_URI, then qemu:///system)')
    .option('--demo', 'use the bundled demo host (libvirt test driver, nothing real is touched)')
    .option('-r, --readonly', 'read-only connection: nothing that changes the host can run')
    .addOption(new Option('--virsh-mode <mode>', 'one persistent virsh, or one virsh per command').choices(['session', 'one-shot']))
    .option('--command-log', 'print every virsh command run, with its duration and outcome, to stderr at exit');
}

function formatLogEntry(entry: CommandLogEntry): string {
  const ms = entry.durationMs === null ? '   -   ' : `${entry.durationMs.toFixed(1).padStart(7)}`;
  return `${ms} ms  ${entry.outcome.padEnd(7)} virsh ${entry.args.join(' ')}${entry.message ? `  (${entry.message})` : ''}`;
}

/** Runs the CLI and returns the exit code. The single place that decides how virtsnap ends. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const log = new CommandLog();
  let host: Host | null = null;
  let showLog = false;

  const connect = (flags: ConnectionFlags): Host => {
    if (flags.demo && flags.connect) throw new UsageError('--demo and --connect cannot be used together');
    showLog = Boolean(flags.commandLog);
    const uri = flags.demo ? demoUri() : resolveUri(flags.connect, io.env);
    host = openHost({ uri, readonly: flags.readonly, mode: flags.virshMode, log });
    return host;
  };

  const program = addConnectionOptions(new Command('virtsnap'))
    .description('Snapshots of libvirt/QEMU domains: an interactive terminal UI and a scriptable CLI.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError(false)
    .action(async (flags: ConnectionFlags) => {
      if (!io.isTty) {
        io.stderr(USAGE_WITHOUT_TTY);
        throw new CommanderError(2, 'virtsnap.usage', '');
      }
      const h = connect(flags);
      const { runTui } = await import('../components/run-tui.js');
      await runTui(h);
    });

  addConnectionOptions(program.command('list'))
    .description('list domains with their state, snapshot count and current snapshot')
    .option('--json', 'print JSON')
    .action(async (_flags: ConnectionFlags & { json?: boolean }, command: Command) => {
      const flags = command.optsWithGlobals<ConnectionFlags & { json?: boolean }>();
      const rows = await listDomainRows(connect(flags));
      io.stdout(flags.json ? `${JSON.stringify(rows, null, 2)}\n` : formatDomainTable(rows));
    });

  addConnectionOptions(program.command('tree'))
    .description("print a domain's snapshot tree")
    .argument('<domain>', 'domain name')
    .option('--json', 'print JSON: nested nodes with name, parent, children, state, creationTime, current, location')
    .action(async (domain: string, _flags: unknown, command: Command) => {
      const flags = command.optsWithGlobals<ConnectionFlags & { json?: boolean }>();
      io.stdout(await treeOutput(connect(flags), domain, Boolean(flags.json)));
    });

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
