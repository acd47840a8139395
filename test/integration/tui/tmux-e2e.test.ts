// End to end in a real pseudo-terminal: the built CLI under tmux at 80×24, keys sent with
// send-keys, the screen read with capture-pane. A private tmux server per test run.

import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import stringWidth from 'string-width';
import { KEYMAP } from '../../../components/keymap.js';

const BIN = fileURLToPath(new URL('../../../dist/virtsnap/bin.js', import.meta.url));
const SOCKET = `virtsnap-e2e-${process.pid}`;
// CI=true on purpose: Ink alone would draw only a last frame with it set; the TUI draws every frame on a terminal.
const APP_ENV = 'env CI=true CONTINUOUS_INTEGRATION=1 NO_COLOR=1';
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

  it('opens every dialog, form and overlay at 80×24: each fits, with its input line and buttons in view', async () => {
    const session = 'dialogs';
    await tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', `${APP_ENV} node ${BIN} --demo; sleep 60`);
    await waitForScreen(session, (x) => x.includes('fresh-install'), 'the demo tree');
    const keys = (...k: string[]) => tmux('send-keys', '-t', session, ...k);
    const text = (t: string) => tmux('send-keys', '-t', session, '-l', t);
    const seen: string[] = [];
    /** Waits for the screen, then checks that it fits 80×24 (in terminal columns) and returns its lines. */
    const open = async (check: (s: string) => boolean, what: string) => {
      const s = await waitForScreen(session, check, what);
      const lines = s.split('\n');
      expect(lines.length, what).toBeLessThanOrEqual(24);
      for (const line of lines) expect(stringWidth(line), `${what}: ${line}`).toBeLessThanOrEqual(80);
      seen.push(what);
      return lines;
    };
    const closed = (what: string) => waitForScreen(session, (x) => x.includes('fresh-install') && !x.includes('╔'), `${what} closed`);
    const zoom = KEYMAP.find((b) => b.action === 'zoom')!.keys[0]!;

    await keys('?');
    let lines = await open((x) => x.includes('Keys') && /keys 1–\d+ of/.test(x), 'help');
    await keys('PageDown');
    await open((x) => /keys 1[01]–/.test(x) || /keys \d+–\d+ of/.test(x.replace(/keys 1–/, '')), 'help scrolled');
    await keys('Escape');
    await closed('help');

    await keys('c');
    lines = await open((x) => x.includes('New snapshot of web-01') && x.includes('── plan'), 'create form');
    expect(lines[1]).toMatch(/New snapshot of web-01/);
    expect(lines.some((l) => /^║ > name +/.test(l)), 'the focused name field').toBe(true);
    await text('e2e name');
    await open((x) => x.includes('> name') && x.includes('e2e name'), 'create form, typed');
    await keys('Escape');
    await closed('create form');

    await keys('Tab', 'j');
    await waitForScreen(session, (x) => x.includes('nginx + certbot'), 'nginx configured selected');
    await keys('t');
    lines = await open((x) => x.includes('Description of “nginx configured”'), 'description prompt');
    expect(lines.some((l) => l.includes('> nginx + certbot, vhosts for www and shop'))).toBe(true);
    await keys('Escape');
    await waitForScreen(session, (x) => !x.includes('Description of'), 'prompt closed');

    await keys('R');
    lines = await open((x) => x.includes('New name for “nginx configured”'), 'rename prompt');
    expect(lines.some((l) => l.includes('> nginx configured'))).toBe(true);
    // an internal snapshot: the forced rename asks for the new name typed
    await keys('C-u');
    await text('renamed in tmux');
    await keys('Enter');
    lines = await open((x) => x.includes('Rename “nginx configured” to “renamed in tmux”') && x.includes('Type “renamed in tmux”'), 'forced rename dialog');
    await text('renamed');
    lines = await open((x) => x.split('\n').some((l) => /^║ > renamed +║$/.test(l)), 'forced rename, name typed');
    const bottom = lines.findIndex((l) => l.startsWith('╚'));
    expect(lines[bottom - 1]).toMatch(/^║ > renamed/);
    await keys('Escape');
    await closed('forced rename dialog');

    await keys('v');
    lines = await open((x) => x.includes('Revert web-01 to “nginx configured”') && x.includes('Proceed'), 'revert dialog');
    expect(lines.findIndex((l) => l.includes('Proceed'))).toBe(lines.findIndex((l) => l.startsWith('╚')) - 1);
    await keys('Escape');
    await closed('revert dialog');

    await keys('D');
    lines = await open((x) => x.includes('Delete “nginx configured”') && x.includes('Type “nginx configured”'), 'delete dialog');
    await text('ngin');
    lines = await open((x) => x.split('\n').some((l) => /^║ > ngin +║$/.test(l)), 'delete dialog, name typed');
    await keys('Escape');
    await closed('delete dialog');

    await keys('H');
    await open((x) => x.includes('Journal of flows') && x.includes('Esc close'), 'journal');
    await keys('Escape');
    await closed('journal');

    await keys('L');
    await open((x) => x.includes('virsh command log') && /\d\d:\d\d:\d\d\.\d{3}/.test(x), 'command log');
    await keys('L');
    await waitForScreen(session, (x) => !x.includes('virsh command log'), 'log closed');

    await keys('J');
    await open((x) => x.includes('block jobs:'), 'jobs panel');
    await keys('J');
    await waitForScreen(session, (x) => !x.includes('block jobs:'), 'jobs closed');

    await keys('x');
    await open((x) => x.includes('XML of nginx configured') && x.includes('<name>nginx configured</name>'), 'XML view');
    await keys(zoom);
    // full screen: the domain pane (its URI) is gone
    await open((x) => x.includes('XML of nginx configured') && x.includes(': back)') && !x.includes('test:///'), 'XML full screen');
    await keys('w');
    await open((x) => x.includes('<domainsnapshot>') && !x.includes('w wraps') && !x.includes('test:///'), 'XML wrapped');
    await keys('Escape');
    await waitForScreen(session, (x) => x.includes('test:///') && x.includes('XML of nginx configured'), 'out of full screen');
    await keys('Escape');
    await waitForScreen(session, (x) => x.includes('test:///') && x.includes('details'), 'back to details');
    expect(seen).toHaveLength(17);
    await keys('q');
  }, 120_000);

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
