// virtsnap's entry point: argument parsing and subcommands. Subcommands never load React
// or Ink; only the interactive TUI does, through a dynamic import.

import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { demoUri, openHost, packageRoot, resolveUri } from './engine/connect.js';
import type { Host } from './engine/host.js';
import { listDomainsWithSnapshots } from './engine/domain-listing.js';
import { CommandLog, type CommandLogEntry } from './engine/virsh/command-log.js';
import { addConnectionOptions, type CliContext, type CliIo, type ConnectionFlags, type RegisterCommand } from './commands/context.js';
import { reportError, UsageError } from './commands/errors.js';
import { registerList } from './commands/list.register.js';
import { registerTree } from './commands/tree.register.js';
import { registerBlockJobs } from './commands/job-subcommands.js';
import { registerEdit } from './commands/edit.register.js';
import { registerCreate } from './commands/create.register.js';
import { registerDelete } from './commands/delete.register.js';
import { registerRevert } from './commands/revert.register.js';
import { registerCompletion } from './commands/completion.register.js';
import { registerShow } from './commands/show.register.js';
import { registerCurrent } from './commands/current.register.js';
import { registerJournal } from './commands/journal.register.js';
import { registerResume } from './commands/resume.register.js';
import { registerBackup } from './commands/backup.register.js';
import { registerRestoreBackup } from './commands/restore-backup.register.js';
import { registerCheckpoint } from './commands/checkpoint.register.js';
import { registerManagedSave, registerRestore, registerSave } from './commands/save.register.js';
import { registerManualSnapshot } from './commands/manual-snapshot.register.js';
import { noticeUnfinishedFlows, reportsUnfinishedFlows } from './commands/journal-notice.js';
import { registerHosts } from './commands/hosts.register.js';
import { closeAllHostFiles } from './engine/host-files.js';
import { connectionUri, findHost, HostsFileError, hostsFilePath, readHostsFile, type HostEntry } from './engine/hosts-file.js';

/** The host --host names; a name the hosts file lacks (or a malformed file) is a usage error. */
function namedHost(name: string, env: NodeJS.ProcessEnv): HostEntry {
  try {
    return findHost(hostsFilePath(env), name, env);
  } catch (error) {
    if (error instanceof HostsFileError) throw new UsageError(error.message);
    throw error;
  }
}

/** The hosts file's hosts for the TUI; a malformed file is a usage error. */
function hostsOfFile(env: NodeJS.ProcessEnv): HostEntry[] {
  try {
    return readHostsFile(hostsFilePath(env), env);
  } catch (error) {
    if (error instanceof HostsFileError) throw new UsageError(error.message);
    throw error;
  }
}

export type { CliIo };

/** Every subcommand, in the order `--help` lists them. */
const SUBCOMMANDS: RegisterCommand[] = [registerList, registerTree, registerEdit, registerCreate, registerRevert, registerDelete, registerBlockJobs, registerShow, registerCurrent, registerJournal, registerResume, registerBackup, registerRestoreBackup, registerCheckpoint, registerSave, registerRestore, registerManagedSave, registerManualSnapshot, registerHosts, registerCompletion];

/** The package's version, read from the package.json shipped beside dist/. */
function packageVersion(): string {
  // Found from here whether this runs from dist/src (built) or src (tests run the sources).
  const pkg = JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Loads the TUI. Ink draws nothing but a last frame, at exit, when CI or CONTINUOUS_INTEGRATION
 * is set (is-in-ci, read once as Ink loads); the TUI runs only on a terminal, where that would
 * leave the screen blank, so Ink loads without them (they are put back at once: virsh and the
 * editor see the environment as it was).
 */
async function loadTui(): Promise<typeof import('../components/run-tui.js')> {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    return await import('../components/run-tui.js');
  } finally {
    for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
  }
}

