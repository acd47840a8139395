// What every way of running virsh has in common: the interface the rest of the engine
// talks to, the environment virsh runs in, and how its output becomes a result or an error.

import { parseLibvirtError } from '../parse/libvirt-error.js';
import { keepaliveArgs } from './connection-loss.js';
import type { CommandLog } from './command-log.js';
import type { VirshCommand } from './commands.js';
import { VirshCommandError } from './errors.js';

export interface RunOptions {
  /** Milliseconds before the command is given up (and a persistent virsh restarted). */
  timeoutMs?: number;
}

export interface VirshResult {
  stdout: string;
  /** Non-fatal stderr lines (libvirt log warnings such as `parsing older snapshot that lacks domain`). */
  warnings: string[];
  durationMs: number;
}

export interface VirshRunner {
  readonly uri: string;
  readonly readonly: boolean;
  readonly log: CommandLog;
  run(command: VirshCommand, options?: RunOptions): Promise<VirshResult>;
  close(options?: CloseOptions): Promise<void>;
}

export const DEFAULT_READ_TIMEOUT_MS = 30_000;
/** Reverts and deletes of long chains take tens of seconds on real hosts. */
export const DEFAULT_WRITE_TIMEOUT_MS = 300_000;

export function timeoutFor(command: VirshCommand, options?: RunOptions): number {
  return options?.timeoutMs ?? (command.mutates ? DEFAULT_WRITE_TIMEOUT_MS : DEFAULT_READ_TIMEOUT_MS);
}

/**
 * virsh translates its labels and prints times in local time; parsers expect C.UTF-8 (untranslated,
 * and unlike plain C it prints non-ASCII names in tables instead of \xff escapes)
 * and UTC. TERM=dumb keeps readline from writing terminal control sequences.
 */
export const VIRSH_ENV: Record<string, string> = { LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8', TZ: 'UTC', TERM: 'dumb' };

export function virshBaseArgs(uri: string, readonly: boolean): string[] {
  return ['-q', ...(readonly ? ['-r'] : []), ...keepaliveArgs(uri), '-c', uri];
}

export type Interpreted =
  | { ok: true; stdout: string; warnings: string[] }
  | { ok: false; error: VirshCommandError; warnings: string[] };

/** A command failed exactly when virsh printed an `error:` line; other stderr lines are warnings. */
export function interpretOutput(args: readonly string[], stdout: string, stderr: string): Interpreted {
  const parsed = parseLibvirtError(stderr);
  if (parsed.errorLines.length === 0) return { ok: true, stdout, warnings: parsed.warnings };
  return {
    ok: false,
    warnings: parsed.warnings,
    error: new VirshCommandError(args, parsed.errorLines, parsed.message ?? parsed.errorLines.join('; '), parsed.code),
  };
}

export interface CloseOptions {
  /**
   * false: end virsh's input and return at once, not waiting for it to exit, for a program
   * about to end (virsh exits on its own). Default true.
   */
  wait?: boolean;
}
