// Which virsh the command line will open, read from argv before commander (and the rest of
// the program) has loaded, so that the executable can start it first. A guess that turns out
// wrong costs nothing but a virsh process: a session takes the early one only when the URI and
// read-only mode match what commander decided.

import { demoUri } from './engine/package-root.js';

/** Subcommands that open no host, or another one than the flags name. */
const NO_EARLY_CONNECTION = new Set(['help', 'completion', 'journal', 'resume', 'hosts']);
/** Options of every command that take a value as the next word. */
const VALUE_OPTIONS = new Set(['-c', '--connect', '--virsh-mode', '--host']);

export interface EarlyConnection {
  uri: string;
  readonly: boolean;
}

/** The connection a command line will open, or null when it opens none or it cannot be told. */
export function earlyConnection(argv: readonly string[], env: NodeJS.ProcessEnv, isTty: boolean): EarlyConnection | null {
  let connect: string | undefined;
  let demo = false;
  let readonly = false;
  let subcommand: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') break;
    if (word === '-h' || word === '--help' || word === '-V' || word === '--version') return null;
    if (word === '--demo') demo = true;
    else if (word === '-r' || word === '--readonly') readonly = true;
    else if (word.startsWith('--connect=')) connect = word.slice('--connect='.length);
    else if (word === '--virsh-mode=one-shot') return null;
    // a named host's URI is in the hosts file, read once the program has loaded
    else if (word === '--host' || word.startsWith('--host=')) return null;
    else if (VALUE_OPTIONS.has(word)) {
      const value = argv[++i];
      if (word === '--virsh-mode' && value === 'one-shot') return null;
      if (word !== '--virsh-mode') connect = value;
    } else if (!word.startsWith('-') && subcommand === undefined) subcommand = word;
  }
  if (subcommand !== undefined && NO_EARLY_CONNECTION.has(subcommand)) return null;
  // Without a subcommand and without a terminal, virtsnap only prints its usage.
  if (subcommand === undefined && !isTty) return null;
  if (demo && connect) return null;
  const uri = demo ? demoUri() : connect || env.LIBVIRT_DEFAULT_URI || 'qemu:///system';
  return { uri, readonly };
}
