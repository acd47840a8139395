// The built CLI (what ships: dist/virtsnap/bin.js) as a process, the way the tests of flows that
// are killed, resumed and rolled back run it: no terminal, its own journal.

import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../dist/virtsnap/bin.js', import.meta.url));

/** `virtsnap ARGS` with XDG_STATE_HOME=state (its journal), no colour and no stdin; never throws on exit codes. */
export function runCli(state: string, args: readonly string[], env: Record<string, string> = {}, timeoutMs = 120_000) {
  return execa('node', [BIN, ...args], { reject: false, stdin: 'ignore', env: { XDG_STATE_HOME: state, NO_COLOR: '1', ...env }, timeout: timeoutMs });
}
