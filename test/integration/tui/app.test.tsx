// The TUI rendered with ink-testing-library against the real test driver (the demo host),
// not a fake engine: keys go in, frames come out.

import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderApp } from './render-app.js';
import { KEYMAP } from '../../../components/keymap.js';
import { demoUri, openHost } from '../../../src/engine/connect.js';
import type { Host } from '../../../src/engine/host.js';
import { createAppStore, selectedSnapshotName } from '../../../src/store/app-store.js';
import { focusedField, formFields } from '../../../src/store/create-form.js';

const hosts: Host[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
});

let lastFrameSeen = '';
async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last frame:\n${lastFrameSeen}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function selectedName(store: ReturnType<typeof createAppStore>): string | null {
  return selectedSnapshotName(store.getState());
}

function startApp(options: { readonly?: boolean } = {}) {
  const host = openHost({ uri: demoUri(), readonly: options.readonly });
  hosts.push(host);
  const { app, store, journal } = renderApp(host);
  const frame = () => {
    const shown = app.lastFrame() ?? '';
    // kept for the timeout message: the frame and the last virsh commands
    lastFrameSeen = `${shown}\n${host.runner.log
      .list()
      .slice(-10)
      .map((e) => `${e.outcome} ${e.durationMs?.toFixed(0) ?? '…'}ms ${e.args.join(' ')}`)
      .join('\n')}`;
    return shown;
  };
  const press = async (keys: string, expect?: (f: string) => boolean, what = keys) => {
    app.stdin.write(keys);
    if (expect) await until(() => expect(frame()), what);
  };
  return { app, store, frame, press, host, journal };
}

