// The capture keys on real QEMU, driven through the TUI (ink-testing-library at 80×24): a backup
// through a temporary snapshot started with `b` (form, plan, Proceed, live copy progress), and a
// checkpoint listed with `K` (its disks and bitmaps) and deleted with `D` and its typed name; a
// manual-storage snapshot from the capture menu, confirmed and cancelled while the guest is paused.
// Checked independently: qemu-img check and qemu-io patterns on the copy, domblklist and the
// backing chain of the disk, one-shot checkpoint-list, and QEMU's own dirty bitmaps (QMP).

import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { renderApp } from './render-app.js';
import { openHost } from '../../../src/engine/connect.js';
import type { Host } from '../../../src/engine/host.js';
import { selectedDomain } from '../../../src/store/app-store.js';
import { describeLab, startLab, type Lab } from '../lab.js';
import { chainFiles, flushDisk, guestWrite, readsPattern, vdaSource } from '../qemu-checks.js';
import { until, expectFits } from './wait.js';

const RIGHT = '\u001b[C';
const CTRL_U = '\u0015';

/** The dirty bitmaps QEMU has on each image file of the running domain (QMP query-named-block-nodes), by file. */
async function liveBitmaps(lab: Lab, domain: string): Promise<Record<string, string[]>> {
  const r = await lab.virsh('qemu-monitor-command', domain, '{"execute":"query-named-block-nodes"}');
  expect(r.exitCode, r.stderr).toBe(0);
  const nodes = (JSON.parse(r.stdout) as { return: { file: string; 'dirty-bitmaps'?: { name: string }[] }[] }).return;
  const byFile: Record<string, string[]> = {};
  for (const node of nodes) {
    const names = (node['dirty-bitmaps'] ?? []).map((b) => b.name);
    byFile[node.file] = [...new Set([...(byFile[node.file] ?? []), ...names])];
  }
  return byFile;
}

