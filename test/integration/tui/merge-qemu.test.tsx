// The merge and flatten wizards on real QEMU, driven through the TUI's keys (ink-testing-library):
// an active commit with pivot, an intermediate commit, a pull, an offline merge of a shut-off
// domain, and an abort. Each is checked independently: data patterns read offline with qemu-io,
// `qemu-img info --backing-chain`, domblklist and snapshot-list through one-shot virsh.

import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { renderApp } from './render-app.js';
import { openHost } from '../../../src/engine/connect.js';
import type { Host } from '../../../src/engine/host.js';
import { createAppStore, selectedSnapshotName } from '../../../src/store/app-store.js';
import { describeLab, startLab, type Lab } from '../lab.js';
import { chainFiles, externalSnapshot, flushDisk, guestWrite, readsPattern, snapshotNames, vdaSource } from '../qemu-checks.js';
import { until, expectFits } from './wait.js';

const RIGHT = '\u001b[C';

describeLab('merge and flatten wizards on real QEMU (TUI keys)', () => {
  let lab: Lab;
  const hosts: Host[] = [];
  const stores: ReturnType<typeof createAppStore>[] = [];
  beforeAll(async () => {
    lab = await startLab();
  });
  const samplers: NodeJS.Timeout[] = [];
  afterEach(async () => {
    for (const sampler of samplers.splice(0)) clearInterval(sampler);
    for (const store of stores.splice(0)) store.getState().stopFollowingJobs();
    await Promise.all(hosts.splice(0).map((h) => h.close()));
  });
  afterAll(async () => {
    await lab?.stop();
  });

  /** The TUI at 80×24 with `snapshot` of `domain` selected in the tree; every frame is kept. */
  async function startOn(domain: string, snapshot: string) {
    const host = openHost({ uri: lab.uri });
    hosts.push(host);
    const { app, store } = renderApp(host, { columns: 80, rows: 24 });
    stores.push(store);
    const frames: string[] = [];
    const frame = () => {
      const shown = app.lastFrame() ?? '';
      if (frames.at(-1) !== shown) frames.push(shown);
      return shown;
    };
    // the first frame is drawn before the terminal is made 80 columns wide: keep from the resized one
    await until(() => (app.lastFrame() ?? '') !== '' && (app.lastFrame() ?? '').split('\n').every((l) => [...l].length <= 80), 'a frame at 80 columns');
    frames.length = 0;
    // every frame drawn while the test runs, not only those a check happens to look at
    const sampler = setInterval(frame, 40);
    samplers.push(sampler);
    await until(() => (store.getState().domains ?? []).some((d) => d.name === domain) && !store.getState().busy, 'domains', 30_000, frame);
    store.getState().selectByName(domain);
    await until(() => store.getState().forests[domain] !== undefined, `${domain}'s tree`, 30_000, frame);
    store.getState().selectByName(domain, snapshot);
    store.getState().focusSnapshots();
    await until(() => selectedSnapshotName(store.getState()) === snapshot, `${snapshot} selected`, 30_000, frame);
    const press = async (keys: string, check: () => boolean, what: string) => {
      app.stdin.write(keys);
      await until(check, what, 30_000, frame);
    };
    return { app, store, frame, frames, press };
  }

  /** m, f or y, the defaults, Enter to the pre-flight, → Proceed, Enter; then waits for the end. */
  async function runWizard(t: Awaited<ReturnType<typeof startOn>>, key: 'm' | 'f' | 'y', configure?: () => Promise<void>) {
    await t.press(key, () => t.store.getState().merge?.stage === 'setup', 'wizard');
    await configure?.();
    await t.press('\r', () => t.store.getState().merge?.stage === 'preflight', 'pre-flight');
    expect(t.store.getState().merge!.focus).toBe('cancel');
    expect(t.store.getState().merge!.plan!.refusal).toBeNull();
    await t.press(RIGHT, () => t.store.getState().merge?.focus === 'confirm', 'Proceed');
    await t.press('\r', () => t.store.getState().mergeRun !== null, 'started');
    await until(() => t.store.getState().mergeRun === null, 'the flow ended', 120_000, t.frame);
    t.frame();
    return t.store.getState().message?.text ?? '';
  }

  it('m on the snapshot of the active layer: an active commit with pivot; the bar in the jobs panel, the data in the base', async () => {
    const { name, disks } = await lab.newDomain();
    await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x71', '0', '40M');
    const t = await startOn(name, 'e1');
    const percents = new Set<number>();
    const off = t.store.subscribe((s) => {
      for (const job of Object.values(s.jobs)) if (job.domain === name) percents.add(Math.floor(job.percent));
    });
    const said = await runWizard(t, 'm', async () => {
      // 10 MiB/s: the bar moves through several steps
      await t.press('\t\t', () => t.store.getState().merge?.field === 'bandwidth', 'bandwidth');
      await t.press(RIGHT + RIGHT, () => t.store.getState().merge?.bandwidth === 10, '10 MiB/s');
    });
    off();
    expect(said).toMatch(/done$/);
    expect(percents.size).toBeGreaterThanOrEqual(2);
    expect(t.store.getState().jobLog.find((j) => j.domain === name)).toMatchObject({ type: 'active-commit', phase: 'completed', percent: 100 });
    expect(t.frames.some((f) => /block jobs: 1 running/.test(f) && f.includes(`${name} vda active-commit`))).toBe(true);
    expect(await vdaSource(lab, name)).toBe(disks.vda);
    await flushDisk(lab, name);
    expect(await chainFiles(disks.vda)).toEqual([disks.vda]);
    expect(await readsPattern(disks.vda, '0x71', '0', '40M')).toBe(true);
    expect(await snapshotNames(lab, name)).toEqual([]);
    for (const f of t.frames) expectFits(f);
  });

  it('m on a middle snapshot: its layer committed into the one below (intermediate commit); the others stay', async () => {
    const { name, disks } = await lab.newDomain();
    const e1 = await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x11', '0', '8M');
    const e2 = await externalSnapshot(lab, name, 'e2');
    await guestWrite(lab, name, '0x22', '8M', '8M');
    const e3 = await externalSnapshot(lab, name, 'e3');
    await guestWrite(lab, name, '0x33', '16M', '8M');
    const t = await startOn(name, 'e2');
    await t.press('m', () => t.store.getState().merge?.stage === 'setup', 'wizard');
    expect(t.store.getState().merge!.marks.vda).toEqual({ top: 1, base: 2 });
    expect(t.frame()).toMatch(/T▸ vm\d+-vda\.e2\.qcow2 ← e2\s+merged ↓/);
    await t.press('\u001b', () => t.store.getState().merge === null, 'closed');
    const said = await runWizard(t, 'm');
    expect(said).toMatch(/done$/);
    expect(await vdaSource(lab, name)).toBe(e3);
    await flushDisk(lab, name);
    expect(await chainFiles(e3)).toEqual([e3, e1, disks.vda]);
    for (const [pattern, offset] of [['0x11', '0'], ['0x22', '8M'], ['0x33', '16M']] as const) expect(await readsPattern(e3, pattern, offset, '8M')).toBe(true);
    expect(await readsPattern(e1, '0x22', '8M', '8M')).toBe(true);
    expect(await snapshotNames(lab, name)).toEqual(['e1', 'e3']);
    expect(e2).toBeTruthy();
    for (const f of t.frames) expectFits(f);
  });

  it('f: the whole chain pulled into the active layer', async () => {
    const { name, disks } = await lab.newDomain({ fillMiB: 16 });
    const e1 = await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x44', '0', '8M');
    const t = await startOn(name, 'e1');
    const said = await runWizard(t, 'f');
    expect(said).toMatch(/done$/);
    expect(t.store.getState().jobLog.find((j) => j.domain === name)).toMatchObject({ type: 'pull', phase: 'completed' });
    expect(await vdaSource(lab, name)).toBe(e1);
    await flushDisk(lab, name);
    expect(await chainFiles(e1)).toEqual([e1]);
    expect(await readsPattern(e1, '0x44', '0', '8M')).toBe(true);
    expect(await snapshotNames(lab, name)).toEqual(['e1']);
    expect(disks.vda).toBeTruthy();
    for (const f of t.frames) expectFits(f);
  });

  it('m on a shut-off domain: merged offline with qemu-img, defined on the base, the snapshot forgotten', async () => {
    const { name, disks } = await lab.newDomain();
    await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x55', '0', '16M');
    await flushDisk(lab, name);
    expect((await lab.virsh('destroy', name)).exitCode).toBe(0);
    const t = await startOn(name, 'e1');
    const said = await runWizard(t, 'm', async () => {
      expect(t.frame()).toContain(`Merge ${name} vda from “e1”: offline (qemu-img)`);
    });
    expect(said).toMatch(/done$/);
    expect(t.store.getState().jobLog.find((j) => j.domain === name)).toMatchObject({ phase: 'completed', message: 'offline (qemu-img): completed' });
    expect((await lab.virsh('domblklist', name, '--inactive')).stdout).toMatch(new RegExp(`vda\\s+${disks.vda}`));
    expect(await chainFiles(disks.vda)).toEqual([disks.vda]);
    expect(await readsPattern(disks.vda, '0x55', '0', '16M')).toBe(true);
    expect(await snapshotNames(lab, name)).toEqual([]);
    for (const f of t.frames) expectFits(f);
  });

  it('y in the disks view: the running disk copied whole to the proposed file, then the domain pivoted onto it', async () => {
    const { name, disks } = await lab.newDomain({ fillMiB: 16 });
    const e1 = await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x77', '0', '8M');
    const t = await startOn(name, 'e1');
    await t.press('d', () => t.store.getState().view === 'disks', 'disks view');
    let dest = '';
    const said = await runWizard(t, 'y', async () => {
      const wizard = t.store.getState().merge!;
      expect(wizard.kind).toBe('copy');
      dest = wizard.dest;
      expect(t.frame()).toContain(`Copy ${name} vda: online (block copy)`);
    });
    expect(said).toMatch(/done$/);
    expect(dest).toMatch(new RegExp(`/${name}-vda\\.copy\\.qcow2$`));
    expect(t.store.getState().jobLog.find((j) => j.domain === name)).toMatchObject({ type: 'copy', phase: 'completed' });
    // the domain runs on the copy, which holds the whole chain's data on its own
    expect(await vdaSource(lab, name)).toBe(dest);
    await flushDisk(lab, name);
    expect(await chainFiles(dest)).toEqual([dest]);
    expect(await readsPattern(dest, '0x77', '0', '8M')).toBe(true);
    // the old chain is left as it was
    expect(await chainFiles(e1)).toEqual([e1, disks.vda]);
    expect(await readsPattern(e1, '0x77', '0', '8M')).toBe(true);
    // a persistent domain needs a transient job on libvirt 9.0; the copy stays in its definition
    expect((await lab.virsh('domblklist', name, '--inactive')).stdout).toContain(dest);
    for (const f of t.frames) expectFits(f);
  });

  it('a aborts a running merge after its confirmation (Cancel first); the disk stays on its overlay', async () => {
    const { name, disks } = await lab.newDomain();
    const e1 = await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x66', '0', '64M');
    const t = await startOn(name, 'e1');
    await t.press('m', () => t.store.getState().merge?.stage === 'setup', 'wizard');
    await t.press('\t\t', () => t.store.getState().merge?.field === 'bandwidth', 'bandwidth');
    await t.press(RIGHT, () => t.store.getState().merge?.bandwidth === 1, '1 MiB/s');
    await t.press('\r', () => t.store.getState().merge?.stage === 'preflight', 'pre-flight');
    await t.press(RIGHT, () => t.store.getState().merge?.focus === 'confirm', 'Proceed');
    await t.press('\r', () => t.store.getState().mergeRun !== null, 'started');
    await until(() => Object.values(t.store.getState().jobs).some((j) => j.domain === name && j.percent > 0), 'progress', 30_000, t.frame);
    await t.press('a', () => t.store.getState().merge?.stage === 'abort', 'abort question');
    expect(t.frame()).toContain('>Cancel');
    await t.press('\r', () => t.store.getState().merge === null, 'cancelled');
    expect(t.store.getState().mergeRun).not.toBeNull();
    await t.press('a', () => t.store.getState().merge?.stage === 'abort', 'abort question again');
    await t.press(RIGHT, () => t.store.getState().merge?.focus === 'confirm', 'Abort focused');
    await t.press('\r', () => t.store.getState().merge === null, 'abort sent');
    await until(() => t.store.getState().mergeRun === null, 'the flow ended', 60_000, t.frame);
    expect(t.store.getState().message?.text).toMatch(/aborted/);
    expect(await vdaSource(lab, name)).toBe(e1);
    expect((await lab.virsh('blockjob', name, 'vda', '--raw')).stdout.trim()).toBe('');
    expect(await chainFiles(e1)).toEqual([e1, disks.vda]);
    expect(await snapshotNames(lab, name)).toEqual(['e1']);
    for (const f of t.frames) expectFits(f);
  });
});
