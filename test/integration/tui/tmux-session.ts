// A private tmux server for end-to-end tests of the built CLI: one socket per test file, keys
// sent with send-keys, the screen read with capture-pane, and every distinct screen kept so a
// test can check that each frame fitted, not only the last one.

import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

/** What ships: the bundle `npm run build` makes. */
export const BIN = fileURLToPath(new URL('../../../dist/virtsnap/bin.js', import.meta.url));

export interface TmuxSession {
  tmux(...args: string[]): ReturnType<typeof execa>;
  /** The pane of the session named `tui`, as text. */
  screen(): Promise<string>;
  keys(...keys: string[]): ReturnType<typeof execa>;
  /** Polls the screen until `check` holds; throws with the last screen after `timeoutMs`. */
  waitFor(check: (screen: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  /** Every distinct screen seen by waitFor, in order. */
  readonly screens: string[];
}

export function tmuxSession(name: string, pollMs = 100): TmuxSession {
  const socket = `virtsnap-e2e-${name}-${process.pid}`;
  const tmux = (...args: string[]) => execa('tmux', ['-L', socket, ...args], { reject: false });
  const screen = async () => String((await tmux('capture-pane', '-p', '-t', 'tui')).stdout);
  const screens: string[] = [];
  return {
    tmux,
    screen,
    keys: (...k: string[]) => tmux('send-keys', '-t', 'tui', ...k),
    screens,
    async waitFor(check, what, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < deadline) {
        last = await screen();
        if (screens.at(-1) !== last) screens.push(last);
        if (check(last)) return last;
        await new Promise((r) => setTimeout(r, pollMs));
      }
      throw new Error(`timed out waiting for ${what}; screen was:\n${last}`);
    },
  };
}
