// What an operator's first hour found (issue 13), each checked on the demo host (the test
// driver) through the real engine: keys in, frames out, mostly at 80×24.

import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderApp } from './render-app.js';
import { demoUri, openHost } from '../../../src/engine/connect.js';
import type { Host } from '../../../src/engine/host.js';
import { planLines } from '../../../src/engine/flows/plan-print.js';
import { selectedDomain, selectedSnapshotName } from '../../../src/store/app-store.js';
import { focusedField } from '../../../src/store/create-form.js';
import { virshCommands } from '../../../src/engine/virsh/commands.js';
import { KEYMAP } from '../../../components/keymap.js';

const ZOOM = KEYMAP.find((b) => b.action === 'zoom')!.keys[0]!;

const hosts: Host[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

const KEY = {
  up: '\u001b[A',
  down: '\u001b[B',
  right: '\u001b[C',
  left: '\u001b[D',
  home: '\u001b[H',
  end: '\u001b[F',
  del: '\u001b[3~',
  backspace: '\u007f',
  shiftTab: '\u001b[Z',
  pageDown: '\u001b[6~',
  escape: '\u001b',
  ctrlA: '\u0001',
  ctrlE: '\u0005',
  ctrlK: '\u000b',
  ctrlU: '\u0015',
  ctrlW: '\u0017',
};

let lastFrameSeen = '';
async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last frame:\n${lastFrameSeen}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function fits(frame: string, columns: number, rows: number): void {
  const lines = frame.split('\n');
  expect(lines.length, frame).toBeLessThanOrEqual(rows);
  for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(columns);
}

async function start(options: { uri?: string; readonly?: boolean; columns?: number; rows?: number } = {}) {
  const host = openHost({ uri: options.uri ?? demoUri(), readonly: options.readonly });
  hosts.push(host);
  const columns = options.columns ?? 80;
  const rows = options.rows ?? 24;
  const { app, store } = renderApp(host, { columns, rows });
  const frames: string[] = [];
  const frame = () => {
    const shown = app.lastFrame() ?? '';
    if (frames.at(-1) !== shown) frames.push(shown);
    lastFrameSeen = shown;
    return shown;
  };
  const press = async (keys: string, expect?: (f: string) => boolean, what = JSON.stringify(keys)) => {
    app.stdin.write(keys);
    if (expect) await until(() => expect(frame()), what);
    else await new Promise((r) => setTimeout(r, 30));
  };
  await until(() => frame() !== '' && [...frame().split('\n')[0]!].length === columns, `a frame at ${columns} columns`);
  frames.length = 0;
  return { app, store, host, frame, frames, press, columns, rows };
}

type App = Awaited<ReturnType<typeof start>>;

async function toSnapshot(t: App, name: string) {
  await until(() => t.frame().includes('fresh-install') && !t.store.getState().busy, 'the tree');
  await t.press('\t', () => t.store.getState().focus === 'snapshots');
  while (selectedSnapshotName(t.store.getState()) !== name) await t.press('j');
}

/** Width of the first pane on the first row that starts a box. */
const domainPaneWidth = (frame: string) => {
  const top = frame.split('\n').find((l) => l.startsWith('┌'))!;
  return top.indexOf('┐') + 1;
};

describe('issue 13 at 80×24 and other sizes', () => {
  it('1/10: the forced internal rename fits, keeps the name input in view, warns once and never says --force', async () => {
    const t = await start();
    await toSnapshot(t, 'before upgrade');
    await t.press('R', () => t.store.getState().prompt?.purpose === 'rename');
    await t.press(KEY.ctrlU);
    await t.press('after upgradeX');
    await t.press('\r', (f) => f.includes('Rename “before upgrade” to “after upgradeX”'), 'rename dialog');
    const plan = t.store.getState().confirm!.plan;
    const text = planLines(plan).join('\n');
    expect(text.match(/qcow2 tag/g)).toHaveLength(1);
    expect(text).not.toContain('--force');
    expect(plan.confirmation).toEqual({ kind: 'type-name', text: 'after upgradeX' });
    await t.press('after up', (f) => f.split('\n').some((l) => /^║ > after up +║$/.test(l)), 'the typed name, on screen');
    for (const f of t.frames) fits(f, 80, 24);
    // the title and the input line are where they belong: first and last inside the box
    const lines = t.frame().split('\n');
    expect(lines[1]).toContain('Rename “before upgrade”');
    const bottom = lines.findIndex((l) => l.startsWith('╚'));
    expect(lines[bottom - 1]).toMatch(/^║ > after up/);
    await t.press(KEY.escape, () => t.store.getState().confirm === null);
  });

  it('1/2: the create form fits, its title never merges into a field, Shift-Tab moves back, Enter in the name creates and selects it', async () => {
    const t = await start();
    await until(() => t.frame().includes('fresh-install') && !t.store.getState().busy, 'the tree');
    await t.press('c', (f) => f.includes('New snapshot of web-01'), 'create form');
    const form = () => t.store.getState().create!.form;
    // walk every field down and back up: the title line stays the title, the focused field is shown
    const count = 13;
    for (let i = 0; i < count; i++) {
      await t.press('\t', () => form().focus === (i + 1) % count);
      const lines = t.frame().split('\n');
      expect(lines[1]).toMatch(/^║ New snapshot of web-01 \(running\)/);
      const field = focusedField(form());
      expect(t.frame()).toContain(field.kind === 'submit' ? '> [ Create ]' : `> ${field.label}`.slice(0, 20));
    }
    await t.press(KEY.shiftTab, () => focusedField(form()).id === 'submit', 'Shift-Tab back to Create');
    await t.press(KEY.shiftTab, () => focusedField(form()).id === 'noMetadata', 'Shift-Tab back again');
    while (focusedField(form()).id !== 'name') await t.press(KEY.up);
    // the plan scrolls below the fields: its last warning comes into view with PgDn
    const warnings = t.store.getState().create!.plan.warnings;
    expect(warnings.length).toBeGreaterThan(0);
    await t.press(KEY.pageDown, () => t.store.getState().create!.scroll > 0, 'plan scrolled');
    await t.press('new one', () => form().name === 'new one');
    await t.press(KEY.left + KEY.left + KEY.left, () => form().cursor === 4, 'cursor moved left');
    await t.press('-', () => form().name === 'new -one');
    await t.press(KEY.ctrlE + KEY.ctrlW, () => form().name === 'new ');
    await t.press('one', () => form().name === 'new one');
    for (const f of t.frames) fits(f, 80, 24);
    await t.press('\r', () => t.store.getState().create === null, 'created from the name field');
    await until(() => selectedSnapshotName(t.store.getState()) === 'new one', 'the new snapshot selected');
    expect(t.store.getState().focus).toBe('snapshots');
  });

  it('1: at 60×20 the create form fits and its values stay in one column', async () => {
    const t = await start({ columns: 60, rows: 20 });
    await until(() => t.frame().includes('fresh-install') && !t.store.getState().busy, 'the tree');
    await t.press('c', (f) => f.includes('New snapshot of web-01') && f.includes('disk vda'), 'create form');
    const lines = t.frame().split('\n');
    const column = (label: string) => {
      const line = lines.find((l) => l.includes(label))!;
      return line.indexOf('[', line.indexOf(label));
    };
    expect(column('disk vda')).toBe(column('memory'));
    expect(column('disk vdb')).toBe(column('memory'));
    for (const f of t.frames) fits(f, 60, 20);
  });

  it('1: help scrolls with the arrows and PgDn and fits', async () => {
    const t = await start();
    await until(() => t.frame().includes('web-01'), 'domains');
    await t.press('?', (f) => f.includes('Keys'));
    expect(t.frame()).toMatch(/keys 1–\d+ of \d+/);
    expect(t.frame()).not.toContain('more: type to filter');
    await t.press(KEY.down, (f) => /keys 2–/.test(f), 'one line down');
    await t.press(KEY.pageDown, (f) => /keys 12–/.test(f), 'a page down');
    await t.press(KEY.pageDown + KEY.pageDown + KEY.pageDown + KEY.pageDown + KEY.pageDown + KEY.pageDown, (f) => f.includes('erase from the cursor to the end of the line'), 'the end of the help');
    for (const f of t.frames) fits(f, 80, 24);
    await t.press('?', () => !t.store.getState().helpOpen);
  });

  it('2: the description prompt edits at the cursor (←/→, Home/End, Delete, Ctrl-A/E/K/U/W)', async () => {
    const t = await start();
    await toSnapshot(t, 'nginx configured');
    await until(() => t.frame().includes('nginx + certbot'), 'details loaded');
    await t.press('t', () => t.store.getState().prompt?.purpose === 'description');
    const value = () => t.store.getState().prompt!.value;
    await t.press(KEY.ctrlW, () => value() === 'nginx + certbot, vhosts for www and ');
    await t.press(KEY.home, () => t.store.getState().prompt!.cursor === 0);
    await t.press(KEY.del, () => value() === 'ginx + certbot, vhosts for www and ');
    await t.press('N', () => value() === 'Nginx + certbot, vhosts for www and ');
    await t.press(KEY.right + KEY.right + KEY.right + KEY.right + KEY.right, () => t.store.getState().prompt!.cursor === 6);
    await t.press(KEY.ctrlK, () => value() === 'Nginx ');
    await t.press(KEY.backspace, () => value() === 'Nginx');
    await t.press(KEY.ctrlA, () => t.store.getState().prompt!.cursor === 0);
    await t.press(KEY.end, () => t.store.getState().prompt!.cursor === 5);
    await t.press(' only', () => value() === 'Nginx only');
    await t.press(KEY.ctrlA + KEY.ctrlE + KEY.ctrlU, () => value() === '');
    await t.press('again', (f) => f.includes('> again'), 'typed text shown');
    for (const f of t.frames) fits(f, 80, 24);
    await t.press(KEY.escape, () => t.store.getState().prompt === null);
  });

  it('3: the domain pane keeps its width whatever the other panes show, and grows on a wide terminal', async () => {
    const t = await start({ columns: 120, rows: 36 });
    await toSnapshot(t, 'tls-renewal');
    await t.press('d', (f) => f.includes('disks of web-01') && f.includes('not in chain') || f.includes('web-01.tls-renewal.qcow2'), 'disks');
    await t.press('x', (f) => f.includes('XML of tls-renewal'), 'xml');
    for (const f of t.frames) expect(domainPaneWidth(f)).toBe(36);
    const wide = await start({ columns: 200, rows: 50 });
    await until(() => wide.frame().includes('fresh-install'), 'wide tree');
    const width = domainPaneWidth(wide.frame());
    expect(width).toBeGreaterThan(36);
    // no domain row is cut: each current snapshot name is shown whole
    for (const d of wide.store.getState().domains!) if (d.currentSnapshot) expect(wide.frame()).toContain(`*${d.currentSnapshot}`);
  });

  it('4: a URI that cannot be read shows the whole error in the domain pane, not loading…, and r retries', async () => {
    const t = await start({ uri: 'test:///nonexistent-virtsnap.xml' });
    await until(() => t.frame().includes('failed to parse xml'), 'the error in the pane');
    // the status line's copy expires; the pane's stays
    t.store.setState({ message: null });
    await until(() => !t.frame().includes('refresh failed'), 'status cleared');
    const flat = t.frame().replace(/[│\s]+/g, ' ');
    expect(flat).toContain("failed to parse xml document '/nonexistent-virtsnap.xml'");
    expect(flat).toContain('failed to connect to the hypervisor');
    expect(t.frame()).not.toContain('loading…');
    expect(t.frame()).toContain('r tries again');
    const tries = t.host.runner.log.list().length;
    await t.press('r', () => t.host.runner.log.list().length > tries, 'a retry');
    for (const f of t.frames) fits(f, 80, 24);
  });

  it('5: the selection stays on the domain and snapshot when the list is reordered under it', async () => {
    const t = await start({ rows: 40 });
    await until(() => t.frame().includes('fresh-install') && !t.store.getState().busy, 'the tree');
    while (selectedDomain(t.store.getState())?.name !== 'build-runner') await t.press('j');
    await t.press('\t', () => t.store.getState().focus === 'snapshots');
    await t.press('j', () => selectedSnapshotName(t.store.getState()) === 'nightly-2026-10-01');
    const before = t.store.getState().domains!.findIndex((d) => d.name === 'build-runner');
    // virsh lists running domains first: once dev-sandbox runs, it comes before build-runner
    await t.host.runner.run(virshCommands.startDomain('dev-sandbox'));
    await t.press('r', () => t.store.getState().domains!.find((d) => d.name === 'dev-sandbox')!.state.state === 'running', 'refreshed');
    await until(() => !t.store.getState().busy, 'refresh done');
    const after = t.store.getState().domains!.findIndex((d) => d.name === 'build-runner');
    expect(after).not.toBe(before);
    expect(selectedDomain(t.store.getState())!.name).toBe('build-runner');
    expect(selectedSnapshotName(t.store.getState())).toBe('nightly-2026-10-01');
    expect(t.frame()).toMatch(/> build-runner shut off/);
  });

  it('5: a filter chosen through and cleared keeps the domain chosen', async () => {
    const t = await start();
    await until(() => t.frame().includes('fresh-install') && !t.store.getState().busy, 'the tree');
    await t.press('/', () => t.store.getState().inputMode === 'search');
    await t.press('d', () => t.store.getState().domainFilter === 'd');
    await t.press('\r', () => t.store.getState().inputMode === 'normal');
    while (selectedDomain(t.store.getState())?.name !== 'dev-sandbox') await t.press('j');
    await t.press(KEY.escape, () => t.store.getState().domainFilter === '', 'filter cleared');
    expect(selectedDomain(t.store.getState())!.name).toBe('dev-sandbox');
    await until(() => t.frame().includes('> dev-sandbox'), 'dev-sandbox shown selected');
  });

  it('6: a disabled key says why in the status line; on a domain without snapshots v and D say so', async () => {
    const ro = await start({ readonly: true });
    await until(() => ro.frame().includes('fresh-install'), 'tree');
    await ro.press('c', (f) => f.includes('c: the connection is read-only'), 'c says why');
    const t = await start();
    await until(() => t.frame().includes('fresh-install') && !t.store.getState().busy, 'tree');
    while (selectedDomain(t.store.getState())?.name !== 'mail-relay') await t.press('j');
    await t.press('v', (f) => f.includes('v: mail-relay has no snapshots'), 'v says why');
    await t.press('D', (f) => f.includes('D: mail-relay has no snapshots'), 'D says why');
    await t.press('?', (f) => f.includes('Keys'));
    await t.press('revert', (f) => /disabled now: mail-relay has no snapshots/.test(f.replace(/[║\s]+/g, ' ')), 'help shows v disabled');
  });

  it('10: the XML edit that changes the name points to R, not to the CLI', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vs-editor-'));
    const editor = join(dir, 'editor.sh');
    writeFileSync(editor, `#!/bin/sh\nsed -i 's|<name>nginx configured</name>|<name>renamed here</name>|' "$1"\n`);
    chmodSync(editor, 0o755);
    const saved = { editor: process.env.EDITOR, visual: process.env.VISUAL };
    process.env.EDITOR = editor;
    delete process.env.VISUAL;
    try {
      const t = await start();
      await toSnapshot(t, 'nginx configured');
      await t.press('e', (f) => f.includes('The edited XML was not applied'), 'problem shown');
      const message = t.store.getState().decision!.message;
      expect(message).toContain('rename it with R');
      expect(message).not.toContain('virtsnap edit');
      for (const f of t.frames) fits(f, 80, 24);
      await t.press(KEY.escape, () => t.store.getState().decision === null);
    } finally {
      if (saved.editor === undefined) delete process.env.EDITOR;
      else process.env.EDITOR = saved.editor;
      if (saved.visual !== undefined) process.env.VISUAL = saved.visual;
    }
  });

  it('10: delete of a shut-off domain’s snapshot does not say the guest keeps running, nor “created into”', async () => {
    const t = await start({ rows: 40 });
    await until(() => t.frame().includes('fresh-install') && !t.store.getState().busy, 'tree');
    while (selectedDomain(t.store.getState())?.name !== 'build-runner') await t.press('j');
    await t.press('\t', () => t.store.getState().focus === 'snapshots');
    await t.press('j', () => selectedSnapshotName(t.store.getState()) !== 'golden image');
    await t.press('D', () => t.store.getState().confirm !== null, 'delete dialog');
    const text = planLines(t.store.getState().confirm!.plan).join('\n');
    expect(text).not.toMatch(/guest keeps running/);
    expect(text).not.toMatch(/created into/);
    await t.press(KEY.escape, () => t.store.getState().confirm === null);
  });

  it('11: position, collapse, jump to current, full-screen wrapped XML, h/Esc back, the last refresh and r', async () => {
    const t = await start({ columns: 120, rows: 40 });
    await toSnapshot(t, 'before upgrade');
    expect(t.frame()).toContain('3/7');
    expect(t.frame()).toMatch(/refreshed \d\d:\d\d:\d\d UTC/);
    await t.press('z', (f) => f.includes('before upgrade ▸+4'), 'collapsed');
    expect(t.frame()).not.toContain('php rollback point');
    await t.press('*', () => selectedSnapshotName(t.store.getState()) === 'tls-renewal', 'jumped to the current snapshot');
    expect(t.frame()).toContain('php rollback point');
    await t.press('x', (f) => f.includes('XML of tls-renewal'), 'xml');
    await t.press(ZOOM, () => t.store.getState().zoomed, 'full screen');
    await until(() => t.frame().includes(': back)'), 'the zoomed title');
    expect(t.frame()).not.toContain('fresh-install');
    await t.press('w', () => t.store.getState().wrapXml);
    for (const line of t.frame().split('\n')) expect([...line].length).toBeLessThanOrEqual(120);
    await t.press(KEY.escape, () => !t.store.getState().zoomed);
    await t.press(KEY.escape, () => t.store.getState().view === 'details');
    await t.press('h', () => t.store.getState().focus === 'domains');
    const mark = t.host.runner.log.lastSeq();
    await t.press('r', (f) => f.includes('refreshed: 6 domains'), 'r says it ran');
    expect(t.host.runner.log.lastSeq()).toBeGreaterThan(mark);
  });

  it('11: the details pane takes focus and scrolls its XML no further than the end', async () => {
    const t = await start();
    await toSnapshot(t, 'tls-renewal');
    await t.press('x', (f) => f.includes('XML of tls-renewal') && /lines 1–\d+ of \d+/.test(f), 'xml');
    await t.press('\t', () => t.store.getState().focus === 'details');
    await t.press('G', (f) => /lines \d+–(\d+) of \1/.test(f), 'the end of the XML');
    const end = t.store.getState().xmlScroll;
    expect(end).toBeGreaterThan(0);
    expect(end).toBeLessThan(1000);
    await t.press('k', () => t.store.getState().xmlScroll === end - 1, 'one line back');
    expect(t.frame()).toMatch(new RegExp(`lines ${end}–`));
    for (const f of t.frames) fits(f, 80, 24);
  });

  it('11: the command log takes focus, scrolls, and shows times and libvirt’s error text', async () => {
    const t = await start({ columns: 120, rows: 40 });
    await until(() => t.frame().includes('fresh-install') && !t.store.getState().busy, 'tree');
    // a command that fails: a snapshot that is not there
    await t.host.snapshot('web-01', 'no such snapshot').catch(() => {});
    await t.press('L', (f) => f.includes('virsh command log'), 'log open');
    expect(t.frame()).toMatch(/\d\d:\d\d:\d\d\.\d{3} +\d+\.\dms (ok|error)/);
    expect(t.frame()).toMatch(/↳ .*no such snapshot|↳ .*not found|↳ .*no domain snapshot/i);
    await t.press(KEY.shiftTab, () => t.store.getState().focus === 'log', 'log focused');
    expect(t.frame()).toContain('▶ virsh command log');
    await t.press('k', () => t.store.getState().logScroll === 1);
    await t.press('g', () => t.store.getState().logScroll > 1);
    expect(t.frame()).toMatch(/ 1–\d+ of \d+/);
    await t.press('G', () => t.store.getState().logScroll === 0);
  });
});