describe('TUI on the demo host', () => {
  it('shows domains and the first domain\'s tree, then moves with j/k and Tab', async () => {
    const { frame, press, store } = startApp();
    await until(() => frame().includes('fresh-install'), 'the web-01 tree');
    expect(frame()).toContain('web-01');
    expect(frame()).toContain('db-primary');
    expect(frame()).toContain('*tls-renewal');
    await press('j', (f) => f.includes('nach Änderung ü'), 'db-primary tree');
    expect(store.getState().domainIndex).toBe(1);
    await press('k', (f) => f.includes('fresh-install'));
    await press('\t', () => store.getState().focus === 'snapshots', 'focus on snapshots');
    await press('j', () => store.getState().snapshotIndex === 1);
    expect(frame()).toMatch(/nginx configured/);
  });

  it('opens help built from the keymap, with every binding', async () => {
    const { frame, press } = startApp();
    await until(() => frame().includes('web-01'), 'domains');
    await press('?', (f) => f.includes('Keys'));
    // the help scrolls: read it page by page to its end
    const pages = [frame()];
    for (let i = 0; i < 10 && !pages.at(-1)!.includes('erase from the cursor to the end of the line'); i++) {
      const before = pages.at(-1)!;
      await press('\u001b[6~', (f) => f !== before, 'next help page');
      pages.push(frame());
    }
    // long descriptions wrap: read each page as running text
    const text = pages.map((page) => page.replace(/[║│]/g, ' ').replace(/\s+/g, ' ')).join(' ');
    for (const binding of KEYMAP) expect(text).toContain(binding.description.replace(/\s+/g, ' '));
    await press('\u001b', (f) => !f.includes('Keys (?'), 'help closed');
  });

  it('refreshes with one domain listing, and every tree built from it', async () => {
    const { frame, press, host, store } = startApp();
    await until(() => frame().includes('fresh-install') && !store.getState().busy, 'first refresh');
    const mark = host.runner.log.lastSeq();
    await press('r', () => host.runner.log.lastSeq() > mark);
    await until(() => !store.getState().busy, 'refresh done');
    const run = host.runner.log.since(mark).map((e) => e.args.join(' '));
    expect(run.filter((a) => a === 'list --all --uuid --name')).toHaveLength(1);
    // 4 commands per domain with snapshots, 1 for the one without: no tree is read twice
    expect(run.filter((a) => a.startsWith('snapshot-list') || a.startsWith('snapshot-current'))).toHaveLength(5 * 4 + 1);
    expect(Object.keys(store.getState().forests).sort()).toEqual(store.getState().domains!.map((d) => d.name).sort());
  });

  it('toggles the command log, which lists the virsh commands run', async () => {
    const { frame, press, host, store } = startApp();
    await until(() => frame().includes('fresh-install') && !store.getState().busy, 'tree');
    await press('L');
    // the pane ends with the most recent commands, each with its duration and outcome
    const last = host.runner.log.list().at(-1)!;
    await until(() => frame().includes(last.args.join(' ')), 'the newest command in the log pane');
    expect(frame()).toMatch(/\d+\.\dms (ok|error) +\S/);
    await press('L', (f) => !f.includes(last.args.join(' ')), 'log pane closed');
  });

  it('shows read-only mode in the status bar', async () => {
    const { frame } = startApp({ readonly: true });
    await until(() => frame().includes('web-01'), 'domains');
    expect(frame()).toContain('[read-only]');
  });

  it('searches the tree with / and jumps between matches with n and N', async () => {
    const { frame, press, store } = startApp();
    await until(() => frame().includes('fresh-install'), 'tree');
    await press('\t');
    await press('/', () => store.getState().inputMode === 'search');
    await press('php', (f) => f.includes('/php') && f.includes('(2 matches'), 'search box with 2 matches');
    expect(selectedName(store)).toBe('php 8.3 experiment');
    await press('\r', () => store.getState().inputMode === 'normal');
    await press('n', () => selectedName(store) === 'php rollback point', 'next match');
    await press('n', () => selectedName(store) === 'php 8.3 experiment', 'wraps around');
    await press('N', () => selectedName(store) === 'php rollback point', 'previous match');
    await press('\u001b', (f) => !f.includes('/php'), 'search cleared');
  });

  it('filters the domain list with / in the domain pane', async () => {
    const { frame, press, store } = startApp();
    await until(() => frame().includes('fresh-install'), 'tree');
    await press('/');
    await press('build', (f) => !f.includes('db-primary') && f.includes('build-runner'), 'filtered list');
    await until(() => frame().includes('golden image'), 'build-runner tree');
    await press('\r', () => store.getState().inputMode === 'normal');
    expect(store.getState().domainFilter).toBe('build');
    await press('\u001b', (f) => f.includes('db-primary'), 'filter cleared');
  });

  it('filters the help by typing', async () => {
    const { frame, press } = startApp();
    await until(() => frame().includes('web-01'), 'domains');
    await press('?', (f) => f.includes('Keys'));
    await press('xml', (f) => f.includes("show the snapshot's XML") && !f.includes('refresh from the host'), 'filtered help');
  });

  it('shows details, the XML and the disks of the selection', async () => {
    const { frame, press } = startApp();
    await until(() => frame().includes('fresh-install'), 'tree');
    await press('\t');
    await press('j', (f) => f.includes('nginx configured') && f.includes('parent      fresh-install'), 'details of nginx configured');
    await press('x', (f) => f.includes('XML of nginx configured') && f.includes('<name>nginx configured</name>'), 'xml view');
    await press('d', (f) => f.includes('disks of web-01') && f.includes('web-01.tls-renewal.qcow2'), 'disks view');
    expect(frame()).toContain('← tls-renewal');
    await press('\u001b', (f) => f.includes('details'), 'back to details');
  });

  it('revert shows the plan with Cancel focused; Enter cancels, choosing Proceed reverts', async () => {
    const { frame, press, store } = startApp();
    await until(() => frame().includes('fresh-install'), 'tree');
    await press('\t');
    await press('j', () => selectedName(store) === 'nginx configured');
    await press('v', (f) => f.includes('Revert web-01 to “nginx configured”'), 'revert dialog');
    expect(frame()).toContain('snapshot-revert --domain=web-01');
    expect(frame()).toContain('Downtime');
    expect(store.getState().confirm!.focus).toBe('cancel');
    await press('\r', () => store.getState().confirm === null, 'cancelled');
    expect(store.getState().domains!.find((d) => d.name === 'web-01')!.currentSnapshot).toBe('tls-renewal');
    await press('v', () => store.getState().confirm !== null);
    await press('\u001b[C', () => store.getState().confirm?.focus === 'confirm', 'focus on Proceed');
    await press('\r', (f) => f.includes('*nginx configured'), 'reverted: new current snapshot');
    expect(store.getState().domains!.find((d) => d.name === 'web-01')!.currentSnapshot).toBe('nginx configured');
  });

  it('delete needs the snapshot name typed exactly', async () => {
    const { frame, press, store } = startApp();
    await until(() => frame().includes('fresh-install'), 'tree');
    await press('\t');
    await press('G', () => selectedName(store) === 'php rollback point');
    await press('D', (f) => f.includes('Delete “php rollback point” of web-01'), 'delete dialog');
    expect(frame()).toContain('cannot be undone');
    await press('php', (f) => f.includes('> php'));
    await press('\r', (f) => f.includes('exactly'), 'hint to type the exact name');
    expect(store.getState().confirm).not.toBeNull();
    await press(' rollback point');
    await press('\r', () => store.getState().forests['web-01']?.count === 6, 'deleted from the tree');
    expect(frame()).not.toMatch(/php rollback point \[ext\]/);
    expect(selectedName(store)).toBe('php 8.3 experiment');
  });

  it('read-only mode disables destructive keys and help says why', async () => {
    const { frame, press, store } = startApp({ readonly: true });
    await until(() => frame().includes('fresh-install'), 'tree');
    await press('\t');
    await press('v');
    await press('D');
    expect(store.getState().confirm).toBeNull();
    await press('?', (f) => f.includes('Keys'));
    // help lines wrap: read the frame as running text
    const text = frame()
      .split('\n')
      .map((line) => line.replace(/^[║│\s]+|[║│\s]+$/g, ''))
      .join(' ');
    expect(text).toMatch(/revert the domain to this snapshot \(asks first\) +disabled now: the connection is read-only/);
  });

  it('edits the description inline and sets the current snapshot', async () => {
    const { frame, press, store, journal } = startApp();
    await until(() => frame().includes('fresh-install'), 'tree');
    await press('\t');
    await press('j', () => selectedName(store) === 'nginx configured');
    await until(() => frame().includes('nginx + certbot'), 'details loaded');
    await press('t', (f) => f.includes('Description of “nginx configured”'), 'prompt');
    expect(store.getState().prompt!.value).toBe('nginx + certbot, vhosts for www and shop');
    for (let i = 0; i < 'www and shop'.length; i++) await press('\u007f');
    await press('everything <&> "q"');
    await press('\r', (f) => f.includes('nginx + certbot, vhosts for everything <&> "q"') && f.includes('description of “nginx configured” saved'), 'saved and shown');
    await press('s', (f) => f.includes('*nginx configured'), 'current mark moved');
    expect(store.getState().domains!.find((d) => d.name === 'web-01')!.currentSnapshot).toBe('nginx configured');
    // both changes are flows like any other: journaled, and closed as done
    expect(journal.flows().map((f) => [f.begin.kind, f.end?.status])).toEqual([
      ['description', 'done'],
      ['current', 'done'],
    ]);
  });

  it('renames an internal snapshot only when forced by typing, and keeps its children attached', async () => {
    const { frame, press, store } = startApp();
    await until(() => frame().includes('fresh-install'), 'tree');
    await press('\t');
    await press('j', () => selectedName(store) === 'nginx configured');
    await press('j', () => selectedName(store) === 'before upgrade');
    await press('R', () => store.getState().prompt?.purpose === 'rename');
    for (let i = 0; i < 'before upgrade'.length; i++) await press('\u007f');
    await press('pre-upgrade ü');
    await press('\r', (f) => f.includes('Rename “before upgrade” to “pre-upgrade ü”'), 'rename plan');
    expect(frame()).toContain('re-attached');
    expect(store.getState().confirm!.plan.confirmation).toEqual({ kind: 'type-name', text: 'pre-upgrade ü' });
    // the rename's scratch files are written only while it runs, and removed when it is done
    const workDir = (store.getState().confirm!.plan.params as { workDir: string }).workDir;
    expect(existsSync(workDir)).toBe(false);
    await press('pre-upgrade ü');
    await press('\r', () => store.getState().forests['web-01']?.roots !== undefined && frame().includes('pre-upgrade ü [int]'), 'renamed');
    const forest = store.getState().forests['web-01']!;
    const names = JSON.stringify(forest);
    expect(names).not.toContain('"before upgrade"');
    const renamed = forest.roots[0]!.children[0]!.children[0]!;
    expect(renamed.name).toBe('pre-upgrade ü');
    expect(renamed.children.map((c) => c.name).sort()).toEqual(['after upgrade', 'php 8.3 experiment']);
    expect(existsSync(workDir)).toBe(false);
  });

  it('edits the XML in $EDITOR, and after malformed XML re-edits the same text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vs-editor-'));
    const editor = join(dir, 'editor.sh');
    // First run: break the XML. Second run: it must see its own broken text, then fix it.
    writeFileSync(
      editor,
      `#!/bin/sh
if [ ! -e "${dir}/ran" ]; then touch "${dir}/ran"; sed -i 's|<description>|<description><broken|' "$1"; exit 0; fi
grep -q '<description><broken' "$1" || exit 3
sed -i 's|<description><broken|<description>edited in the editor: |' "$1"
`,
      { mode: 0o755 },
    );
    const saved = process.env.EDITOR;
    process.env.EDITOR = editor;
    delete process.env.VISUAL;
    try {
      const { frame, press, store } = startApp();
      await until(() => frame().includes('fresh-install'), 'tree');
      await press('\t');
      await press('j', () => selectedName(store) === 'nginx configured');
      await press('e', (f) => f.includes('The edited XML was not applied'), 'problem shown');
      expect(frame()).toMatch(/line \d+/);
      expect(store.getState().decision!.focus).toBe('re-edit');
      await press('\r', (f) => f.includes('redefined from your XML'), 'applied after re-edit');
      await until(() => frame().includes('edited in the editor: nginx + certbot'), 'new description shown');
    } finally {
      if (saved === undefined) delete process.env.EDITOR;
      else process.env.EDITOR = saved;
    }
  });

  it('creates a snapshot through the form, whose plan follows every change', async () => {
    const { frame, press, store } = startApp();
    await until(() => frame().includes('fresh-install'), 'tree');
    await press('c', (f) => f.includes('New snapshot of web-01'), 'create form');
    // defaults on a running domain: memory and disks internal, via savevm, the guest paused while it runs
    await until(() => /Plan: ok via savevm/.test(frame()), 'default plan');
    expect(frame()).toContain('snapshot-create-as --domain=web-01');
    await press('before <&> "tls"', (f) => f.includes('before <&> "tls"') && store.getState().create?.form.name === 'before <&> "tls"', 'name typed');
    // memory: default → no: a running domain's internal snapshot must include memory (libvirt 9.0)
    await press('\u001b[B');
    await press('\u001b[B');
    await press('\u001b[C', (f) => /Plan: (invalid|unsupported)/.test(f), 'refused plan for memory=no');
    expect(frame()).toMatch(/must include the memory state/);
    // back to the default, and on to Create
    await press('\u001b[D', (f) => /Plan: ok via savevm/.test(f), 'ok again');
    while (store.getState().create && formFields(store.getState().create!.form).at(-1)!.id !== focusedField(store.getState().create!.form).id) {
      await press('\u001b[B');
    }
    await press('\r', () => store.getState().create === null, 'created');
    await until(() => frame().includes('*before <&> "tls"'), 'the new current snapshot in the tree');
    expect(store.getState().forests['web-01']!.count).toBe(8);
  });

  it('draws no line wider than the terminal', async () => {
    const { frame } = startApp();
    await until(() => frame().includes('fresh-install'), 'tree');
    // ink-testing-library's stdout is 100 columns wide; the app lays out to that width
    for (const line of frame().split('\n')) expect([...line].length).toBeLessThanOrEqual(100);
  });
});
