// The delete flow on external snapshots on real QEMU (libvirt 9.0): where libvirt merges the
// overlay itself, where it refuses and virtsnap forgets the metadata instead, and --children over
// a mixed tree. Data patterns written into the guest between snapshots are read back offline
// through each snapshot's own chain; the tree, chains and files are checked with one-shot virsh
// and qemu-img.

import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import type { Host } from '../../src/engine/host.js';
import { planDelete } from '../../src/engine/flows/delete.js';
import { describeLab, type Lab } from './lab.js';
import { useLabHost } from './lab-host.js';
import { chainFiles, externalSnapshot, flushDisk, guestWrite, qcow2Tags, readsPattern, snapshotNames, vdaSource, snapshotParents } from './qemu-checks.js';

const MiB = (n: number) => `${n}M`;

describeLab('delete: external snapshots on real QEMU', () => {
  let lab: Lab;
  let host: Host;
  useLabHost((started, connected) => {
    lab = started;
    host = connected;
  });

  const parents = (domain: string) => snapshotParents(lab, domain);

  /** The vda source a snapshot's embedded <domain> records: the file holding its state. */
  async function recordedState(domain: string, snapshot: string): Promise<string> {
    const { stdout } = await lab.virsh('snapshot-dumpxml', domain, snapshot);
    const domainPart = stdout.slice(stdout.indexOf('<domain '));
    return /<disk[^>]*>[\s\S]*?<source file='([^']+)'[\s\S]*?<target dev='vda'/.exec(domainPart)?.[1] ?? '';
  }

  /** Pattern `p` (one MiB) at MiB offset `at`, as guest writes. */
  const write = (domain: string, p: string, at: number) => guestWrite(lab, domain, p, MiB(at), MiB(1));
  const reads = (image: string, p: string, at: number) => readsPattern(image, p, MiB(at), MiB(1));

  /** i1 (internal) → x1 → x2 (external) on a running domain, 0x11/0x22/0x33 written before x1, x2 and after. */
  async function internalParentChain() {
    const { name, disks } = await lab.newDomain({ running: false });
    await host.createSnapshotAs(name, { name: 'i1' });
    expect((await lab.virsh('start', name)).exitCode).toBe(0);
    await write(name, '0x11', 0);
    const o1 = await externalSnapshot(lab, name, 'x1');
    await write(name, '0x22', 1);
    const o2 = await externalSnapshot(lab, name, 'x2');
    await write(name, '0x33', 2);
    return { name, disks, o1, o2 };
  }

  async function memorySnapshot(domain: string, name: string): Promise<{ overlay: string; memory: string }> {
    const overlay = `${lab.dir}/img/${domain}-vda.${name}.qcow2`;
    const memory = `${lab.dir}/img/${domain}.${name}.mem`;
    const r = await lab.virsh('snapshot-create-as', domain, name, '--memspec', `file=${memory},snapshot=external`, '--diskspec', `vda,snapshot=external,file=${overlay}`, '--diskspec', 'vdb,snapshot=no');
    expect(r.exitCode).toBe(0);
    return { overlay, memory };
  }

  it('single in the active chain: libvirt merges it; the memory file is listed as left behind, and --delete-files removes it', async () => {
    const { name, disks } = await lab.newDomain();
    await write(name, '0x11', 0);
    const m1 = await memorySnapshot(name, 'm1');
    await write(name, '0x22', 1);

    const plan = await planDelete(host, { domain: name, snapshot: 'm1' });
    expect(plan.refusal).toBeNull();
    const steps = plan.machine.plan();
    expect(steps.map((s) => s.id)).toEqual(['delete:m1']);
    expect(steps[0]!.commands[0]!.args).toEqual(['snapshot-delete', `--domain=${name}`, '--snapshotname=m1']);
    expect(steps[0]!.removes).toEqual([m1.overlay]);
    expect(plan.filesLeft).toEqual([m1.memory]);
    expect(plan.consequences.join(' ')).toContain(`libvirt merges ${m1.overlay} into ${disks.vda} (vda)`);
    expect((await plan.machine.run(plan.context)).status).toBe('done');
    expect(await vdaSource(lab, name)).toBe(disks.vda);
    expect(existsSync(m1.overlay)).toBe(false);
    expect(existsSync(m1.memory)).toBe(true); // libvirt 9.0 leaves it
    await flushDisk(lab, name);
    expect(await reads(disks.vda, '0x11', 0)).toBe(true);
    expect(await reads(disks.vda, '0x22', 1)).toBe(true);

    // Again with --delete-files: a step of its own removes the memory file (only that one).
    const m2 = await memorySnapshot(name, 'm2');
    const withFiles = await planDelete(host, { domain: name, snapshot: 'm2', deleteFiles: true });
    expect(withFiles.machine.plan().map((s) => s.id)).toEqual(['delete:m2', 'delete-files']);
    expect(withFiles.machine.plan()[1]!.removes).toEqual([m2.memory]);
    expect((await withFiles.machine.run(withFiles.context)).status).toBe('done');
    expect(existsSync(m2.memory)).toBe(false);
    expect(existsSync(m1.memory)).toBe(true);
    expect(await snapshotNames(lab, name)).toEqual([]);
  });

  it('with a child (x1→x2→x3, delete x2): merged into x1’s overlay, x3 re-attached and recorded on the surviving file, every point still readable', async () => {
    const { name, disks } = await lab.newDomain();
    await write(name, '0x11', 0);
    const o1 = await externalSnapshot(lab, name, 'x1');
    await write(name, '0x22', 1);
    const o2 = await externalSnapshot(lab, name, 'x2');
    await write(name, '0x33', 2);
    const o3 = await externalSnapshot(lab, name, 'x3');
    await write(name, '0x44', 3);
    expect(await recordedState(name, 'x3')).toBe(o2);

    const plan = await planDelete(host, { domain: name, snapshot: 'x2' });
    expect(plan.refusal).toBeNull();
    expect(plan.machine.plan().map((s) => s.id)).toEqual(['delete:x2']);
    expect(plan.consequences.join(' ')).toContain(`libvirt merges ${o2} into ${o1} (vda)`);
    expect(plan.consequences.join(' ')).toMatch(/children \(“x3”\) move up to “x1”/);
    expect((await plan.machine.run(plan.context)).status).toBe('done');

    expect(await parents(name)).toEqual({ x1: null, x3: 'x1' });
    expect(existsSync(o2)).toBe(false);
    expect(await vdaSource(lab, name)).toBe(o3);
    expect(await chainFiles(o3)).toEqual([o3, o1, disks.vda]);
    expect(await recordedState(name, 'x3')).toBe(o1);
    expect(await recordedState(name, 'x1')).toBe(disks.vda);
    await flushDisk(lab, name);
    // x1's point: the base, with only what was written before it
    expect(await reads(disks.vda, '0x11', 0)).toBe(true);
    expect(await reads(disks.vda, '0x00', 1)).toBe(true);
    // x3's point, now in o1: everything up to x3, nothing after
    for (const [p, at] of [['0x11', 0], ['0x22', 1], ['0x33', 2]] as const) expect(await reads(o1, p, at)).toBe(true);
    expect(await reads(o1, '0x00', 3)).toBe(true);
    // the running disk: everything
    for (const [p, at] of [['0x11', 0], ['0x22', 1], ['0x33', 2], ['0x44', 3]] as const) expect(await reads(o3, p, at)).toBe(true);
  });

  it('domain shut off: libvirt 9.0 merges it itself (it starts QEMU paused for the commit)', async () => {
    const { name, disks } = await lab.newDomain();
    await write(name, '0x11', 0);
    const o1 = await externalSnapshot(lab, name, 'x1');
    await write(name, '0x22', 1);
    const o2 = await externalSnapshot(lab, name, 'x2');
    await write(name, '0x33', 2);
    await flushDisk(lab, name);
    expect((await lab.virsh('destroy', name)).exitCode).toBe(0);

    const plan = await planDelete(host, { domain: name, snapshot: 'x1' });
    expect(plan.refusal).toBeNull();
    expect(plan.machine.plan().map((s) => s.id)).toEqual(['delete:x1']);
    expect(plan.downtime).toMatch(/domain is off; libvirt starts QEMU paused/);
    expect((await plan.machine.run(plan.context)).status).toBe('done');

    expect((await lab.virsh('domstate', name)).stdout.trim()).toBe('shut off');
    expect(existsSync(o1)).toBe(false);
    expect(await parents(name)).toEqual({ x2: null });
    expect(await recordedState(name, 'x2')).toBe(disks.vda);
    expect(await chainFiles(o2)).toEqual([o2, disks.vda]);
    expect((await lab.virsh('domblklist', name, '--inactive')).stdout).toContain(o2);
    for (const [p, at] of [['0x11', 0], ['0x22', 1]] as const) expect(await reads(disks.vda, p, at)).toBe(true);
    expect(await reads(disks.vda, '0x00', 2)).toBe(true);
    expect(await reads(o2, '0x33', 2)).toBe(true);
  });

  it('outside the active chain (after a revert to an earlier internal snapshot): libvirt refuses, virtsnap forgets it and removes the orphaned overlay', async () => {
    const { name, disks } = await lab.newDomain({ running: false });
    await host.createSnapshotAs(name, { name: 'i1' });
    expect((await lab.virsh('start', name)).exitCode).toBe(0);
    const o1 = await externalSnapshot(lab, name, 'x1');
    await write(name, '0x22', 1);
    expect((await lab.virsh('snapshot-revert', name, 'i1', '--running')).exitCode).toBe(0);
    expect(await vdaSource(lab, name)).toBe(disks.vda);

    const plan = await planDelete(host, { domain: name, snapshot: 'x1', deleteFiles: true });
    expect(plan.refusal).toBeNull();
    expect(plan.machine.plan().map((s) => s.id)).toEqual(['forget:x1', 'delete-files']);
    expect(plan.warnings.join(' ')).toContain('could not find base disk source in disk source chain');
    expect(plan.filesLeft).toEqual([o1]);

    // libvirt's own delete refuses it, and changes nothing
    const native = await lab.virsh('snapshot-delete', name, 'x1');
    expect(native.exitCode).toBe(1);
    expect(native.stderr).toContain('could not find base disk source in disk source chain');

    expect((await plan.machine.run(plan.context)).status).toBe('done');
    expect(await snapshotNames(lab, name)).toEqual(['i1']);
    expect(existsSync(o1)).toBe(false);
    expect(await qcow2Tags(disks.vda)).toEqual(['i1']);
    expect((await lab.virsh('snapshot-current', name, '--name')).stdout.trim()).toBe('i1');
    expect(await vdaSource(lab, name)).toBe(disks.vda);
  });

  it('with a child under an internal parent (i1 → x1 → x2, delete x1): a block commit merges the middle layer, x2 is redefined on the surviving file', async () => {
    const { name, disks, o1, o2 } = await internalParentChain();
    expect(await recordedState(name, 'x2')).toBe(o1);

    const plan = await planDelete(host, { domain: name, snapshot: 'x1' });
    expect(plan.refusal).toBeNull();
    const steps = plan.machine.plan();
    expect(steps.map((s) => s.id)).toEqual(['merge:x1:vda', 'forget:x1']);
    expect(steps[0]!.commands[0]!.args).toEqual(['blockcommit', `--domain=${name}`, '--path=vda', `--top=${o1}`, `--base=${disks.vda}`]);
    expect(steps[1]!.undo).not.toBeNull();
    expect(plan.filesLeft).toEqual([o1]);
    const result = await plan.machine.run(plan.context);
    expect(result.failedStep?.message ?? null).toBeNull();

    expect(await parents(name)).toEqual({ i1: null, x2: 'i1' });
    expect(await recordedState(name, 'x2')).toBe(disks.vda);
    expect(await chainFiles(o2)).toEqual([o2, disks.vda]);
    expect(existsSync(o1)).toBe(true); // left behind, listed; --delete-files would remove it
    await flushDisk(lab, name);
    // x2's point is now the base: written before x2, not after
    expect(await reads(disks.vda, '0x11', 0)).toBe(true);
    expect(await reads(disks.vda, '0x22', 1)).toBe(true);
    expect(await reads(disks.vda, '0x00', 2)).toBe(true);
    expect(await reads(o2, '0x33', 2)).toBe(true);
    expect(await qcow2Tags(disks.vda)).toEqual(['i1']);
  });

  it('the same with the domain shut off (libvirt refuses, block jobs need it running): qemu-img merges the middle layer, x2 is redefined on the surviving file', async () => {
    const { name, disks, o1, o2 } = await internalParentChain();
    await flushDisk(lab, name);
    expect((await lab.virsh('destroy', name)).exitCode).toBe(0);
    // libvirt itself refuses this delete
    const refused = await lab.virsh('snapshot-delete', name, 'x1');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/internal snapshot as parent not supported/);

    const plan = await planDelete(host, { domain: name, snapshot: 'x1' });
    expect(plan.refusal).toBeNull();
    const steps = plan.machine.plan();
    expect(steps.map((s) => s.id)).toEqual(['merge:x1:vda', 'forget:x1']);
    expect(steps[0]!.commands.map((c) => [c.program, c.args[0]])).toEqual([
      ['qemu-img', 'commit'],
      ['qemu-img', 'rebase'],
    ]);
    expect(plan.filesLeft).toEqual([o1]);
    const result = await plan.machine.run(plan.context);
    expect(result.failedStep?.message ?? null).toBeNull();

    expect(await parents(name)).toEqual({ i1: null, x2: 'i1' });
    expect(await recordedState(name, 'x2')).toBe(disks.vda);
    expect(await chainFiles(o2)).toEqual([o2, disks.vda]);
    expect((await lab.virsh('domstate', name)).stdout.trim()).toBe('shut off');
    expect(await reads(disks.vda, '0x11', 0)).toBe(true);
    expect(await reads(disks.vda, '0x22', 1)).toBe(true);
    expect(await reads(disks.vda, '0x00', 2)).toBe(true);
    expect(await reads(o2, '0x33', 2)).toBe(true);
    expect(await qcow2Tags(disks.vda)).toEqual(['i1']);
    // and the domain starts on the chain libvirt now records, reading every write
    expect((await lab.virsh('start', name)).exitCode).toBe(0);
    expect(await vdaSource(lab, name)).toBe(o2);
  });

  it('a shut-off domain whose top layer is merged away: the definition points at the merged file', async () => {
    const { name, disks } = await lab.newDomain({ running: false });
    await host.createSnapshotAs(name, { name: 'i1' });
    expect((await lab.virsh('start', name)).exitCode).toBe(0);
    await write(name, '0x44', 0);
    const o1 = await externalSnapshot(lab, name, 'x1');
    await write(name, '0x55', 1);
    await flushDisk(lab, name);
    expect((await lab.virsh('destroy', name)).exitCode).toBe(0);

    const plan = await planDelete(host, { domain: name, snapshot: 'x1' });
    expect(plan.refusal).toBeNull();
    expect(plan.machine.plan()[0]!.commands.map((c) => c.args[0])).toEqual(['commit', 'dumpxml', 'define']);
    const result = await plan.machine.run(plan.context);
    expect(result.failedStep?.message ?? null).toBeNull();
    expect(await snapshotNames(lab, name)).toEqual(['i1']);
    expect((await lab.virsh('domblklist', name)).stdout).toMatch(new RegExp(`vda\\s+${disks.vda.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(await reads(disks.vda, '0x44', 0)).toBe(true);
    expect(await reads(disks.vda, '0x55', 1)).toBe(true);
    expect(existsSync(o1)).toBe(true);
    expect((await lab.virsh('start', name)).exitCode).toBe(0);
  });

  it('--children over a mixed tree (i1 → x1 → i2 → x2): leaves first, block jobs where libvirt refuses, and the guest keeps all its data', async () => {
    const { name, disks } = await lab.newDomain();
    await host.createSnapshotAs(name, { name: 'i1' });
    await write(name, '0x11', 0);
    const o1 = await externalSnapshot(lab, name, 'x1');
    await write(name, '0x22', 1);
    await host.createSnapshotAs(name, { name: 'i2' });
    await write(name, '0x33', 2);
    const o2 = await externalSnapshot(lab, name, 'x2');
    await write(name, '0x44', 3);
    expect(await qcow2Tags(o1)).toEqual(['i2']);

    const plan = await planDelete(host, { domain: name, snapshot: 'i1', scope: 'children', deleteFiles: true });
    expect(plan.refusal).toBeNull();
    // libvirt 9.0 deletes the internal ones itself; it refuses an external snapshot whose parent
    // is internal, so those are merged with block jobs, then forgotten.
    expect(plan.machine.plan().map((s) => s.id)).toEqual(['merge:x2:vda', 'forget:x2', 'delete:i2', 'merge:x1:vda', 'forget:x1', 'delete:i1', 'delete-files']);
    expect(plan.warnings.join(' ')).toContain('deletion of external and internal children disk snapshots not supported');
    expect(plan.warnings.join(' ')).toContain('deleting external snapshot that has internal snapshot as parent not supported');
    expect(plan.filesLeft).toEqual([o2, o1]);
    // libvirt's own delete of x2 refuses, and changes nothing
    const native = await lab.virsh('snapshot-delete', name, 'x2');
    expect(native.exitCode).toBe(1);
    expect(native.stderr).toContain('deleting external snapshot that has internal snapshot as parent not supported');
    const result = await plan.machine.run(plan.context);
    expect(result.failedStep?.message ?? null).toBeNull();
    expect(result.status).toBe('done');

    expect(await snapshotNames(lab, name)).toEqual([]);
    expect(await vdaSource(lab, name)).toBe(disks.vda);
    expect(existsSync(o1)).toBe(false);
    expect(existsSync(o2)).toBe(false);
    expect(await qcow2Tags(disks.vda)).toEqual([]);
    expect(await qcow2Tags(disks.vdb)).toEqual([]);
    await flushDisk(lab, name);
    for (const [p, at] of [['0x11', 0], ['0x22', 1], ['0x33', 2], ['0x44', 3]] as const) expect(await reads(disks.vda, p, at)).toBe(true);
  });
});
