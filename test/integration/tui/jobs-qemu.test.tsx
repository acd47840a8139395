// The TUI's jobs panel on real QEMU: jobs started with plain virsh are found and followed,
// an active commit is pivoted with `p` once ready, a pull is aborted through its confirmation.

import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { renderApp } from './render-app.js';
import { openHost } from '../../../src/engine/connect.js';
import type { Host } from '../../../src/engine/host.js';
import { createAppStore, selectedDomain } from '../../../src/store/app-store.js';
import { describeLab, startLab, type Lab } from '../lab.js';
import { chainFiles, externalSnapshot, guestWrite } from '../qemu-checks.js';
import { until } from './wait.js';

describeLab('TUI jobs panel on real QEMU', () => {
  let lab: Lab;
  const hosts: Host[] = [];
  const stores: ReturnType<typeof createAppStore>[] = [];
  beforeAll(async () => {
    lab = await startLab();
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) store.getState().stopFollowingJobs();
    await Promise.all(hosts.splice(0).map((h) => h.close()));
  });
  afterAll(async () => {
    await lab?.stop();
  });

  // QEMU's throttled mirror copies 16 MiB at a time: 80 MiB gives five visible steps.
  async function overlayWithData(domain: string, writeMiB = 80): Promise<string> {
    const overlay = await externalSnapshot(lab, domain, 'top');
    if (writeMiB > 0) await guestWrite(lab, domain, '0x3c', '0', `${writeMiB}M`);
    return overlay;
  }

  function startApp() {
    const host = openHost({ uri: lab.uri });
    hosts.push(host);
    const { app, store } = renderApp(host);
    stores.push(store);
    // On a timeout the frame is printed with the last virsh commands, to show where it stands.
    const frame = () =>
      `${app.lastFrame() ?? ''}\n${host.runner.log
        .list()
        .slice(-8)
        .map((e) => `${e.outcome} ${e.durationMs?.toFixed(0) ?? '…'}ms ${e.args.join(' ')}`)
        .join('\n')}`;
    return { app, store, frame };
  }

  it('finds an active commit started with plain virsh, shows its progress, and pivots it with p once ready', async () => {
    const { name, disks } = await lab.newDomain();
    const overlay = await overlayWithData(name);
    const { app, store, frame } = startApp();
    await until(() => frame().includes(`${name} running`), 'domains listed', 30_000, frame);
    // started outside virtsnap while the TUI runs; a refresh finds it
    // slow until the TUI has found it (a loaded machine may take seconds to refresh), then faster
    const started = await lab.virsh('blockcommit', name, 'vda', '--active', '--bandwidth', '1');
    expect(started.exitCode).toBe(0);
    app.stdin.write('r');
    await until(() => Object.keys(store.getState().jobs).length === 1, 'the job attached', 30_000, frame);
    await until(() => /block jobs: 1 running/.test(frame()) && frame().includes(`${name} vda active-commit`), 'jobs panel', 10_000, frame);
    expect((await lab.virsh('blockjob', name, 'vda', '--bandwidth', '10')).exitCode).toBe(0);
    const percents = new Set<number>();
    await until(
      () => {
        const job = Object.values(store.getState().jobs)[0];
        if (job) percents.add(Math.round(job.percent));
        return job?.phase === 'ready';
      },
      'ready',
      60_000,
      frame,
    );
    expect(percents.size).toBeGreaterThanOrEqual(3);
    await until(() => frame().includes('ready: p pivots'), 'ready shown', 5_000, frame);
    app.stdin.write('p');
    await until(() => store.getState().jobLog.some((j) => j.phase === 'completed'), 'completed', 30_000, frame);
    expect(await chainFiles(disks.vda)).toEqual([disks.vda]);
    expect((await lab.virsh('domblklist', name)).stdout).toContain(disks.vda);
    expect((await lab.virsh('domblklist', name)).stdout).not.toContain(overlay);
  });

  it('aborts a pull through the confirmation, whose default is Cancel', async () => {
    // a pull copies what the base holds into the overlay: give the base data to copy
    const { name } = await lab.newDomain({ fillMiB: 64 });
    // nothing written on top: the whole 64 MiB of the base is left to pull
    const overlay = await overlayWithData(name, 0);
    expect((await lab.virsh('blockpull', name, 'vda', '--bandwidth', '2')).exitCode).toBe(0);
    const { app, store, frame } = startApp();
    await until(() => Object.values(store.getState().jobs).some((j) => j.domain === name), 'the job attached', 30_000, frame);
    // the keys act on the selected domain's job
    while (selectedDomain(store.getState())?.name !== name) {
      app.stdin.write('j');
      await new Promise((r) => setTimeout(r, 100));
    }
    app.stdin.write('a');
    await until(() => store.getState().confirm !== null, 'abort dialog', 5_000, frame);
    expect(frame()).toContain('Abort the pull');
    app.stdin.write('\r');
    await until(() => store.getState().confirm === null, 'cancelled', 5_000, frame);
    expect(Object.values(store.getState().jobs).find((j) => j.domain === name)!.phase).toBe('running');
    app.stdin.write('a');
    await until(() => store.getState().confirm !== null, 'abort dialog again', 5_000, frame);
    app.stdin.write('\u001b[C');
    await until(() => store.getState().confirm?.focus === 'confirm', 'Proceed focused', 5_000, frame);
    app.stdin.write('\r');
    await until(() => store.getState().jobLog.some((j) => j.phase === 'aborted'), 'aborted', 30_000, frame);
    expect((await lab.virsh('blockjob', name, 'vda', '--raw')).stdout.trim()).toBe('');
    expect((await chainFiles(overlay)).length).toBe(2);
  });
});
