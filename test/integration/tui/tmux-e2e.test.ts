// End to end in a real pseudo-terminal: the built CLI under tmux at 80×24, keys sent with
// send-keys, the screen read with capture-pane. A private tmux server per test run.

import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../dist/virtsnap/bin.js', import.meta.url));
const SOCKET = `virtsnap-e2e-${process.pid}`;
// Ink draws only a final frame when it sees CI in the environment; an operator's terminal has none.
const APP_ENV = 'env -u CI -u CONTINUOUS_INTEGRATION NO_COLOR=1';
const tmux = (...args: string[]) => execa('tmux', ['-L', SOCKET, ...args], { reject: false });

async function screen(session: string): Promise<string> {
  return (await tmux('capture-pane', '-p', '-t', session)).stdout;
}

async function waitForScreen(session: string, check: (s: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  let last = '';
  while (Date.now() < deadline) {
    last = await screen(session);
    if (check(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; screen was:\n${last}`);
}

afterAll(async () => {
  await tmux('kill-server');
});

describe('virtsnap --demo in a real terminal', () => {
  it('opens, navigates, shows help, and quits cleanly at 80×24', async () => {
    const session = 'demo';
    const started = await tmux(
      'new-session', '-d', '-s', session, '-x', '80', '-y', '24',
      `${APP_ENV} node ${BIN} --demo; code=$?; echo; echo "exit=$code"; sleep 30`,
    );
    expect(started.exitCode).toBe(0);
    let s = await waitForScreen(session, (x) => x.includes('fresh-install'), 'the demo tree');
    expect(s).toContain('web-01');
    for (const line of s.split('\n')) expect([...line].length).toBeLessThanOrEqual(80);

    await tmux('send-keys', '-t', session, 'j');
    s = await waitForScreen(session, (x) => x.includes('db-primary: 5 snapshots'), 'db-primary tree');

    await tmux('send-keys', '-t', session, '?');
    s = await waitForScreen(session, (x) => x.includes('Keys'), 'help');
    expect(s.split('\n').length).toBeLessThanOrEqual(24);
    // the help fits the screen; typing narrows it to what was asked for
    await tmux('send-keys', '-t', session, '-l', 'refresh');
    s = await waitForScreen(session, (x) => x.includes('refresh from the host') && !x.includes('move up'), 'filtered help');
    await tmux('send-keys', '-t', session, 'Escape');
    await waitForScreen(session, (x) => !x.includes('Keys ('), 'help closed');

    await tmux('send-keys', '-t', session, 'q');
    s = await waitForScreen(session, (x) => x.includes('exit='), 'exit');
    expect(s).toContain('exit=0');
    // the alternate screen: quitting leaves no frame of the UI behind
    expect(s).not.toContain('fresh-install');
    expect(s).not.toContain('web-01');
  });

  it('gives the terminal back when a signal ends it', async () => {
    const session = 'signal';
    await tmux(
      'new-session', '-d', '-s', session, '-x', '80', '-y', '24',
      `printf 'before the UI\\n'; ${APP_ENV} node ${BIN} --demo; code=$?; echo "exit=$code"; sleep 30`,
    );
    await waitForScreen(session, (x) => x.includes('fresh-install'), 'the demo tree');
    const pane = await tmux('list-panes', '-t', session, '-F', '#{pane_pid}');
    const shell = Number(pane.stdout.trim());
    const children = await execa('pgrep', ['-P', String(shell), '-f', 'bin.js --demo'], { reject: false });
    const pid = Number(children.stdout.trim().split('\n')[0]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGTERM');
    const s = await waitForScreen(session, (x) => x.includes('exit='), 'exit after SIGTERM');
    expect(s).toContain('exit=143');
    expect(s).toContain('before the UI');
    expect(s).not.toContain('fresh-install');
  });

  it('stacks panes in a narrow terminal', async () => {
    const session = 'narrow';
    await tmux('new-session', '-d', '-s', session, '-x', '60', '-y', '30', `${APP_ENV} node ${BIN} --demo; sleep 30`);
    const s = await waitForScreen(session, (x) => x.includes('fresh-install'), 'the demo tree');
    const lines = s.split('\n');
    const domainsAt = lines.findIndex((l) => l.includes('web-01 '));
    const treeAt = lines.findIndex((l) => l.includes('fresh-install'));
    expect(treeAt).toBeGreaterThan(domainsAt);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(60);
    await tmux('send-keys', '-t', session, 'q');
  });
});
