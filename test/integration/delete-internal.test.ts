// The delete flow on internal snapshots, on real QEMU: each mode (single, --children,
// --children-only, --metadata), checked with one-shot virsh and qemu-img, not with the engine.

import { expect, it } from 'vitest';
import type { Host } from '../../src/engine/host.js';
import { deletePlan, planDelete, type DeleteParams } from '../../src/engine/flows/delete.js';
import { describeLab, type Lab } from './lab.js';
import { useLabHost } from './lab-host.js';
import { qcow2Tags, snapshotNames, snapshotParents } from './qemu-checks.js';

describeLab('delete: internal snapshots on real QEMU', () => {
  let lab: Lab;
  let host: Host;
  useLabHost((started, connected) => {
    lab = started;
    host = connected;
  });

  const parents = (domain: string) => snapshotParents(lab, domain);

  const current = async (domain: string) => (await lab.virsh('snapshot-current', domain, '--name')).stdout.trim();

  async function chainOf(domain: string, names: string[]): Promise<void> {
    for (const name of names) await host.createSnapshotAs(domain, { name });
  }

  it('single: the snapshot goes, its children move up to its parent, the current mark stays', async () => {
    const { name, disks } = await lab.newDomain({ running: false });
    await chainOf(name, ['a', 'b', 'c']);
    const plan = await planDelete(host, { domain: name, snapshot: 'b' });
    expect(plan.refusal).toBeNull();
    expect(plan.machine.plan().map((s) => s.id)).toEqual(['delete:b']);
    expect(plan.machine.plan()[0]!.commands[0]!.args).toEqual(['snapshot-delete', `--domain=${name}`, '--snapshotname=b']);
    expect(plan.consequences.join(' ')).toMatch(/children \(“c”\) move up to “a”/);
    expect(plan.confirmation).toEqual({ kind: 'type-name', text: 'b' });
    expect((await plan.machine.run(plan.context)).status).toBe('done');
    expect(await parents(name)).toEqual({ a: null, c: 'a' });
    expect(await qcow2Tags(disks.vda)).toEqual(['a', 'c']);
    expect(await qcow2Tags(disks.vdb)).toEqual(['a', 'c']);
    expect(await current(name)).toBe('c');
  });

  it('--children: the snapshot and its descendants, leaves first; the current mark moves to the parent', async () => {
    const { name, disks } = await lab.newDomain({ running: false });
    await chainOf(name, ['a', 'b', 'c']);
    await lab.virsh('snapshot-current', name, 'b');
    await host.createSnapshotAs(name, { name: 'd' }); // b → {c, d}
    const plan = await planDelete(host, { domain: name, snapshot: 'b', scope: 'children' });
    expect(plan.machine.plan().map((s) => s.id)).toEqual(['delete:c', 'delete:d', 'delete:b']);
    expect(plan.consequences.join(' ')).toMatch(/“d” is deleted; “a” becomes current/);
    // What the journal records rebuilds the same steps (resume, rollback).
    const rebuilt = deletePlan(host, JSON.parse(JSON.stringify(plan.params)) as DeleteParams);
    expect(rebuilt.machine.plan()).toEqual(plan.machine.plan());
    expect((await plan.machine.run(plan.context)).status).toBe('done');
    expect(await snapshotNames(lab, name)).toEqual(['a']);
    expect(await qcow2Tags(disks.vda)).toEqual(['a']);
    expect(await current(name)).toBe('a');
  });

  it('--children-only: the descendants go, the snapshot stays and becomes current', async () => {
    const { name, disks } = await lab.newDomain({ running: false });
    await chainOf(name, ['a', 'b', 'c', 'd']);
    const plan = await planDelete(host, { domain: name, snapshot: 'b', scope: 'children-only' });
    expect(plan.machine.plan().map((s) => s.id)).toEqual(['delete:d', 'delete:c']);
    expect(plan.title).toMatch(/the 2 descendants of “b”/);
    expect((await plan.machine.run(plan.context)).status).toBe('done');
    expect(await parents(name)).toEqual({ a: null, b: 'a' });
    expect(await qcow2Tags(disks.vda)).toEqual(['a', 'b']);
    expect(await current(name)).toBe('b');
  });

  it('--metadata: libvirt forgets it, the qcow2 tag stays, the children keep their data and move up', async () => {
    const { name, disks } = await lab.newDomain({ running: false });
    await chainOf(name, ['a', 'b', 'c']);
    const plan = await planDelete(host, { domain: name, snapshot: 'b', metadataOnly: true });
    const [step] = plan.machine.plan();
    expect(step!.id).toBe('forget:b');
    expect(step!.commands[0]!.args).toEqual(['snapshot-delete', `--domain=${name}`, '--snapshotname=b', '--metadata']);
    expect(step!.commands[1]!.args[0]).toBe('snapshot-create');
    expect(step!.undo?.title).toMatch(/redefine “b”/);
    expect((await plan.machine.run(plan.context)).status).toBe('done');
    expect(await parents(name)).toEqual({ a: null, c: 'a' });
    expect(await qcow2Tags(disks.vda)).toEqual(['a', 'b', 'c']);
    expect(await current(name)).toBe('c');
  });

  it('rolls a metadata delete back: the snapshot and its children are redefined as they were', async () => {
    const { name } = await lab.newDomain({ running: false });
    await chainOf(name, ['a', 'b', 'c']);
    const plan = await planDelete(host, { domain: name, snapshot: 'b', metadataOnly: true });
    expect((await plan.machine.run(plan.context)).status).toBe('done');
    expect(await parents(name)).toEqual({ a: null, c: 'a' });
    const replay = deletePlan(host, plan.params as DeleteParams);
    const undone = await replay.machine.rollback(replay.context, new Set(['forget:b']));
    expect(undone.status).toBe('rolled-back');
    expect(await parents(name)).toEqual({ a: null, b: 'a', c: 'b' });
    expect(await current(name)).toBe('c');
  });

  it('refuses an internal snapshot of a running domain whose image is no longer the active one, and says why', async () => {
    const { name } = await lab.newDomain({ running: false });
    await host.createSnapshotAs(name, { name: 'i1' });
    expect((await lab.virsh('start', name)).exitCode).toBe(0);
    const overlay = `${lab.dir}/img/${name}-vda.x1.qcow2`;
    const r = await lab.virsh('snapshot-create-as', name, 'x1', '--disk-only', '--diskspec', `vda,snapshot=external,file=${overlay}`, '--diskspec', 'vdb,snapshot=no');
    expect(r.exitCode).toBe(0);
    const plan = await planDelete(host, { domain: name, snapshot: 'i1' });
    expect(plan.refusal).toMatch(/disk image 'vda' for internal snapshot 'i1' is not the same as disk image currently used by VM/);
    expect(plan.refusal).toMatch(/--metadata/);
    // libvirt itself refuses it the same way
    const native = await lab.virsh('snapshot-delete', name, 'i1');
    expect(native.exitCode).toBe(1);
    expect(native.stderr).toMatch(/is not the same as disk image currently used by VM/);
    // Off, libvirt removes the tag from the backing image with qemu-img: the plan lets it.
    expect((await lab.virsh('destroy', name)).exitCode).toBe(0);
    const off = await planDelete(host, { domain: name, snapshot: 'i1' });
    expect(off.refusal).toBeNull();
    expect((await off.machine.run(off.context)).status).toBe('done');
    expect(await snapshotNames(lab, name)).toEqual(['x1']);
  });
});
