// The TUI on the demo host at 80×24 for dialog tests: the app rendered at that size (waiting for
// the resized frame), every distinct frame kept so each can be checked to fit, keys pressed with
// an optional wait, and the hosts closed after each test.

import { afterEach } from 'vitest';
import { demoUri, openHost } from '../../../src/engine/connect.js';
import type { Journal } from '../../../src/engine/flows/journal.js';
import type { Host } from '../../../src/engine/host.js';
import { renderApp } from './render-app.js';

export const KEY = {
  up: '\u001b[A',
  down: '\u001b[B',
  right: '\u001b[C',
  left: '\u001b[D',
  shiftTab: '\u001b[Z',
  pageUp: '\u001b[5~',
  pageDown: '\u001b[6~',
  escape: '\u001b',
  tab: '\t',
  backspace: '\u007f',
  ctrlU: '\u0015',
};

const hosts: Host[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

/** A connection to the demo host of its own, closed after the test. */
export function openDemoHost(): Host {
  const host = openHost({ uri: demoUri() });
  hosts.push(host);
  return host;
}

let lastFrameSeen = '';

/** Waits until `check` holds; on a timeout the error shows the last frame seen. */
export async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last frame:\n${lastFrameSeen}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export { expectFits } from './wait.js';

/** The demo host's TUI at 80×24, from its first frame at that width. */
export async function renderDemoApp(options: { journal?: Journal } = {}) {
  const host = openDemoHost();
  const { app, store, journal } = renderApp(host, { journal: options.journal, columns: 80, rows: 24 });
  const frames: string[] = [];
  const frame = () => {
    const shown = app.lastFrame() ?? '';
    if (frames.at(-1) !== shown) frames.push(shown);
    lastFrameSeen = shown;
    return shown;
  };
  const press = async (keys: string, check?: (f: string) => boolean, what = keys) => {
    app.stdin.write(keys);
    if (check) await until(() => check(frame()), what);
  };
  // the first frame is drawn before the terminal is made 80 columns wide: start from the resized one
  await until(() => (app.lastFrame() ?? '') !== '' && (app.lastFrame() ?? '').split('\n').every((l) => [...l].length <= 80), 'a frame at 80 columns');
  frames.length = 0;
  return { app, store, host, journal, frame, frames, press };
}
