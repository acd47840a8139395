// The engine against a private libvirtd running TCG QEMU guests: what the test driver
// cannot show (real images, qcow2 tags, backing chains, a daemon that outlives virsh).
// Results are checked independently with one-shot virsh and qemu-img.

import { expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import type { Host } from '../../src/engine/host.js';
import { imageChain } from '../../src/engine/qemu-img.js';
import { virshCommands } from '../../src/engine/virsh/commands.js';
import { VirshCommandError, VirshDiedError } from '../../src/engine/virsh/errors.js';
import type { VirshSession } from '../../src/engine/virsh/session.js';
import { describeLab, type Lab } from './lab.js';
import { useLabHost } from './lab-host.js';
import { qcow2Tags } from './qemu-checks.js';

describeLab('engine on real QEMU', () => {
  let lab: Lab;
  let host: Host;
  useLabHost((started, connected) => {
    lab = started;
    host = connected;
  });

  it('lists domains with uuid, state and reason', async () => {
    const running = await lab.newDomain();
    const off = await lab.newDomain({ running: false });
    const domains = await host.listDomains();
    const byName = new Map(domains.map((d) => [d.name, d]));
    expect(byName.get(running.name)!.state).toEqual({ state: 'running', reason: 'booted' });
    expect(byName.get(running.name)!.id).toBeGreaterThan(0);
    expect(byName.get(off.name)!.state.state).toBe('shut off');
    expect(byName.get(off.name)!.id).toBeNull();
    const uuid = (await lab.virsh('domuuid', running.name)).stdout.trim();
    expect(byName.get(running.name)!.uuid).toBe(uuid);
    expect(byName.get(running.name)!.persistent).toBe(true);
  });

  it('creates, lists and deletes an internal snapshot named `a b <&> ü`', async () => {
    const { name, disks } = await lab.newDomain();
    const snap = 'a b <&> ü';
    await host.createSnapshotAs(name, { name: snap, description: 'odd <&> "name"' });
    const listed = await host.listSnapshots(name);
    expect(listed).toEqual([
      { name: snap, parent: null, state: 'running', creationTime: expect.any(Number), current: true, location: 'internal' },
    ]);
    // independent checks: libvirt's own listing and the qcow2 tag in both images
    expect((await lab.virsh('snapshot-list', name, '--name')).stdout.trim()).toBe(snap);
    expect(await qcow2Tags(disks.vda)).toEqual([snap]);
    expect(await qcow2Tags(disks.vdb)).toEqual([snap]);
    const { detail } = await host.snapshot(name, snap);
    expect(detail).toMatchObject({ name: snap, description: 'odd <&> "name"', state: 'running', location: 'internal' });
    expect(detail.memory.mode).toBe('internal');

    await host.deleteSnapshot(name, snap);
    expect(await host.listSnapshots(name)).toEqual([]);
    expect((await lab.virsh('snapshot-list', name, '--name')).stdout.trim()).toBe('');
    expect(await qcow2Tags(disks.vda)).toEqual([]);
  });

  it('refreshes domains with 0, 1 and 200 snapshots at a constant command count', async () => {
    // Shut off: libvirt takes internal snapshots with qemu-img, the fastest way to make 200.
    const { name, disks } = await lab.newDomain({ running: false });
    const log = host.runner.log;
    const commandsFor = async (fn: () => Promise<unknown>) => {
      const mark = log.lastSeq();
      await fn();
      return log.since(mark).map((e) => e.args[0]);
    };
    // the four questions go at once, before anyone knows there are none
    expect(await commandsFor(() => host.forest(name))).toEqual(['snapshot-list', 'snapshot-list', 'snapshot-list', 'snapshot-current']);
    await host.createSnapshotAs(name, { name: 'first' });
    expect(await commandsFor(() => host.forest(name))).toHaveLength(4);
    for (let i = 1; i < 200; i++) await host.createSnapshotAs(name, { name: `s${String(i).padStart(3, '0')}` });
    let count = 0;
    const commands = await commandsFor(async () => {
      count = (await host.forest(name)).count;
    });
    expect(commands).toEqual(['snapshot-list', 'snapshot-list', 'snapshot-list', 'snapshot-current']);
    expect(count).toBe(200);
    expect((await lab.virsh('snapshot-list', name, '--name')).stdout.trim().split('\n')).toHaveLength(200);
    expect(await qcow2Tags(disks.vda)).toHaveLength(200);
  });

  it("gives libvirt's own message for an unknown snapshot", async () => {
    const { name } = await lab.newDomain({ running: false });
    const error = await host.snapshot(name, 'nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VirshCommandError);
    expect((error as VirshCommandError).libvirtMessage).toBe(
      "Domain snapshot not found: no domain snapshot with matching name 'nope'",
    );
    expect((error as VirshCommandError).code).toBe('no-snapshot');
  });

  it('reads backing chains from the live XML, matching qemu-img', async () => {
    const { name, disks } = await lab.newDomain();
    const overlay = `${lab.dir}/img/${name}-vda.ext1.qcow2`;
    await host.createSnapshotAs(name, {
      name: 'ext1',
      diskOnly: true,
      atomic: true,
      diskspecs: [`vda,snapshot=external,file=${overlay}`, 'vdb,snapshot=no'],
    });
    const [vda, vdb] = await host.disks(name);
    expect(vda!.target).toBe('vda');
    expect(vda!.chain.map((l) => l.source)).toEqual([overlay, disks.vda]);
    expect(vda!.chain.map((l) => l.format)).toEqual(['qcow2', 'qcow2']);
    expect(vdb!.chain.map((l) => l.source)).toEqual([disks.vdb]);
    const images = await imageChain(overlay);
    expect(images.map((i) => i.filename)).toEqual([overlay, disks.vda]);
    expect(images[0]!.backingFilename).toBe(disks.vda);
    const [summary] = await host.listSnapshots(name);
    expect(summary).toMatchObject({ name: 'ext1', location: 'external', state: 'disk-snapshot', current: true });
  });

  it('recovers when the virsh process is killed mid-command, and the daemon keeps its state', async () => {
    const { name } = await lab.newDomain({ running: false });
    await host.createSnapshotAs(name, { name: 'kept' });
    const session = host.runner as VirshSession;
    const blocking = host.run(virshCommands.waitForEvents(30));
    await new Promise((r) => setTimeout(r, 300));
    const pid = session.pid!;
    process.kill(pid, 'SIGKILL');
    expect(await blocking.catch((e: unknown) => e)).toBeInstanceOf(VirshDiedError);
    const after = await host.listSnapshots(name);
    expect(after.map((s) => s.name)).toEqual(['kept']);
    expect(session.pid).not.toBe(pid);
  });
});

describeLab('disk report on real QEMU', () => {
  let lab: Lab;
  let host: Host;
  useLabHost((started, connected) => {
    lab = started;
    host = connected;
  });

  it('shows each layer with its allocation and the snapshot that created it, and flags orphans', async () => {
    const { name, disks } = await lab.newDomain();
    const overlay = `${lab.dir}/img/${name}-vda.x1.qcow2`;
    await host.createSnapshotAs(name, { name: 'x1', diskOnly: true, diskspecs: [`vda,file=${overlay}`, 'vdb,snapshot=no'] });
    let [vda, vdb] = await host.diskReport(name, existsSync);
    expect(vda!.layers.map((l) => [l.source, l.createdBy, l.unreferenced, l.missing])).toEqual([
      [overlay, ['x1'], false, false],
      [disks.vda, [], false, false],
    ]);
    expect(vda!.layers[0]!.capacity).toBe(128 * 1024 * 1024);
    expect(vda!.layers.every((l) => typeof l.allocation === 'number')).toBe(true);
    expect(vdb!.layers.map((l) => l.source)).toEqual([disks.vdb]);

    // libvirt forgets the snapshot but the overlay stays in the chain: nothing refers to it now
    expect((await lab.virsh('snapshot-delete', name, 'x1', '--metadata')).exitCode).toBe(0);
    [vda] = await host.diskReport(name, existsSync);
    expect(vda!.layers[0]).toMatchObject({ source: overlay, createdBy: [], unreferenced: true });
  });
});
