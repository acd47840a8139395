// The merge (m), flatten (f) and copy (y) wizards on the demo host (libvirt's test driver, which
// has backing chains but no block-job API): every state of the wizard, drawn at 80×24 over the
// chain diagram, keys in, frames out. The plan is the engine's, refused because this driver
// cannot run block jobs, which the wizard says plainly.

import { describe, expect, it } from 'vitest';
import { expectFits, KEY, renderDemoApp, until } from './demo-app.js';
import { planLines } from '../../../src/engine/flows/plan-print.js';
import { selectedSnapshotName } from '../../../src/store/app-store.js';

async function startApp() {
  const { app, store, frame, frames, press } = await renderDemoApp();
  const wizard = () => store.getState().merge!;
  return { app, store, frame, frames, press, wizard };
}

type App = Awaited<ReturnType<typeof startApp>>;

async function openTree(t: App, snapshot: string) {
  await until(() => t.frame().includes('fresh-install') && !t.store.getState().busy, 'tree');
  await t.press('\t', () => t.store.getState().focus === 'snapshots', 'snapshot pane');
  for (let i = 0; i < 10 && selectedSnapshotName(t.store.getState()) !== snapshot; i++) {
    const before = t.store.getState().snapshotIndex;
    await t.press('j', () => t.store.getState().snapshotIndex !== before);
  }
  expect(selectedSnapshotName(t.store.getState())).toBe(snapshot);
}