/** The closest subcommand names to a mistyped one (edit distance ≤ 2, or a shared prefix). */
export function similarCommands(word: string, names: readonly string[]): string[] {
  const distance = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const saved = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = saved;
      }
    }
    return row[b.length]!;
  };
  return names.filter((n) => distance(word, n) <= 2 || (word.length >= 3 && n.startsWith(word)));
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
  /** The subcommand being run (set before its action); null for the TUI. */
  let subcommandName: string | null = null;

  const context: CliContext = {
    io,
    connect(flags: ConnectionFlags): Host {
      if (host) return host;
      if (flags.demo && flags.connect) throw new UsageError('--demo and --connect cannot be used together');
      if (flags.host !== undefined && (flags.connect || flags.demo)) throw new UsageError(`--host and ${flags.demo ? '--demo' : '--connect'} cannot be used together`);
      showLog = Boolean(flags.commandLog);
      const named = flags.host === undefined ? null : namedHost(flags.host, io.env);
      const uri = named ? connectionUri(named) : flags.demo ? demoUri() : resolveUri(flags.connect, io.env);
      host = openHost({ uri, readonly: flags.readonly || named?.readonly, mode: flags.virshMode, log });
      if (subcommandName !== null && reportsUnfinishedFlows(subcommandName)) noticeUnfinishedFlows(io, uri);
      return host;
    },
  };

  const program = addConnectionOptions(new Command('virtsnap'))
    .description('Snapshots of libvirt/QEMU domains: an interactive terminal UI and a scriptable CLI.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .action(async (flags: ConnectionFlags, command: Command) => {
      const word = command.args[0];
      if (word !== undefined) {
        const names = program.commands.map((c) => c.name());
        const close = similarCommands(word, names);
        io.stderr(`virtsnap: unknown command '${word}'${close.length ? ` (did you mean ${close.map((c) => `'${c}'`).join(' or ')}?)` : ''}\n  commands: ${names.join(', ')}\n`);
        throw new CommanderError(2, 'virtsnap.unknown-command', '');
      }
      if (!io.isTty) {
        io.stderr(`virtsnap: the interactive UI needs a terminal; without one, use a subcommand.\n\n${program.helpInformation()}`);
        throw new CommanderError(2, 'virtsnap.usage', '');
      }
      // With a hosts file, every host of it is a row of the TUI (and -c or --demo one more).
      const fileHosts = hostsOfFile(io.env);
      if (fileHosts.length > 0) {
        if (flags.demo && flags.connect) throw new UsageError('--demo and --connect cannot be used together');
        if (flags.host !== undefined && (flags.connect || flags.demo)) throw new UsageError(`--host and ${flags.demo ? '--demo' : '--connect'} cannot be used together`);
        if (flags.host !== undefined) namedHost(flags.host, io.env);
        const sessionUri = flags.demo ? demoUri() : flags.connect ? resolveUri(flags.connect, io.env) : null;
        const entries: HostEntry[] = fileHosts.map((e) => ({ ...e, readonly: e.readonly || Boolean(flags.readonly) }));
        // The session's host is named `demo` for --demo, else by its URI.
        const sessionName = sessionUri && (flags.demo && !entries.some((e) => e.name === 'demo') ? 'demo' : sessionUri);
        if (sessionUri && sessionName && !entries.some((e) => e.name === sessionName)) entries.unshift({ name: sessionName, uri: sessionUri, identity: null, readonly: Boolean(flags.readonly) });
        const { runHostsTui } = await loadTui();
        await runHostsTui(entries, { log, start: flags.host ?? sessionName ?? undefined, mode: flags.virshMode });
        return;
      }
      const connected = context.connect(flags);
      // The first listing runs while Ink loads (the UI's first refresh takes it over), so the
      // first frame with domains comes after the slower of the two, not after both.
      listDomainsWithSnapshots(connected).catch(() => {});
      const { runTui } = await loadTui();
      await runTui(connected);
    });
  for (const register of SUBCOMMANDS) register(program, context);
  program.hook('preAction', (_program, action) => {
    if (action !== program) subcommandName = action.name();
  });
  // Extra words reach the root action, which names an unknown command instead of "too many
  // arguments". Set after the subcommands exist: they copy settings when created, and must
  // keep refusing excess arguments.
  program.allowExcessArguments(true);

  let exitCode = 0;
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander's own usage errors exit 1: a usage error is 2 here. exitWith() (flow-cli.ts) means its code.
      exitCode = error.exitCode === 1 && error.code !== 'virtsnap.exit' ? 2 : error.exitCode;
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') exitCode = 0;
    } else {
      const report = reportError(error);
      io.stderr(`virtsnap: ${report.message}\n${report.hint ? `  hint: ${report.hint}\n` : ''}`);
      exitCode = report.exitCode;
    }
  } finally {
    if (showLog) for (const entry of log.list()) io.stderr(`${formatLogEntry(entry)}\n`);
    // Every answer is in: the program ends without waiting for virsh to exit.
    await (host as Host | null)?.close({ wait: false });
    await closeAllHostFiles();
  }
  return exitCode;
}
