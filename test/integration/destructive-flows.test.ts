// Revert and delete flows on real QEMU: the plan is what runs, and the result is checked
// with libvirt and qemu-img directly.

import { expect, it } from 'vitest';
import type { Host } from '../../src/engine/host.js';
import { planDelete } from '../../src/engine/flows/delete.js';
import { planRevert } from '../../src/engine/flows/revert.js';
import { describeLab, type Lab } from './lab.js';
import { useLabHost } from './lab-host.js';
import { qcow2Tags } from './qemu-checks.js';

describeLab('revert and delete flows on real QEMU', () => {
  let lab: Lab;
  let host: Host;
  useLabHost((started, connected) => {
    lab = started;
    host = connected;
  });

  it('reverts a running domain to an internal snapshot as planned', async () => {
    const { name } = await lab.newDomain();
    await host.createSnapshotAs(name, { name: 'one' });
    await host.createSnapshotAs(name, { name: 'two' });
    const plan = await planRevert(host, { domain: name, snapshot: 'one', safetySnapshot: false });
    expect(plan.machine.plan()[0]!.commands[0]!.args).toEqual(['snapshot-revert', `--domain=${name}`, '--snapshotname=one']);
    expect(plan.downtime).toMatch(/QEMU is stopped and started again/);
    expect(plan.confirmation).toEqual({ kind: 'choice' });
    const result = await plan.machine.run(plan.context);
    expect(result.status).toBe('done');
    expect((await lab.virsh('snapshot-current', name, '--name')).stdout.trim()).toBe('one');
    expect((await lab.virsh('domstate', name, '--reason')).stdout.trim()).toBe('running (from snapshot)');
  });

  it('an external revert this build cannot do is refused in the plan, before anything runs', async () => {
    const { name } = await lab.newDomain();
    const overlay = `${lab.dir}/img/${name}-vda.e1.qcow2`;
    await host.createSnapshotAs(name, { name: 'e1', diskOnly: true, diskspecs: [`vda,file=${overlay}`, 'vdb,snapshot=no'] });
    const plan = await planRevert(host, { domain: name, snapshot: 'e1' });
    expect(plan.refusal).toMatch(/external snapshot/);
  });

  it('deletes the current internal snapshot: the tag leaves the images and the parent becomes current', async () => {
    const { name, disks } = await lab.newDomain({ running: false });
    await host.createSnapshotAs(name, { name: 'base' });
    await host.createSnapshotAs(name, { name: 'top' });
    const plan = await planDelete(host, { domain: name, snapshot: 'top' });
    expect(plan.confirmation).toEqual({ kind: 'type-name', text: 'top' });
    expect(plan.consequences.join(' ')).toMatch(/parent becomes current/);
    expect((await plan.machine.run(plan.context)).status).toBe('done');
    expect(await qcow2Tags(disks.vda)).toEqual(['base']);
    expect((await lab.virsh('snapshot-current', name, '--name')).stdout.trim()).toBe('base');
  });

  it('deletes a snapshot with its descendants', async () => {
    const { name, disks } = await lab.newDomain({ running: false });
    for (const snap of ['a', 'b', 'c']) await host.createSnapshotAs(name, { name: snap });
    const plan = await planDelete(host, { domain: name, snapshot: 'b', scope: 'children' });
    expect(plan.machine.plan().map((s) => s.id)).toEqual(['delete:c', 'delete:b']);
    expect((await plan.machine.run(plan.context)).status).toBe('done');
    expect((await lab.virsh('snapshot-list', name, '--name')).stdout.trim()).toBe('a');
    expect(await qcow2Tags(disks.vda)).toEqual(['a']);
  });
});
