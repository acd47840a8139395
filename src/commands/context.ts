// What every subcommand gets: the process streams, a way to open the host from the common
// connection flags, and the option set that every command accepts.

import { Command, Option } from 'commander';
import type { Host } from '../engine/host.js';
import type { VirshMode } from '../engine/connect.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTty: boolean;
  env: NodeJS.ProcessEnv;
}

export interface ConnectionFlags {
  connect?: string;
  /** A host named in the hosts file (instead of -c URI). */
  host?: string;
  demo?: boolean;
  readonly?: boolean;
  virshMode?: VirshMode;
  commandLog?: boolean;
}

export interface CliContext {
  io: CliIo;
  /** Opens (once) the host the flags name; closed by main() when the command ends. */
  connect(flags: ConnectionFlags): Host;
}

/** A subcommand: adds itself to the program. */
export type RegisterCommand = (program: Command, context: CliContext) => void;

export function addConnectionOptions(command: Command): Command {
  return command
    .option('-c, --connect <uri>', 'libvirt URI (default: $LIBVIRT_DEFAULT_URI, then qemu:///system)')
    .option('--host <name>', 'a host named in the hosts file (virtsnap hosts), instead of -c URI')
    .option('--demo', 'use the bundled demo host (libvirt test driver, nothing real is touched)')
    .option('-r, --readonly', 'read-only connection: nothing that changes the host can run')
    .addOption(new Option('--virsh-mode <mode>', 'one persistent virsh, or one virsh per command').choices(['session', 'one-shot']))
    .option('--command-log', 'print every virsh command run, with its duration and outcome, to stderr at exit');
}

/** A subcommand with the common connection options. */
export function subcommand(program: Command, name: string): Command {
  return addConnectionOptions(program.command(name));
}

/** Options given anywhere on the command line, the subcommand's own included. */
export function allFlags<T>(command: Command): T & ConnectionFlags {
  return command.optsWithGlobals<T & ConnectionFlags>();
}
