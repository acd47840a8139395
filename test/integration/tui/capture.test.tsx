// The capture-state menu (C), the backup form (b) and the checkpoint list (K) on the demo host
// (libvirt's test driver: no backup jobs, imaginary files), at 80×24: every method with its
// trade-offs from engine/capture-methods.ts, the selection in view as it moves, the forms, and
// the engine's plan in the confirmation dialog, refused with the driver's reason said plainly.

import { describe, expect, it } from 'vitest';
import { expectFits, KEY, renderDemoApp, until } from './demo-app.js';
import { CAPTURE_METHODS } from '../../../src/engine/capture-methods.js';
import { planLines } from '../../../src/engine/flows/plan-print.js';
import { CAPTURE_ENTRIES } from '../../../src/store/capture-actions.js';
import { selectedDomain } from '../../../src/store/app-store.js';

async function startApp(domain = 'web-01') {
  const { app, store, frame, frames, press } = await renderDemoApp();
  const sampler = setInterval(frame, 30);
  await until(() => (store.getState().domains ?? []).length > 0 && !store.getState().busy, 'domains');
  store.getState().selectByName(domain);
  await until(() => selectedDomain(store.getState())?.name === domain, domain);
  frames.length = 0;
  return { app, store, frame, frames, press, stop: () => clearInterval(sampler) };
}