describeLab('capture keys on real QEMU (TUI keys at 80×24)', () => {
  let lab: Lab;
  const hosts: Host[] = [];
  const samplers: NodeJS.Timeout[] = [];
  const dirs: string[] = [];
  beforeAll(async () => {
    lab = await startLab();
  });
  afterEach(async () => {
    for (const sampler of samplers.splice(0)) clearInterval(sampler);
    await Promise.all(hosts.splice(0).map((h) => h.close()));
  });
  afterAll(async () => {
    await lab?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** The TUI at 80×24 with `domain` selected; every frame drawn is kept. */
  async function startOn(domain: string) {
    const host = openHost({ uri: lab.uri });
    hosts.push(host);
    const { app, store } = renderApp(host, { columns: 80, rows: 24 });
    const frames: string[] = [];
    const frame = () => {
      const shown = app.lastFrame() ?? '';
      if (frames.at(-1) !== shown) frames.push(shown);
      return shown;
    };
    await until(() => (app.lastFrame() ?? '') !== '' && (app.lastFrame() ?? '').split('\n').every((l) => [...l].length <= 80), 'a frame at 80 columns');
    frames.length = 0;
    samplers.push(setInterval(frame, 40));
    await until(() => (store.getState().domains ?? []).some((d) => d.name === domain) && !store.getState().busy, 'domains', 30_000, frame);
    store.getState().selectByName(domain);
    await until(() => selectedDomain(store.getState())?.name === domain, `${domain} selected`, 30_000, frame);
    const press = async (keys: string, check: () => boolean, what: string, timeoutMs = 30_000) => {
      app.stdin.write(keys);
      await until(check, what, timeoutMs, frame);
    };
    return { app, store, frame, frames, press };
  }

  it('b: the form, the plan with Cancel focused, Proceed; the copy shows its progress, the copy reads the data, the domain ends on its own files', async () => {
    const { name, disks } = await lab.newDomain({ fillMiB: 32 });
    await guestWrite(lab, name, '0x61', '40M', '2M');
    await flushDisk(lab, name);
    const dir = join(mkdtempSync(join(tmpdir(), 'vs-tui-bk-')), 'out');
    dirs.push(dirname(dir));
    const t = await startOn(name);
    const progress = new Set<string>();
    const off = t.store.subscribe((s) => {
      for (const line of s.confirm?.progress ?? []) progress.add(line);
    });

    await t.press('b', () => t.store.getState().captureForm !== null, 'backup form');
    await t.press(CTRL_U, () => t.store.getState().captureForm?.path.text === '', 'directory cleared');
    await t.press(dir, () => t.store.getState().captureForm?.path.text === dir, 'directory typed');
    await t.press('\r', () => t.store.getState().confirm !== null, 'the plan', 60_000);
    const dialog = t.store.getState().confirm!;
    expect(dialog.plan.kind).toBe('backup-snapshot');
    expect(dialog.plan.refusal).toBeNull();
    expect(dialog.focus).toBe('cancel');
    expect(t.frame()).toContain(`Back up ${name} (vda, vdb) to`);
    await t.press(RIGHT, () => t.store.getState().confirm?.focus === 'confirm', 'Proceed');
    await t.press('\r', () => t.store.getState().confirm?.phase === 'running', 'running');
    await until(() => t.store.getState().confirm === null, 'the backup ended', 180_000, t.frame);
    await until(() => /backed up/.test(t.store.getState().message?.text ?? ''), 'the message', 10_000, t.frame);
    off();
    expect(t.store.getState().message!.text).toContain(`backed up ${name} to ${dir}: vda (`);
    expect(t.store.getState().captureForm).toBeNull();
    expect(t.store.getState().inputMode).toBe('normal');
    // the copy's percentages and the steps reached the dialog
    expect([...progress].some((l) => /^copy vda: \d+ %$/.test(l))).toBe(true);
    expect([...progress].some((l) => /commit/.test(l))).toBe(true);

    // independently: the copies are whole, standalone and hold the data; the domain is on its own files
    const copy = join(dir, 'vda.qcow2');
    expect((await execa('qemu-img', ['check', copy])).exitCode).toBe(0);
    expect(JSON.parse((await execa('qemu-img', ['info', '--output=json', copy])).stdout)['backing-filename']).toBeUndefined();
    expect(await readsPattern(copy, '0x5a', '0', '32M')).toBe(true);
    expect(await readsPattern(copy, '0x61', '40M', '2M')).toBe(true);
    expect((await execa('qemu-img', ['check', join(dir, 'vdb.qcow2')])).exitCode).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['domain.xml', 'vda.qcow2', 'vdb.qcow2', 'virtsnap-backup.json']);
    expect(await vdaSource(lab, name)).toBe(disks.vda);
    expect(await chainFiles(disks.vda)).toEqual([disks.vda]);
    expect(readdirSync(join(lab.dir, 'img')).filter((f) => f.includes('virtsnap-backup'))).toEqual([]);
    expect((await lab.virsh('domstate', name)).stdout.trim()).toBe('running');
    expect((await lab.virsh('snapshot-list', name, '--name')).stdout.trim()).toBe('');
    for (const shown of t.frames) expectFits(shown);
  });

  it('K lists a checkpoint with its disks and bitmaps; D and its typed name delete it, and the list shows the host as it is now', async () => {
    const { name, disks } = await lab.newDomain();
    const created = await lab.virsh('checkpoint-create-as', name, 'cp-tui');
    expect(created.exitCode, created.stderr).toBe(0);
    const before = await liveBitmaps(lab, name);
    expect(before[disks.vda]).toContain('cp-tui');
    expect(before[disks.vdb]).toContain('cp-tui');
    const t = await startOn(name);

    await t.press('K', () => t.store.getState().checkpointView?.status === 'ready', 'checkpoints');
    let f = t.frame();
    expect(f).toContain(`Checkpoints of ${name}: 1`);
    expect(f).toMatch(/> cp-tui {2}\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?/);
    expect(f).toContain('    parent: - (the first)');
    expect(f).toMatch(/ {4}vda {4}bitmap cp-tui/);
    expect(f).toMatch(/ {4}vdb {4}bitmap cp-tui/);

    await t.press('D', () => t.store.getState().confirm !== null, 'delete plan');
    const dialog = t.store.getState().confirm!;
    expect(dialog.plan.kind).toBe('checkpoint-delete');
    expect(dialog.plan.confirmation).toEqual({ kind: 'type-name', text: 'cp-tui' });
    f = t.frame();
    expect(f).toContain(`Delete checkpoint cp-tui of ${name}`);
    expect(f).toContain('Type “cp-tui”');
    // Enter before the name is typed runs nothing
    await t.press('\r', () => /type “cp-tui” exactly/.test(t.store.getState().confirm?.hint ?? ''), 'name needed');
    expect((await lab.virsh('checkpoint-list', name, '--name')).stdout.trim()).toBe('cp-tui');
    await t.press('cp-tui', () => t.store.getState().confirm?.typed === 'cp-tui', 'name typed');
    await t.press('\r', () => t.store.getState().confirm === null, 'deleted', 60_000);
    // back in the list, read again from the host
    await until(() => t.store.getState().inputMode === 'checkpoints' && t.store.getState().checkpointView?.status === 'ready', 'list again', 30_000, t.frame);
    await until(() => t.frame().includes(`${name} has no checkpoints`), 'empty list', 10_000, t.frame);
    expect((await lab.virsh('checkpoint-list', name, '--name')).stdout.trim()).toBe('');
    const after = await liveBitmaps(lab, name);
    expect(after[disks.vda]).not.toContain('cp-tui');
    expect(after[disks.vdb]).not.toContain('cp-tui');
    await t.press('\u001b', () => t.store.getState().checkpointView === null, 'closed');
    for (const shown of t.frames) expectFits(shown);
  });
  it('C → manual storage: the guest is paused while the question shows the disk to snapshot; Done resumes it and keeps the snapshot, Esc resumes it and discards one', async () => {
    const { name, disks } = await lab.newDomain();
    const t = await startOn(name);
    const state = async () => (await lab.virsh('domstate', name)).stdout.trim();

    /** C, the manual row, vdb chosen, the plan, Proceed; waits for the storage question. */
    const startManual = async () => {
      await t.press('C', () => t.store.getState().captureMenu !== null, 'menu');
      await t.press('\u001b[B\u001b[B\u001b[B', () => t.store.getState().captureMenu?.index === 3, 'manual row');
      await t.press('\r', () => t.store.getState().captureForm?.kind === 'manual-snapshot', 'manual form', 30_000);
      await t.press(RIGHT + ' ', () => t.store.getState().captureForm?.disks.find((d) => d.target === 'vdb')?.chosen === true, 'vdb chosen');
      await t.press('\r', () => t.store.getState().confirm !== null, 'plan', 30_000);
      const plan = t.store.getState().confirm!.plan;
      expect(plan.refusal).toBeNull();
      await t.press(RIGHT, () => t.store.getState().confirm?.focus === 'confirm', 'Proceed');
      await t.press('\r', () => t.store.getState().captureStorage !== null, 'the storage question', 60_000);
      return plan.params as { name: string; memoryFile: string };
    };

    const kept = await startManual();
    expect(await state()).toBe('paused');
    let f = t.frame();
    expect(f).toContain(`${name} is paused: your storage snapshot`);
    expect(f).toContain(`vdb: ${disks.vdb}`);
    expect(f).toContain('>Cancel: resume, discard');
    await t.press(RIGHT, () => t.store.getState().captureStorage?.focus === 'done', 'Done focused');
    await t.press('\r', () => t.store.getState().confirm === null, 'flow ended', 60_000);
    expect(await state()).toBe('running');
    expect((await lab.virsh('snapshot-list', name, '--name')).stdout).toContain(kept.name);
    expect(existsSync(kept.memoryFile)).toBe(true);

    // the snapshot's default name is a time stamp to the second
    await new Promise((r) => setTimeout(r, 1100));
    const dropped = await startManual();
    expect(dropped.name).not.toBe(kept.name);
    expect(await state()).toBe('paused');
    await t.press('\u001b', () => t.store.getState().confirm === null, 'cancelled flow ended', 60_000);
    expect(await state()).toBe('running');
    const names = (await lab.virsh('snapshot-list', name, '--name')).stdout;
    expect(names).toContain(kept.name);
    expect(names).not.toContain(dropped.name);
    expect(existsSync(dropped.memoryFile)).toBe(false);
    for (const shown of t.frames) expectFits(shown);
  });
  it('C → backup job: a full backup, then an incremental one after new writes; K then lists both checkpoints, the newest with the older as its parent', async () => {
    const { name } = await lab.newDomain({ fillMiB: 16 });
    const dir = join(mkdtempSync(join(tmpdir(), 'vs-tui-push-')), 'out');
    dirs.push(dirname(dir));
    const t = await startOn(name);

    const runPush = async (incremental: boolean) => {
      await t.press('C', () => t.store.getState().captureMenu !== null, 'menu');
      await t.press('\u001b[B'.repeat(5), () => t.store.getState().captureMenu?.index === 5, 'backup job row');
      await t.press('\r', () => t.store.getState().captureForm?.kind === 'backup-push', 'push form', 30_000);
      await t.press(CTRL_U + dir, () => t.store.getState().captureForm?.path.text === dir, 'directory');
      if (incremental) await t.press('\t' + RIGHT, () => t.store.getState().captureForm?.incremental === true, 'incremental');
      await t.press('\r', () => t.store.getState().confirm !== null, 'plan', 60_000);
      const plan = t.store.getState().confirm!.plan;
      expect(plan.refusal).toBeNull();
      await t.press(RIGHT + '\r', () => t.store.getState().confirm?.phase === 'running', 'running');
      await until(() => t.store.getState().confirm === null, 'backup ended', 180_000, t.frame);
      await until(() => /backup of .*, checkpoint virtsnap-/.test(t.store.getState().message?.text ?? ''), 'message', 10_000, t.frame);
      return plan.params as { kind: string; checkpoint: string; since: string | null; disks: { file: string }[] };
    };

    const full = await runPush(false);
    expect(full.kind).toBe('full');
    expect(t.store.getState().message!.text).toBe(`full backup of ${name} in ${dir}, checkpoint ${full.checkpoint}`);
    await guestWrite(lab, name, '0x6b', '8M', '1M');
    await flushDisk(lab, name);
    // checkpoint names are time stamps to the second
    await new Promise((r) => setTimeout(r, 1100));
    const inc = await runPush(true);
    expect(inc).toMatchObject({ kind: 'incremental', since: full.checkpoint });

    // independently: both files check; the incremental holds the new write and is much smaller than the full copy
    const size = async (file: string) => (JSON.parse((await execa('qemu-img', ['info', '-U', '--output=json', file])).stdout) as { 'actual-size': number })['actual-size'];
    for (const file of [...full.disks, ...inc.disks].map((d) => d.file)) expect((await execa('qemu-img', ['check', '-U', file])).exitCode).toBe(0);
    const fullVda = full.disks.find((d) => d.file.includes('/vda.'))!.file;
    const incVda = inc.disks.find((d) => d.file.includes('/vda.'))!.file;
    expect(await readsPattern(fullVda, '0x5a', '0', '16M')).toBe(true);
    expect(await size(incVda)).toBeLessThan((await size(fullVda)) / 4);
    const map = JSON.parse((await execa('qemu-img', ['map', '-U', '--output=json', incVda])).stdout) as { start: number; length: number; data: boolean; depth: number }[];
    const own = map.filter((m) => m.data && m.depth === 0);
    expect(own.some((m) => m.start <= 8 * 2 ** 20 && m.start + m.length >= 9 * 2 ** 20)).toBe(true);
    expect(own.reduce((sum, m) => sum + m.length, 0)).toBeLessThanOrEqual(4 * 2 ** 20);
    expect((await lab.virsh('checkpoint-list', name, '--name')).stdout.trim().split('\n')).toEqual([full.checkpoint, inc.checkpoint]);

    await t.press('K', () => t.store.getState().checkpointView?.status === 'ready', 'checkpoints');
    const f = t.frame();
    expect(f).toContain(`Checkpoints of ${name}: 2`);
    expect(f).toContain(`${full.checkpoint}`);
    expect(f).toMatch(new RegExp(`${inc.checkpoint} .*\\n.*parent: ${full.checkpoint}`));
    for (const shown of t.frames) expectFits(shown);
  });
});
