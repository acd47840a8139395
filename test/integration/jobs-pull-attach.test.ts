// Block pull, jobs found already running, and non-converging commits on real QEMU guests,
// checked independently with qemu-img (chains), qemu-io (data patterns) and one-shot virsh.

import { expect, it } from 'vitest';
import { openHost } from '../../src/engine/connect.js';
import type { Host } from '../../src/engine/host.js';
import { planBlockCommit, planBlockPull } from '../../src/engine/flows/block-plan.js';
import { runBlockPlan } from '../../src/engine/flows/block-run.js';
import type { BlockJobEvent } from '../../src/engine/jobs/block-job-types.js';
import { JobMonitor } from '../../src/engine/jobs/job-monitor.js';
import { runCollecting } from './block-run.js';
import { describeLab, type Lab } from './lab.js';
import { useLabHost } from './lab-host.js';
import { chainFiles, externalSnapshot, flushDisk, guestWrite, readsPattern, snapshotNames, vdaSource } from './qemu-checks.js';

const MiB = 1024 * 1024;

describeLab('block pull, attaching to running jobs, and a commit that does not converge', () => {
  let lab: Lab;
  let host: Host;
  useLabHost((started, connected) => {
    lab = started;
    host = connected;
  });

  it('pulls the whole chain into the active image; the overlay keeps its snapshot', async () => {
    const { name, disks } = await lab.newDomain({ fillMiB: 32 });
    const overlay = await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x21', '32M', '16M');

    const plan = await planBlockPull(host, { domain: name, disk: 'vda', bandwidthMiB: 8 });
    expect(plan.start.args).toEqual(['blockpull', `--domain=${name}`, '--path=vda', '--bandwidth=8']);
    expect(plan.change.after).toEqual([overlay]);
    expect(plan.change.unused).toEqual([disks.vda]);
    expect(plan.copy!.bytes).toBe(32 * MiB);
    expect(plan.staleSnapshots).toEqual([]);

    const { result, events } = await runCollecting(host, plan);
    expect(result.error).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(events.filter((e) => e.phase === 'running').length).toBeGreaterThanOrEqual(3);
    expect(events.every((e) => e.type === 'pull')).toBe(true);
    expect(events.at(-1)!.phase).toBe('completed');

    expect(await chainFiles(overlay)).toEqual([overlay]);
    expect(await vdaSource(lab, name)).toBe(overlay);
    await flushDisk(lab, name);
    expect(await readsPattern(overlay, '0x5a', '0', '32M')).toBe(true);
    expect(await readsPattern(overlay, '0x21', '32M', '16M')).toBe(true);
    expect(await snapshotNames(lab, name)).toEqual(['e1']);
    // the base left the chain but is never deleted unless asked
    expect(await chainFiles(disks.vda)).toEqual([disks.vda]);
  });

  it('pulls down to a base and forgets the snapshot whose overlay left the chain', async () => {
    const { name, disks } = await lab.newDomain();
    const e1 = await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x11', '0', '8M');
    await externalSnapshot(lab, name, 'e2');
    await guestWrite(lab, name, '0x22', '8M', '12M');
    const e3 = await externalSnapshot(lab, name, 'e3');

    const plan = await planBlockPull(host, { domain: name, disk: 'vda', base: e1, bandwidthMiB: 4 });
    expect(plan.change.after).toEqual([e3, e1, disks.vda]);
    expect(plan.copy!.bytes).toBe(12 * MiB);
    expect(plan.staleSnapshots.map((s) => s.name)).toEqual(['e2']);
    const { result, events } = await runCollecting(host, plan);
    expect(result.error).toBeNull();
    expect(result.forgottenSnapshots).toEqual(['e2']);
    expect(events.filter((e) => e.phase === 'running').length).toBeGreaterThanOrEqual(3);
    expect(await chainFiles(e3)).toEqual([e3, e1, disks.vda]);
    await flushDisk(lab, name);
    expect(await readsPattern(e3, '0x22', '8M', '12M')).toBe(true);
    expect(await readsPattern(e3, '0x11', '0', '8M')).toBe(true);
    expect(await snapshotNames(lab, name)).toEqual(['e1', 'e3']);
  });

  it('finds a pull started with plain virsh and follows it to the end from a fresh connection', async () => {
    const { name, disks } = await lab.newDomain({ fillMiB: 24 });
    const overlay = await externalSnapshot(lab, name, 'e1');
    const started = await lab.virsh('blockpull', name, 'vda', '--bandwidth', '6');
    expect(started.exitCode).toBe(0);

    const fresh = openHost({ uri: lab.uri });
    const monitor = new JobMonitor(fresh);
    try {
      const events: BlockJobEvent[] = [];
      monitor.subscribe((e) => events.push(e));
      const attached = await monitor.attachRunning();
      expect(attached.map((j) => [j.domain, j.disk])).toEqual([[name, 'vda']]);
      const final = await attached[0]!.finished;
      expect(final.phase).toBe('completed');
      expect(events.filter((e) => e.phase === 'running').length).toBeGreaterThanOrEqual(3);
      expect(events.every((e) => e.type === 'pull')).toBe(true);
    } finally {
      monitor.close();
      await fresh.close();
    }
    expect(await chainFiles(overlay)).toEqual([overlay]);
    await flushDisk(lab, name);
    expect(await readsPattern(overlay, '0x5a', '0', '24M')).toBe(true);
    expect(disks.vda).not.toBe(overlay);
  });

  it('follows an active commit started with plain virsh to ready, then pivots it', async () => {
    const { name, disks } = await lab.newDomain();
    await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x4d', '0', '16M');
    expect((await lab.virsh('blockcommit', name, 'vda', '--active', '--bandwidth', '4')).exitCode).toBe(0);

    const monitor = new JobMonitor(host);
    try {
      const [job] = await monitor.attachRunning(name);
      expect(job!.type).toBe('active-commit');
      const ready = await job!.ready();
      expect(ready.phase).toBe('ready');
      await monitor.pivot(name, 'vda');
      expect((await job!.finished).phase).toBe('completed');
    } finally {
      monitor.close();
    }
    expect(await vdaSource(lab, name)).toBe(disks.vda);
    await flushDisk(lab, name);
    expect(await readsPattern(disks.vda, '0x4d', '0', '16M')).toBe(true);
  });

  it('says when an active commit does not converge; raising the bandwidth lets it reach ready', async () => {
    const { name, disks } = await lab.newDomain();
    const overlay = await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x61', '0', '16M');

    const plan = await planBlockCommit(host, { domain: name, disk: 'vda', keepOverlay: true, bandwidthMiB: 1 });
    const monitor = new JobMonitor(host, { progress: { convergenceWindowMs: 4000 } });
    const events: BlockJobEvent[] = [];
    let notConverging: BlockJobEvent | null = null;
    const run = runBlockPlan(host, monitor, plan, {
      onEvent: (e) => {
        events.push(e);
        if (e.converging === false) notConverging ??= e;
      },
    });
    // the guest keeps rewriting the first 2 MiB, already copied, much faster than 1 MiB/s
    const deadline = Date.now() + 60_000;
    while (!notConverging && Date.now() < deadline) await guestWrite(lab, name, '0x62', '0', '2M');
    expect(notConverging).not.toBeNull();
    expect(notConverging!.message).toMatch(/not converging/);
    expect(notConverging!.phase).toBe('running');

    await monitor.setBandwidth(name, 'vda', 0);
    const result = await run.result;
    monitor.close();
    expect(result.error).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(events.map((e) => e.phase)).toContain('ready');
    expect(await vdaSource(lab, name)).toBe(overlay);
    await flushDisk(lab, name);
    expect(await readsPattern(disks.vda, '0x62', '0', '2M')).toBe(true);
    expect(await readsPattern(disks.vda, '0x61', '2M', '14M')).toBe(true);
  });
});