describe('capture state at 80×24 (demo host)', () => {
  it('C lists every method with its trade-offs; the selection stays in view and each row’s details come from the engine table', async () => {
    const t = await startApp();
    await t.press('C', (f) => f.includes('Capture the state of web-01'), 'capture menu');
    expect(t.store.getState().inputMode).toBe('capture');
    let f = t.frame();
    expect(f).toMatch(/method\s+captures\s+running\s+in tree/);
    for (const m of CAPTURE_METHODS) expect(f, m.label).toContain(m.label.slice(0, 30));
    expect(f).toContain('Checkpoints of web-01 (list, delete)');
    for (let i = 0; i < CAPTURE_ENTRIES.length; i++) {
      const id = CAPTURE_ENTRIES[i]!;
      const m = CAPTURE_METHODS.find((x) => x.id === id);
      await t.press('', () => t.store.getState().captureMenu?.index === i, `row ${i}`);
      f = t.frame();
      // the selected row is drawn, marked, and its details follow it
      expect(f).toMatch(new RegExp(`> ${(m ? m.label : 'Checkpoints of web-01').slice(0, 20).replace(/[()]/g, '\\$&')}`));
      expect(f).toContain(`(${i + 1}/${CAPTURE_ENTRIES.length})`);
      if (m) {
        expect(f).toContain(`captures: ${m.captures}`);
        expect(f).toContain(`guest keeps running: ${m.guestKeepsRunning ? 'yes' : 'no'}`);
        expect(f.replace(/\s+/g, ' ')).toContain(`downtime: ${m.downtime.slice(0, 40)}`.replace(/\s+/g, ' '));
        expect(f).toContain(`in the snapshot tree: ${m.inSnapshotTree ? 'yes' : 'no'}`);
      }
      if (i < CAPTURE_ENTRIES.length - 1) t.app.stdin.write(KEY.down);
    }
    // the details scroll when they do not fit (the files line is further down)
    await t.press(KEY.up + KEY.up + KEY.up, () => t.store.getState().captureMenu?.index === CAPTURE_ENTRIES.length - 4, 'push backup row');
    expect(t.frame()).toMatch(/trade-offs 1–\d+ of \d+/);
    await t.press('\u001b[6~', (fr) => fr.includes('test driver (the demo host) has no'), 'details scrolled to the driver note');
    expect(t.store.getState().captureMenu!.scroll).toBeGreaterThan(0);
    // manual storage: the disks you snapshot yourself (none chosen: web-01 has no snapshot='manual' disk), then the plan
    await t.press(KEY.up + KEY.up + '\r', (fr) => fr.includes('Snapshot with manual storage: web-01'), 'manual form');
    expect(t.frame()).toContain('disks you snapshot yourself: ›[ ] vda  [ ] vdb');
    await t.press('\r', (fr) => fr.includes('choose the disks you snapshot with your own storage tools'), 'no disk chosen');
    await t.press(KEY.right + ' ', () => t.store.getState().captureForm?.disks[1]?.chosen === true, 'vdb chosen');
    await t.press('\r', () => t.store.getState().confirm !== null, 'manual plan');
    const manual = t.store.getState().confirm!.plan;
    expect(manual.kind).toBe('manual-snapshot');
    expect(planLines(manual).join('\n')).toMatch(/--diskspec=vdb,snapshot=manual/);
    await t.press(KEY.escape, () => t.store.getState().inputMode === 'capture-form', 'back to the form');
    await t.press(KEY.escape, () => t.store.getState().captureForm === null, 'closed');
    expect(t.store.getState().inputMode).toBe('normal');
    // a snapshot method opens the create form
    await t.press('C', () => t.store.getState().captureMenu !== null, 'menu again');
    await t.press('\r', () => t.store.getState().create !== null, 'create form');
    await t.press(KEY.escape, () => t.store.getState().create === null, 'create closed');
    t.stop();
    for (const shown of t.frames) expectFits(shown);
  });

  it('b: the backup form (directory with the line editor, disks, freeze, format, merge-back rate), then the engine plan refused on this driver; Esc goes back to the form', async () => {
    const t = await startApp();
    await t.press('b', (f) => f.includes('Backup through a temporary snapshot: web-01'), 'backup form');
    const form = () => t.store.getState().captureForm!;
    expect(form().field).toBe('path');
    expect(form().path.text).toMatch(/^\/var\/lib\/libvirt\/images\/web-01-backup-/);
    expect(t.frame()).toContain("libvirt's test driver has no backup jobs");
    // readline editing in the directory field
    await t.press(KEY.ctrlU, () => form().path.text === '', 'cleared');
    await t.press('/srv/bk x', () => form().path.text === '/srv/bk x', 'typed');
    await t.press(KEY.backspace + KEY.backspace, () => form().path.text === '/srv/bk', 'erased');
    expect(t.frame()).toContain('directory: /srv/bk');
    // disks: leave vdb out
    await t.press(KEY.tab, () => form().field === 'disks', 'disks');
    expect(form().disks.map((d) => d.target)).toEqual(['vda', 'vdb']);
    await t.press(KEY.right + ' ', () => form().disks[1]!.chosen === false, 'vdb out');
    expect(t.frame()).toContain('[x] vda ›[ ] vdb');
    await t.press(KEY.tab + KEY.right, () => form().quiesce === 'require', 'quiesce required');
    await t.press(KEY.tab + ' ', () => form().format === 'raw', 'raw');
    expect(t.frame()).toContain('format: qcow2 [raw]');
    // the merge back's rate, as the merge wizard offers it
    await t.press(KEY.tab, () => form().field === 'bandwidth', 'bandwidth');
    expect(t.frame()).toContain('merge back at: [no limit] 1 MiB/s');
    await t.press(KEY.right + KEY.right, () => form().bandwidth === 10, '10 MiB/s');
    expect(t.frame()).toContain('[10 MiB/s]');
    // Enter: the plan, in the confirmation dialog, Cancel focused
    await t.press('\r', () => t.store.getState().confirm !== null, 'plan');
    const dialog = t.store.getState().confirm!;
    expect(dialog.plan.kind).toBe('backup-snapshot');
    expect(dialog.focus).toBe('cancel');
    expect(dialog.plan.refusal).toMatch(/needs the domain on this machine/);
    const text = planLines(dialog.plan).join('\n');
    expect(text).toContain('/srv/bk/vda.raw');
    expect(text).not.toContain('vdb.raw');
    expect(text).toMatch(/snapshot-create-as --domain=web-01 --no-metadata --disk-only --atomic --diskspec=vda,snapshot=external,file=\S+ --diskspec=vdb,snapshot=no/);
    expect(text).toMatch(/blockcommit --domain=web-01 --path=vda --active --bandwidth=10/);
    expect(dialog.plan.consequences).toContain('the writes made during the copy merge back at most 10 MiB/s');
    expect(t.frame()).toContain('Refused:');
    await t.press(KEY.right + '\r', (f) => f.includes('refused:'), 'refused hint');
    await t.press(KEY.escape, () => t.store.getState().confirm === null && t.store.getState().inputMode === 'capture-form', 'back to the form');
    expect(form().path.text).toBe('/srv/bk');
    await t.press(KEY.escape, () => t.store.getState().captureForm === null && t.store.getState().inputMode === 'normal', 'form closed');
    t.stop();
    for (const shown of t.frames) expectFits(shown);
  });

  it('the push backup (incremental needs a checkpoint) and save from the menu show their plans; K lists no checkpoints and D says so', async () => {
    const t = await startApp();
    await t.press('C', () => t.store.getState().captureMenu !== null, 'menu');
    const push = CAPTURE_ENTRIES.indexOf('backup-push');
    for (let i = 0; i < push; i++) t.app.stdin.write(KEY.down);
    await t.press('\r', (f) => f.includes('Backup job with a checkpoint: web-01'), 'push form');
    await t.press(KEY.tab + KEY.right, () => t.store.getState().captureForm?.incremental === true, 'incremental');
    expect(t.frame()).toContain('since: [newest in the directory]');
    await t.press('\r', () => t.store.getState().confirm !== null, 'plan');
    expect(t.store.getState().confirm!.plan.kind).toBe('backup-push');
    expect(t.store.getState().confirm!.plan.refusal).toMatch(/local qemu:\/\/ URI/);
    await t.press(KEY.escape, () => t.store.getState().inputMode === 'capture-form', 'back to the form');
    await t.press(KEY.escape, () => t.store.getState().captureForm === null, 'closed');

    await t.press('C', () => t.store.getState().captureMenu !== null, 'menu');
    const save = CAPTURE_ENTRIES.indexOf('save');
    for (let i = 0; i < save; i++) t.app.stdin.write(KEY.down);
    await t.press('\r', (f) => f.includes('Save the memory to a file: web-01'), 'save form');
    await t.press('\r', () => t.store.getState().confirm !== null, 'save plan');
    expect(t.store.getState().confirm!.plan.kind).toBe('save');
    expect(planLines(t.store.getState().confirm!.plan).join('\n')).toMatch(/ save --domain=web-01 --file=\/var\/lib\/libvirt\/images\/web-01-\S+\.save/);
    await t.press(KEY.escape, () => t.store.getState().inputMode === 'capture-form', 'back to the form');
    await t.press(KEY.escape, () => t.store.getState().captureForm === null, 'closed');

    await t.press('K', (f) => f.includes('web-01 has no checkpoints'), 'checkpoints');
    expect(t.frame()).toMatch(/Checkpoints of web-01: 0 {2}\(snapshots: \d+\)/);
    await t.press('D', () => /has no checkpoint to delete/.test(t.store.getState().message?.text ?? ''), 'nothing to delete');
    await t.press(KEY.escape, () => t.store.getState().checkpointView === null, 'closed');
    t.stop();
    for (const shown of t.frames) expectFits(shown);
  });
});
