// Deleting external snapshots under real guest I/O: the Linux guest (guest.ts) writes its checked
// stream to vda while the built CLI deletes the external snapshot it runs on, once where libvirt
// 9.0 merges by itself and once where virtsnap merges with its own block jobs (an internal parent,
// which libvirt refuses). Afterwards the guest stops and the base image must hold every block the
// console saw flushed; the internal parent's own point in time must be untouched. `npm run build` first.

import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BLOCK, checkStream, startLinuxGuest, writeRate, type LinuxGuest } from './guest.js';
import { describeLab, startLab, type Lab } from './lab.js';
import { chainFiles, externalSnapshot, qcow2Tags, snapshotNames, vdaSource } from './qemu-checks.js';

const BIN = fileURLToPath(new URL('../../dist/virtsnap/bin.js', import.meta.url));

describeLab('virtsnap delete of external snapshots under real guest I/O', () => {
  let lab: Lab;
  const verified: string[] = [];

  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    if (verified.length) console.log(`[guest-delete] bytes verified:\n  ${verified.join('\n  ')}`);
    await lab?.stop();
  });

  async function virtsnap(...args: string[]) {
    const r = await execa('node', [BIN, ...args, '--yes', '-c', lab.uri], { reject: false, stdin: 'ignore', timeout: 150_000 });
    if (r.exitCode !== 0) throw new Error(`virtsnap ${args.join(' ')} exited with ${String(r.exitCode)}\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  async function writingGuest(): Promise<{ g: LinuxGuest; blocksIn: (seconds: number) => number }> {
    const g = await startLinuxGuest(lab);
    const st = await g.waitFlushed(g.state().flushed + 3 * (g.state().ready?.batch ?? 16));
    const rate = writeRate(st);
    expect(rate).toBeGreaterThan(0);
    return { g, blocksIn: (seconds) => Math.max(st.ready?.batch ?? 16, Math.ceil(rate * seconds)) };
  }

  /** Deletes `snapshot` while the guest writes; the guest goes on writing into the base, then stops. */
  async function deleteUnderIo(g: LinuxGuest, blocksIn: (s: number) => number, snapshot: string) {
    const before = g.state();
    expect(before.full || before.stopped).toBe(false);
    const run = await virtsnap('delete', g.name, snapshot);
    const after = g.state();
    expect(after.errors).toEqual([]);
    expect(await vdaSource(lab, g.name)).toBe(g.disks.vda);
    await g.waitFlushed(after.flushed + blocksIn(2));
    const end = await g.stop();
    expect(end.errors).toEqual([]);
    return { run, end };
  }

  it('the current external snapshot, merged by libvirt 9.0 (snapshot-delete) while the guest writes', async () => {
    const { g, blocksIn } = await writingGuest();
    await externalSnapshot(lab, g.name, 'x1');
    await g.waitFlushed(g.state().flushed + blocksIn(4));
    const { run, end } = await deleteUnderIo(g, blocksIn, 'x1');
    expect(run.stdout).toContain('snapshot-delete');
    expect(await snapshotNames(lab, g.name)).toEqual([]);
    expect(await chainFiles(g.disks.vda)).toEqual([g.disks.vda]);

    const check = await checkStream(g.disks.vda, { minFlushed: end.flushed });
    expect(check.problems).toEqual([]);
    expect(check.contiguous).toBe(end.written);
    verified.push(`delete x1 (libvirt's merge): ${check.bytesVerified} bytes (${check.intact} blocks)`);
  });

  it('an external snapshot under an internal parent, merged by virtsnap (blockcommit --active, pivot) while the guest writes', async () => {
    const { g, blocksIn } = await writingGuest();
    const flushedBeforeI1 = g.state().flushed;
    expect((await lab.virsh('snapshot-create-as', g.name, 'i1')).exitCode).toBe(0);
    const atI1 = g.state();
    await g.waitFlushed(atI1.flushed + blocksIn(2));
    const overlay = await externalSnapshot(lab, g.name, 'x1');
    await g.waitFlushed(g.state().flushed + blocksIn(4));
    const { run, end } = await deleteUnderIo(g, blocksIn, 'x1');
    expect(run.stdout).toContain('blockcommit');
    expect(await snapshotNames(lab, g.name)).toEqual(['i1']);
    expect(await chainFiles(g.disks.vda)).toEqual([g.disks.vda]);
    expect(await chainFiles(overlay)).toEqual([overlay, g.disks.vda]); // left on disk, out of the chain

    const check = await checkStream(g.disks.vda, { minFlushed: end.flushed });
    expect(check.problems).toEqual([]);
    expect(check.contiguous).toBe(end.written);
    verified.push(`delete x1 under internal i1 (virtsnap's merge): ${check.bytesVerified} bytes (${check.intact} blocks)`);

    // i1's own point in time, inside the base image, is untouched by the merge into that image
    expect(await qcow2Tags(g.disks.vda)).toEqual(['i1']);
    const i1 = await checkStream(g.disks.vda, { internalSnapshot: 'i1', minFlushed: flushedBeforeI1 });
    expect(i1.problems).toEqual([]);
    expect(i1.lastFlushed).toBeLessThanOrEqual(atI1.flushed);
    expect(i1.contiguous).toBeLessThanOrEqual(atI1.written + (end.ready?.batch ?? 16));
    verified.push(`i1 (internal, in the base image): ${i1.bytesVerified} bytes (${i1.intact} blocks)`);
    expect(i1.bytesVerified).toBe(i1.intact * BLOCK);
  });
});