describe('merge, flatten and copy wizards at 80×24 (demo host)', () => {
  it('m on the current snapshot: its layer into the backing file, an active commit with pivot; marks, options, pre-flight with Cancel focused', async () => {
    const t = await startApp();
    await openTree(t, 'tls-renewal');
    await t.press('m', (f) => f.includes('Merge web-01 vda from “tls-renewal”: online (block jobs)'), 'merge wizard');
    const w = t.wizard();
    expect(w.field).toBe('range');
    expect(w.marks).toEqual({ vda: { top: 0, base: 1 }, vdb: { top: 0, base: 1 } });
    let f = t.frame();
    expect(f).toMatch(/top {2}T▸ web-01\.tls-renewal\.qcow2 ← tls-renewal\s+merged ↓/);
    expect(f).toMatch(/base B {2}web-01\.qcow2\s+receives the data/);
    expect(f).toContain('when ready: [pivot to the base] keep the overlay');
    expect(f).toContain('→ vda: web-01.tls-renewal.qcow2 → web-01.qcow2 (active commit, then pivot)');
    expect(f).toContain('this driver cannot run block jobs');

    // the marks stay in the chain: the top cannot pass the base, the base cannot leave the chain
    await t.press(KEY.down);
    await t.press(KEY.right, () => t.wizard().mark === 'base', 'base mark');
    await t.press(KEY.down);
    expect(t.wizard().marks.vda).toEqual({ top: 0, base: 1 });
    expect(t.frame()).toMatch(/base B▸ web-01\.qcow2/);

    // options: keep the overlay, a bandwidth, and the disk choice
    await t.press(KEY.tab, () => t.wizard().field === 'end', 'end field');
    await t.press(KEY.right, (fr) => fr.includes('[keep the overlay]'), 'keep overlay');
    await t.press(KEY.tab, () => t.wizard().field === 'bandwidth', 'bandwidth');
    await t.press(KEY.right + KEY.right, (fr) => fr.includes('[10] 50'), 'bandwidth 10');
    await t.press(KEY.tab + KEY.tab, () => t.wizard().field === 'delete', 'delete field');
    expect(t.frame()).toContain('[x] forget the metadata');
    expect(t.frame()).toContain('[ ] delete the files');

    // pre-flight: the engine's plan, refused on this driver, Cancel focused
    await t.press('\r', () => t.wizard().stage === 'preflight', 'pre-flight');
    f = t.frame();
    expect(f).toContain('Pre-flight: commit (keep-overlay) on web-01 vda, at most 10 MiB/s');
    expect(f).toContain('>Cancel');
    expect(f).toMatch(/Refused: this driver cannot run block jobs/);
    const text = planLines(t.wizard().plan!).join('\n');
    expect(text).toContain('--bandwidth=10');
    expect(text).toMatch(/chain after: \/var\/lib\/libvirt\/images\/web-01\.tls-renewal\.qcow2 <- \/var\/lib\/libvirt\/images\/web-01\.qcow2/);
    expect(text).toContain('Refused: this driver cannot run block jobs');
    expect(t.wizard().plan!.kind).toBe('block-commit');
    await t.press(KEY.right, () => t.wizard().focus === 'confirm', 'Proceed focused');
    await t.press('\r', (fr) => fr.includes('refused:'), 'refused hint');
    expect(t.store.getState().mergeRun).toBeNull();
    await t.press(KEY.escape, () => t.wizard().stage === 'setup', 'back to setup');
    await t.press(KEY.escape, () => t.store.getState().merge === null, 'closed');
    for (const shown of t.frames) expectFits(shown);
  });

  it('m on a snapshot that made no layer of the chain: the range starts at the active layer, and the wizard says so', async () => {
    const t = await startApp();
    await openTree(t, 'nginx configured');
    await t.press('m', (fr) => fr.includes('Merge web-01 vda from “nginx configured”'), 'merge wizard');
    expect(t.wizard().marks.vda).toEqual({ top: 0, base: 1 });
    expect(t.frame().replace(/[║\s]+/g, ' ')).toContain("“nginx configured” made no layer of vda's chain: the range starts at the active layer; move the marks to choose");
    await t.press(KEY.escape, () => t.store.getState().merge === null, 'closed');
    for (const shown of t.frames) expectFits(shown);
  });

  it('f flattens: everything below the top by default; all disks at once; the pre-flight lists one job per disk', async () => {
    const t = await startApp();
    await openTree(t, 'tls-renewal');
    await t.press('f', (fr) => fr.includes('Flatten web-01 vda'), 'flatten wizard');
    expect(t.wizard().marks.vda).toEqual({ top: 0, base: 1 });
    expect(t.frame()).toMatch(/base B▸ web-01\.qcow2\s+pulled ↑/);
    expect(t.frame()).toMatch(/top {2}T {2}web-01\.tls-renewal\.qcow2 ← tls-renewal\s+receives the data/);
    await t.press(KEY.up, () => t.wizard().field === 'range');
    expect(t.wizard().marks.vda).toEqual({ top: 0, base: 1 });
    await t.press(KEY.tab + KEY.tab + KEY.tab + KEY.tab, () => t.wizard().field === 'disk', 'disk field');
    await t.press(KEY.right + KEY.right, (fr) => fr.includes('[all (one after the other)]'), 'all disks');
    expect(t.frame()).toContain('vdb: web-01-data.tls-renewal.qcow2 ← web-01-data.qcow2');
    await t.press('\r', () => t.wizard().stage === 'preflight', 'pre-flight');
    const plan = t.wizard().plan!;
    expect(plan.kind).toBe('block-pull-disks');
    // each disk's pull ends with its flush step (the short pause), then the check of its chain
    expect(plan.machine.plan().map((s) => s.id)).toEqual(['vda:start', 'vda:copy', 'vda:flush', 'vda:verify', 'vdb:start', 'vdb:copy', 'vdb:flush', 'vdb:verify']);
    // the base images leave the chains, and no snapshot made them: no metadata goes stale
    expect(planLines(plan).join('\n')).toContain('vdb: unused after: /var/lib/libvirt/images/web-01-data.qcow2 (kept');
    expect(planLines(plan).join('\n')).not.toContain('forget the metadata');
    expect(planLines(plan).join('\n')).toMatch(/one disk after the other/);
    await t.press(KEY.escape, () => t.wizard().stage === "setup", "back");
    await t.press(KEY.escape, () => t.store.getState().merge === null, "closed");
    for (const shown of t.frames) expectFits(shown);
  });

  it('y in the disks view: a block copy with its destination typed; the plan says --transient-job', async () => {
    const t = await startApp();
    await openTree(t, 'tls-renewal');
    await t.press('y', (fr) => fr.includes('open the disks view (d) first'), 'y needs the disks view');
    await t.press('d', (fr) => fr.includes('disks of web-01'), 'disks view');
    await t.press('y', (fr) => fr.includes('Copy web-01 vda: online (block copy)'), 'copy wizard');
    expect(t.wizard().dest).toBe('/var/lib/libvirt/images/web-01-vda.copy.qcow2');
    for (let i = 0; i < '.qcow2'.length; i++) await t.press('\u007f');
    await t.press('-new.qcow2', (fr) => fr.includes('destination: /var/lib/libvirt/images/web-01-vda.copy-new.qcow2'), 'typed');
    await t.press('\r', () => t.wizard().stage === 'preflight', 'pre-flight');
    const text = planLines(t.wizard().plan!).join('\n');
    expect(text).toContain('blockcopy --domain=web-01 --path=vda --dest=/var/lib/libvirt/images/web-01-vda.copy-new.qcow2 --format=qcow2 --transient-job');
    expect(text).toMatch(/domain is not transient/);
    await t.press(KEY.escape, () => t.wizard().stage === "setup", "back");
    await t.press(KEY.escape, () => t.store.getState().merge === null, "closed");
    for (const shown of t.frames) expectFits(shown);
  });
});
