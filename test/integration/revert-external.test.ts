// Reverting to external snapshots on real QEMU (libvirt 9.0, which refuses snapshot-revert for
// them): the guided revert for disk-only and memory+disk snapshots, on a running and on a
// shut-off domain. Data patterns are written before and after the snapshot and read back
// offline through the new chain; the snapshot's own images must come out byte for byte the same.

import { expect, it } from 'vitest';
import type { Host } from '../../src/engine/host.js';
import { existsSync } from 'node:fs';
import { planJson } from '../../src/engine/flows/plan-print.js';
import { planRevert, revertPlan, type RevertParams } from '../../src/engine/flows/revert.js';
import { describeLab, type Lab } from './lab.js';
import { useLabHost } from './lab-host.js';
import { chainFiles, externalSnapshot, flushDisk, guestWrite, readsPattern, vdaSource } from './qemu-checks.js';
import { currentSnapshot, definedSource, domstate, offlineWrite, parentOf, revert, sha256, stopDomain } from './revert-checks.js';

describeLab('guided revert to external snapshots on real QEMU (libvirt 9.0)', () => {
  let lab: Lab;
  let host: Host;
  useLabHost((started, connected) => {
    lab = started;
    host = connected;
  });

  /** An external memory+disk snapshot of both disks, with plain virsh. */
  async function memorySnapshot(name: string, snap: string): Promise<{ vda: string; vdb: string; mem: string }> {
    const files = { vda: `${lab.dir}/img/${name}-vda.${snap}.qcow2`, vdb: `${lab.dir}/img/${name}-vdb.${snap}.qcow2`, mem: `${lab.dir}/img/${name}.${snap}.mem` };
    const r = await lab.virsh('snapshot-create-as', name, snap, '--memspec', `file=${files.mem},snapshot=external`, '--diskspec', `vda,snapshot=external,file=${files.vda}`, '--diskspec', `vdb,snapshot=external,file=${files.vdb}`);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    return files;
  }

  /** A new snapshot afterwards is a child of the reverted one, and its overlay sits on the revert's overlay. */
  async function branchesFrom(name: string, snapshot: string, revertOverlay: string): Promise<void> {
    const state = await domstate(lab, name);
    const file = `${lab.dir}/img/${name}-vda.after.qcow2`;
    const args = ['snapshot-create-as', name, 'after', '--disk-only', '--diskspec', `vda,snapshot=external,file=${file}`, '--diskspec', 'vdb,snapshot=no'];
    expect((await lab.virsh(...args)).exitCode).toBe(0);
    expect(await parentOf(lab, name, 'after')).toBe(snapshot);
    expect((await chainFiles(file)).slice(0, 2)).toEqual([file, revertOverlay]);
    expect(state).toBe(await domstate(lab, name));
  }

  it('disk-only, domain running: stops it, new overlays on the snapshot image, vdb kept; ends shut off', async () => {
    const { name, disks } = await lab.newDomain();
    await guestWrite(lab, name, '0x11', '0', '1M');
    await flushDisk(lab, name);
    const x1Overlay = await externalSnapshot(lab, name, 'x1');
    await guestWrite(lab, name, '0x22', '0', '1M');
    await flushDisk(lab, name);
    const baseHash = sha256(disks.vda);

    const plan = await planRevert(host, { domain: name, snapshot: 'x1' });
    const params = plan.params as RevertParams;
    expect(params.method).toBe('external-guided');
    expect(params.daemonVersion).toBe('9.0.0');
    expect(params.safety?.kind).toBe('external');
    expect(params.safety?.halts).toBe(true);
    // The safety snapshot stops the domain (--halt): no destroy of its own, and no start (disk-only).
    expect(plan.machine.plan().map((s) => s.id)).toEqual(['safety-snapshot', 'overlay:vda', 'define', 'current']);
    const overlay = params.guided!.overlays[0]!;
    expect(overlay).toMatchObject({ target: 'vda', base: disks.vda, baseFormat: 'qcow2' });
    expect(overlay.file).toBe(`${lab.dir}/img/${name}-vda.x1-r1.qcow2`);
    // vdb was not in x1: it keeps its current image, which after the safety snapshot is the safety overlay.
    expect(params.guided!.kept).toEqual([{ target: 'vdb', source: params.safety!.overlays.vdb }]);
    expect(plan.consequences.join('\n')).toMatch(/vdb was not in the snapshot: it keeps its current image/);
    expect(plan.consequences.join('\n')).toMatch(/ends shut off/);

    const ran = await revert(host, { domain: name, snapshot: 'x1' });
    const file = ran.guided!.overlays[0]!.file;
    expect(await domstate(lab, name)).toMatch(/^shut off/);
    expect(await currentSnapshot(lab, name)).toBe('x1');
    expect(await definedSource(lab, name, 'vda')).toBe(file);
    expect(await definedSource(lab, name, 'vdb')).toBe(ran.safety!.overlays.vdb);
    expect(await chainFiles(file)).toEqual([file, disks.vda]);
    expect(await readsPattern(file, '0x11', '0', '1M')).toBe(true);
    // The snapshot's image was not written, and the writes after x1 are kept (in the safety snapshot's chain).
    expect(sha256(disks.vda)).toBe(baseHash);
    expect(await readsPattern(x1Overlay, '0x22', '0', '1M')).toBe(true);

    expect((await lab.virsh('start', name)).exitCode).toBe(0);
    expect(await vdaSource(lab, name)).toBe(file);
    await branchesFrom(name, 'x1', file);
  });

  it('disk-only, domain shut off, --running: boots on the new overlays', async () => {
    const { name, disks } = await lab.newDomain({ running: false });
    await offlineWrite(disks.vda, '0x11', '0', '1M');
    const x1Overlay = `${lab.dir}/img/${name}-vda.x1.qcow2`;
    const x1vdb = `${lab.dir}/img/${name}-vdb.x1.qcow2`;
    expect((await lab.virsh('snapshot-create-as', name, 'x1', '--disk-only', '--diskspec', `vda,snapshot=external,file=${x1Overlay}`, '--diskspec', `vdb,snapshot=external,file=${x1vdb}`)).exitCode).toBe(0);
    await offlineWrite(x1Overlay, '0x22', '0', '1M');
    const hashes = [sha256(disks.vda), sha256(disks.vdb)];

    const plan = await planRevert(host, { domain: name, snapshot: 'x1', after: 'running' });
    const params = plan.params as RevertParams;
    // Shut off: an internal offline safety snapshot (qemu-img), then the guided steps with a start.
    expect(params.safety?.kind).toBe('internal');
    expect(plan.machine.plan().map((s) => s.id)).toEqual(['safety-snapshot', 'overlay:vda', 'overlay:vdb', 'define', 'start', 'current']);
    expect(plan.downtime).toMatch(/^none/);

    const ran = await revert(host, { domain: name, snapshot: 'x1', after: 'running' });
    expect(await domstate(lab, name)).toBe('running (booted)');
    expect(await currentSnapshot(lab, name)).toBe('x1');
    const [vda, vdb] = ran.guided!.overlays.map((o) => o.file);
    expect(await vdaSource(lab, name)).toBe(vda);
    expect(await chainFiles(vdb!)).toEqual([vdb, disks.vdb]);
    await stopDomain(lab, name);
    expect(await readsPattern(vda!, '0x11', '0', '1M')).toBe(true);
    expect([sha256(disks.vda), sha256(disks.vdb)]).toEqual(hashes);
    await branchesFrom(name, 'x1', vda!);

    // Undo through the (internal) safety snapshot: back on x1's overlay, with the data written after x1.
    await revert(host, { domain: name, snapshot: ran.safety!.name, safetySnapshot: false });
    expect(await currentSnapshot(lab, name)).toBe(ran.safety!.name);
    expect(await definedSource(lab, name, 'vda')).toBe(x1Overlay);
    expect(await readsPattern(x1Overlay, '0x22', '0', '1M')).toBe(true);
  });

  it('memory+disk, domain running: restored from the memory file and running, then undone through the safety snapshot', async () => {
    const { name, disks } = await lab.newDomain();
    await guestWrite(lab, name, '0x11', '0', '1M');
    await flushDisk(lab, name);
    const m1 = await memorySnapshot(name, 'm1');
    await guestWrite(lab, name, '0x22', '0', '1M');
    await flushDisk(lab, name);
    const hashes = [sha256(disks.vda), sha256(disks.vdb), sha256(m1.mem)];

    const plan = await planRevert(host, { domain: name, snapshot: 'm1' });
    expect(plan.machine.plan().map((s) => s.id)).toEqual(['safety-snapshot', 'overlay:vda', 'overlay:vdb', 'define', 'restore', 'current']);
    const restoreArgs = plan.machine.plan()[4]!.commands[0]!.args;
    expect(restoreArgs).toContain(`--file=${m1.mem}`);
    expect(restoreArgs).toContain('--running');

    const ran = await revert(host, { domain: name, snapshot: 'm1' });
    expect(await domstate(lab, name)).toBe('running (restored)');
    expect(await currentSnapshot(lab, name)).toBe('m1');
    const vda = ran.guided!.overlays[0]!.file;
    expect(await vdaSource(lab, name)).toBe(vda);
    expect(await definedSource(lab, name, 'vda')).toBe(vda);
    const live = (await lab.virsh('domblklist', name)).stdout;
    expect(live).toContain(ran.guided!.overlays[1]!.file);
    await branchesFrom(name, 'm1', vda);
    await stopDomain(lab, name);
    expect(await readsPattern(vda, '0x11', '0', '1M')).toBe(true);
    expect([sha256(disks.vda), sha256(disks.vdb), sha256(m1.mem)]).toEqual(hashes);

    // Undo: the safety snapshot (external memory+disk, taken with --halt) holds the running guest after 0x22.
    const safety = ran.safety!;
    expect(safety.kind).toBe('external');
    expect((await lab.virsh('start', name)).exitCode).toBe(0);
    const undo = await revert(host, { domain: name, snapshot: safety.name });
    expect(await domstate(lab, name)).toBe('running (restored)');
    expect(await currentSnapshot(lab, name)).toBe(safety.name);
    const undoneVda = undo.guided!.overlays.find((o) => o.target === 'vda')!;
    expect(undoneVda.base).toBe(m1.vda);
    await stopDomain(lab, name);
    expect(await readsPattern(undoneVda.file, '0x22', '0', '1M')).toBe(true);
  });

  it('memory+disk, domain shut off, --paused: restored paused', async () => {
    const { name, disks } = await lab.newDomain();
    await guestWrite(lab, name, '0x11', '0', '1M');
    await flushDisk(lab, name);
    const m1 = await memorySnapshot(name, 'm1');
    await guestWrite(lab, name, '0x22', '0', '1M');
    await flushDisk(lab, name);
    await stopDomain(lab, name);
    const hash = sha256(disks.vda);

    const plan = await planRevert(host, { domain: name, snapshot: 'm1', after: 'paused' });
    expect(plan.machine.plan().map((s) => s.id)).toEqual(['safety-snapshot', 'overlay:vda', 'overlay:vdb', 'define', 'restore', 'current']);
    expect(plan.machine.plan()[4]!.commands[0]!.args).toContain('--paused');
    const ran = await revert(host, { domain: name, snapshot: 'm1', after: 'paused' });
    expect(await domstate(lab, name)).toMatch(/^paused/);
    expect(await currentSnapshot(lab, name)).toBe('m1');
    const vda = ran.guided!.overlays[0]!.file;
    expect(await chainFiles(vda)).toEqual([vda, disks.vda]);
    await stopDomain(lab, name);
    expect(await readsPattern(vda, '0x11', '0', '1M')).toBe(true);
    expect(sha256(disks.vda)).toBe(hash);
    expect(await readsPattern(m1.vda, '0x22', '0', '1M')).toBe(true);
  });

  it('the params rebuild the same plan, and a rollback takes the revert back through the undos', async () => {
    const { name } = await lab.newDomain();
    await guestWrite(lab, name, '0x11', '0', '1M');
    await flushDisk(lab, name);
    await memorySnapshot(name, 'm1');
    await guestWrite(lab, name, '0x22', '0', '1M');
    await flushDisk(lab, name);

    const plan = await planRevert(host, { domain: name, snapshot: 'm1' });
    const rebuilt = revertPlan(host, JSON.parse(JSON.stringify(plan.params)) as RevertParams);
    expect(planJson(rebuilt)).toEqual(planJson(plan));
    expect((await plan.machine.run(plan.context)).status).toBe('done');
    const params = plan.params as RevertParams;
    const overlays = params.guided!.overlays.map((o) => o.file);
    expect(overlays.every((f) => existsSync(f))).toBe(true);

    const back = revertPlan(host, params);
    const done = new Set(back.machine.plan().map((s) => s.id));
    const result = await back.machine.rollback(back.context, done);
    expect(result.status).toBe('rolled-back');
    // The safety snapshot's undo reverted to it: running again, with the data written after m1.
    expect(await domstate(lab, name)).toBe('running (restored)');
    expect(await currentSnapshot(lab, name)).toBe(params.safety!.name);
    expect(overlays.some((f) => existsSync(f))).toBe(false);
    const vda = await vdaSource(lab, name);
    await stopDomain(lab, name);
    expect(await readsPattern(vda, '0x22', '0', '1M')).toBe(true);
  });

  it('refuses when the snapshot\'s files are missing', async () => {
    const { name } = await lab.newDomain();
    const m1 = await memorySnapshot(name, 'm1');
    const { rmSync } = await import('node:fs');
    rmSync(m1.mem);
    const plan = await planRevert(host, { domain: name, snapshot: 'm1' });
    expect(plan.refusal).toBe(`cannot revert: the snapshot's files are missing: ${m1.mem} (memory)`);
  });
});
