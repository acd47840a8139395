// Delete flows on real QEMU (revert: revert-*.test.ts): the plan is what runs, and the result is checked
// with libvirt and qemu-img directly.

import { expect, it } from 'vitest';
import type { Host } from '../../src/engine/host.js';
import { planDelete } from '../../src/engine/flows/delete.js';
import { describeLab, type Lab } from './lab.js';
import { useLabHost } from './lab-host.js';
import { qcow2Tags } from './qemu-checks.js';

describeLab('delete flows on real QEMU', () => {
  let lab: Lab;
  let host: Host;
  useLabHost((started, connected) => {
    lab = started;
    host = connected;
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
