// Reverting to internal snapshots on real QEMU: each of --running, --paused, --force and none,
// the safety snapshot taken first (and undoing a revert through it), and the traps the plan
// warns about. Data is written with qemu-io before and after the snapshot and read back offline.

import { expect, it } from 'vitest';
import type { Host } from '../../src/engine/host.js';
import { planRevert, type RevertRequest } from '../../src/engine/flows/revert.js';
import { describeLab, type Lab } from './lab.js';
import { useLabHost } from './lab-host.js';
import { externalSnapshot, flushDisk, guestWrite, qcow2Tags, readsPattern, snapshotNames } from './qemu-checks.js';
import { currentSnapshot, domstate, revert, stopDomain } from './revert-checks.js';

describeLab('revert to internal snapshots on real QEMU', () => {
  let lab: Lab;
  let host: Host;
  useLabHost((started, connected) => {
    lab = started;
    host = connected;
  });

  /** A running domain with 0x11 at 0 in snapshot “one”, then 0x22 written over it. */
  async function prepared() {
    const domain = await lab.newDomain();
    await guestWrite(lab, domain.name, '0x11', '0', '1M');
    expect((await lab.virsh('snapshot-create-as', domain.name, 'one')).exitCode).toBe(0);
    await guestWrite(lab, domain.name, '0x22', '0', '1M');
    await flushDisk(lab, domain.name);
    return domain;
  }

  const cases: { flag: string; request: Partial<RevertRequest>; state: string }[] = [
    { flag: 'no flag', request: {}, state: 'running (from snapshot)' },
    { flag: '--running', request: { after: 'running' }, state: 'running (from snapshot)' },
    { flag: '--paused', request: { after: 'paused' }, state: 'paused (from snapshot)' },
    { flag: '--force', request: { force: true }, state: 'running (from snapshot)' },
  ];
  for (const c of cases) {
    it(`reverts with ${c.flag}: the snapshot's data is back and the domain ends as asked`, async () => {
      const { name, disks } = await prepared();
      const plan = await planRevert(host, { domain: name, snapshot: 'one', ...c.request });
      const params = plan.params as import('../../src/engine/flows/revert.js').RevertParams;
      expect(params.method).toBe('internal');
      expect(params.safety?.kind).toBe('internal');
      const steps = plan.machine.plan();
      expect(steps.map((s) => s.id)).toEqual(['safety-snapshot', 'revert']);
      const revertArgs = steps[1]!.commands[0]!.args;
      expect(revertArgs.includes('--running')).toBe(c.request.after === 'running');
      expect(revertArgs.includes('--paused')).toBe(c.request.after === 'paused');
      expect(revertArgs.includes('--force')).toBe(c.request.force === true);
      expect(steps[0]!.commands[0]!.args).toContain('--halt');
      expect(plan.consequences.join(' ')).toContain(`ends ${c.state.split(' ')[0]}`);
      expect(plan.downtime).toMatch(/stops the guest/);

      const ran = await revert(host, { domain: name, snapshot: 'one', ...c.request });
      expect(await domstate(lab, name)).toBe(c.state);
      expect(await currentSnapshot(lab, name)).toBe('one');
      const safety = ran.safety!.name;
      expect(safety).toMatch(/^pre-revert-\d{8}T\d{6}Z$/);
      expect(await snapshotNames(lab, name)).toEqual(['one', safety].sort());
      expect((await qcow2Tags(disks.vda)).sort()).toEqual(['one', safety].sort());
      await stopDomain(lab, name);
      expect(await readsPattern(disks.vda, '0x11', '0', '1M')).toBe(true);
    });
  }

  it('undoes a revert by reverting to its safety snapshot with the same flow', async () => {
    const { name, disks } = await prepared();
    const first = await revert(host, { domain: name, snapshot: 'one' });
    const safety = first.safety!.name;
    await stopDomain(lab, name);
    expect(await readsPattern(disks.vda, '0x11', '0', '1M')).toBe(true);
    expect((await lab.virsh('start', name)).exitCode).toBe(0);

    await revert(host, { domain: name, snapshot: safety, safetySnapshot: false });
    // The safety snapshot held a running guest: it runs again, with the data written after “one”.
    expect(await domstate(lab, name)).toBe('running (from snapshot)');
    expect(await currentSnapshot(lab, name)).toBe(safety);
    await stopDomain(lab, name);
    expect(await readsPattern(disks.vda, '0x22', '0', '1M')).toBe(true);
  });

  it('without a safety snapshot nothing is kept, and a shut-off domain gets an offline internal one', async () => {
    const { name } = await prepared();
    const none = await planRevert(host, { domain: name, snapshot: 'one', safetySnapshot: false });
    expect(none.machine.plan().map((s) => s.id)).toEqual(['revert']);
    expect(none.consequences[0]).toMatch(/lost for good/);
    await stopDomain(lab, name);
    const off = await planRevert(host, { domain: name, snapshot: 'one' });
    const params = off.params as import('../../src/engine/flows/revert.js').RevertParams;
    expect(params.safety?.kind).toBe('internal');
    expect(params.safety?.halts).toBe(false);
    expect(off.machine.plan()[0]!.commands[0]!.args).not.toContain('--halt');
    expect(off.downtime).toMatch(/^none/);
  });

  it('warns about a renamed internal snapshot: its qcow2 tag no longer matches', async () => {
    const { name, disks } = await prepared();
    // Rename as virsh's snapshot-edit does: redefine under the new name, forget the old one.
    const xml = (await lab.virsh('snapshot-dumpxml', name, 'one')).stdout.replace('<name>one</name>', '<name>renamed</name>');
    const file = `${lab.dir}/renamed-${name}.xml`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, xml);
    expect((await lab.virsh('snapshot-create', name, file, '--redefine')).exitCode).toBe(0);
    expect((await lab.virsh('snapshot-delete', name, 'one', '--metadata')).exitCode).toBe(0);
    expect(await qcow2Tags(disks.vda)).toEqual(['one']);
    const plan = await planRevert(host, { domain: name, snapshot: 'renamed', safetySnapshot: false });
    expect(plan.warnings.join('\n')).toMatch(new RegExp(`${disks.vda.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(vda\\) holds no qcow2 tag named “renamed” \\(its tags: “one”\\)`));
  });

  it('warns that an internal revert drops the external overlays the disks run on', async () => {
    const { name } = await prepared();
    const overlay = await externalSnapshot(lab, name, 'x1');
    const plan = await planRevert(host, { domain: name, snapshot: 'one' });
    expect(plan.warnings.join('\n')).toMatch(/vda runs on external overlays/);
    // vdb still runs on the image holding “one”, which the revert writes again: an external
    // safety snapshot's point in time for vdb would be that image, so it must be internal.
    const params = plan.params as import('../../src/engine/flows/revert.js').RevertParams;
    expect(params.safety?.kind).toBe('internal');
    expect(overlay).toContain('x1');
  });
  it('refuses an internal revert while the domain has checkpoints (QEMU would fail it and leave the domain shut off)', async () => {
    const { name } = await lab.newDomain();
    expect((await lab.virsh('snapshot-create-as', name, 'i1')).exitCode).toBe(0);
    expect((await lab.virsh('checkpoint-create-as', name, 'cp1')).exitCode).toBe(0);
    const plan = await planRevert(host, { domain: name, snapshot: 'i1' });
    expect(plan.refusal).toMatch(/has checkpoints \(cp1\).*dirty bitmaps/);
    expect(await domstate(lab, name)).toMatch(/^running/);
    // once the checkpoint is gone, the same revert is planned
    expect((await lab.virsh('checkpoint-delete', name, 'cp1')).exitCode).toBe(0);
    expect((await planRevert(host, { domain: name, snapshot: 'i1' })).refusal).toBeNull();
  });
});
