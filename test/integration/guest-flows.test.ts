// virtsnap's flows under real guest I/O: a Linux guest (guest.ts) writes its checked stream to vda
// while the built CLI takes an external snapshot, commits the active layer with a pivot, pulls,
// and reverts to an external snapshot. Afterwards the guest stops (its writer flushes and the
// guest powers off) and the images are checked offline: every block the console saw flushed must
// be intact, wherever the flow moved it. The waits are sized by the guest's measured write rate.
// `npm run build` first.

import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BLOCK, checkStream, startLinuxGuest, writeRate, type LinuxGuest, type StreamCheck } from './guest.js';
import { describeLab, startLab, type Lab } from './lab.js';
import { chainFiles, externalSnapshot, vdaSource } from './qemu-checks.js';

const BIN = fileURLToPath(new URL('../../dist/virtsnap/bin.js', import.meta.url));

describeLab('virtsnap flows under real guest I/O (Linux guest writing a checked stream)', () => {
  let lab: Lab;
  const verified: string[] = [];

  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    if (verified.length) console.log(`[guest-flows] bytes verified:\n  ${verified.join('\n  ')}`);
    await lab?.stop();
  });

  async function virtsnap(...args: string[]) {
    const r = await execa('node', [BIN, ...args, '--yes', '-c', lab.uri], { reject: false, stdin: 'ignore', timeout: 150_000 });
    if (r.exitCode !== 0) throw new Error(`virtsnap ${args.join(' ')} exited with ${String(r.exitCode)}\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /** A guest whose writer has flushed a few batches, and the number of blocks it writes in `seconds`. */
  async function writingGuest(): Promise<{ g: LinuxGuest; blocksIn: (seconds: number) => number; mibPerS: number }> {
    const g = await startLinuxGuest(lab);
    const st = await g.waitFlushed(g.state().flushed + 3 * (g.state().ready?.batch ?? 16));
    const rate = writeRate(st);
    expect(rate).toBeGreaterThan(0);
    verified.push(`${g.name}: writer ready ${(g.bootMs / 1000).toFixed(1)} s after start, ${((rate * BLOCK) / 2 ** 20).toFixed(2)} MiB/s`);
    // the whole test must fit the data disk: 2048 blocks
    return { g, blocksIn: (seconds) => Math.max(st.ready?.batch ?? 16, Math.ceil(rate * seconds)), mibPerS: (rate * BLOCK) / 2 ** 20 };
  }

  /**
   * Runs `flow` while the guest writes: the writer is mid-stream when it starts (its batches follow
   * each other with no pause, so some write is always in flight), and still writing when it ends;
   * `batchesDuring` more batches must have completed meanwhile (long flows: block jobs).
   */
  async function underIo<T>(g: LinuxGuest, flow: () => Promise<T>, batchesDuring = 0): Promise<T> {
    const before = g.state();
    expect(before.full || before.stopped).toBe(false);
    const t0 = Date.now();
    const result = await flow();
    const after = g.state();
    verified.push(`${g.name}: the flow took ${Date.now() - t0} ms; the guest flushed ${after.written - before.written} blocks meanwhile`);
    expect(after.errors).toEqual([]);
    expect(after.full).toBe(false);
    expect(after.written - before.written).toBeGreaterThanOrEqual(batchesDuring * (before.ready?.batch ?? 16));
    await g.waitFlushed(after.flushed + 1, 20_000);
    return result;
  }

  async function until(ok: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  function report(what: string, check: StreamCheck): void {
    verified.push(`${what}: ${check.bytesVerified} bytes (${check.intact} blocks, last flushed ${check.lastFlushed})`);
  }

  function expectNoLoss(check: StreamCheck, written: number): void {
    expect(check.problems).toEqual([]);
    // the writer stops after a flushed batch: everything it wrote is there, in order
    expect(check.contiguous).toBe(written);
    expect(check.bytesVerified).toBe(written * BLOCK);
  }

  it('external disk-only snapshot (virtsnap create --disk-only): the snapshot point and the overlay chain hold every flushed block', async () => {
    const { g, blocksIn } = await writingGuest();
    const flushedBefore = g.state().flushed;
    await underIo(g, () => virtsnap('create', g.name, 's1', '--disk-only'));
    const atSnapshot = g.state();
    await g.waitFlushed(atSnapshot.flushed + blocksIn(3));
    const end = await g.stop();
    expect(end.errors).toEqual([]);

    const overlay = `${lab.dir}/img/${g.name}-vda.s1`;
    expect(await chainFiles(overlay)).toEqual([overlay, g.disks.vda]);
    // the base image alone is the snapshot point: everything flushed before it began, nothing
    // flushed after it ended
    const base = await checkStream(g.disks.vda, { minFlushed: flushedBefore });
    expect(base.problems).toEqual([]);
    expect(base.lastFlushed).toBeLessThanOrEqual(atSnapshot.flushed);
    expect(base.contiguous).toBeLessThanOrEqual(atSnapshot.written + (end.ready?.batch ?? 16));
    report('snapshot point (base image)', base);

    const chain = await checkStream(overlay, { minFlushed: end.flushed });
    expectNoLoss(chain, end.written);
    report('after create (overlay chain)', chain);
  });

  it('active commit with pivot (virtsnap commit --active --pivot) while the guest writes: the base ends with every block', async () => {
    const { g, blocksIn, mibPerS } = await writingGuest();
    const overlay = await externalSnapshot(lab, g.name, 'c1');
    // some seconds of writes in the overlay for the commit to copy, at about three times the
    // guest's rate: the mirror converges while the guest goes on writing, and the job lasts a
    // few seconds, so batches complete during the copy and around the pivot
    await g.waitFlushed(g.state().flushed + blocksIn(5));
    const bandwidth = String(Math.max(2, Math.round(3 * mibPerS)));
    await underIo(g, () => virtsnap('commit', g.name, 'vda', '--active', '--pivot', '--bandwidth', bandwidth), 1);
    expect(await vdaSource(lab, g.name)).toBe(g.disks.vda);
    // writes after the pivot go straight to the base
    await g.waitFlushed(g.state().flushed + blocksIn(2));
    const end = await g.stop();
    expect(end.errors).toEqual([]);

    expect(await chainFiles(g.disks.vda)).toEqual([g.disks.vda]);
    const check = await checkStream(g.disks.vda, { minFlushed: end.flushed });
    expectNoLoss(check, end.written);
    report('after active commit + pivot (base image)', check);
    // the commit leaves the overlay file where it was, out of the chain
    expect(existsSync(overlay)).toBe(true);
  });

  it('pull (virtsnap pull) while the guest writes: the overlay stands alone with every block', async () => {
    const { g, blocksIn, mibPerS } = await writingGuest();
    // a base of some seconds of writes, pulled at twice the guest's rate: a few seconds of pull
    // with the guest writing, whatever the machine's speed (the data disk holds 2048 blocks)
    await g.waitFlushed(g.state().flushed + blocksIn(4));
    const flushedAtSnapshot = g.state().flushed;
    const overlay = await externalSnapshot(lab, g.name, 'p1');
    await g.waitFlushed(g.state().flushed + blocksIn(2));
    await underIo(g, () => virtsnap('pull', g.name, 'vda', '--bandwidth', String(Math.max(2, Math.round(2 * mibPerS)))), 1);
    expect(await chainFiles(overlay)).toEqual([overlay]);
    await g.waitFlushed(g.state().flushed + blocksIn(2));
    const end = await g.stop();
    expect(end.errors).toEqual([]);

    const check = await checkStream(overlay, { minFlushed: end.flushed });
    expectNoLoss(check, end.written);
    report('after pull (overlay alone)', check);
    // the base still is the snapshot point
    const base = await checkStream(g.disks.vda, { minFlushed: flushedAtSnapshot });
    expect(base.problems).toEqual([]);
  });

  it('external revert (virtsnap revert) of a running, writing guest: the reverted chain is the snapshot point; the safety snapshot keeps the rest', async () => {
    const { g, blocksIn } = await writingGuest();
    const flushedBefore = g.state().flushed;
    await underIo(g, () => virtsnap('create', g.name, 'r1', '--disk-only'));
    const atSnapshot = g.state();
    const s1Overlay = `${lab.dir}/img/${g.name}-vda.r1`;
    // the guest goes on well past the snapshot, so the revert has something to throw away
    await g.waitFlushed(atSnapshot.flushed + blocksIn(3));
    const beforeRevert = g.state();
    expect(beforeRevert.full).toBe(false);
    // (not underIo: the safety snapshot halts the guest at once, so no batch need finish meanwhile)
    const revert = await virtsnap('revert', g.name, 'r1');
    const safety = /'(pre-revert-\d{8}T\d{6}Z[-\d]*)'/.exec(revert.stdout)?.[1];
    expect(safety).toBeDefined();
    // a disk-only snapshot: the domain ends shut off
    expect((await lab.virsh('domstate', g.name)).stdout.trim()).toBe('shut off');
    const st = g.state();
    expect(st.errors).toEqual([]);

    // the reverted vda: a new overlay on the snapshot's image
    const reverted = await vdaSource(lab, g.name);
    expect(reverted).not.toBe(s1Overlay);
    expect(await chainFiles(reverted)).toEqual([reverted, g.disks.vda]);
    const check = await checkStream(reverted, { minFlushed: flushedBefore });
    expect(check.problems).toEqual([]);
    expect(check.lastFlushed).toBeLessThanOrEqual(atSnapshot.flushed);
    expect(check.contiguous).toBeLessThanOrEqual(atSnapshot.written + (st.ready?.batch ?? 16));
    expect(check.contiguous).toBeLessThan(beforeRevert.flushed);
    report('after external revert (reverted chain, the snapshot point)', check);

    // what the guest wrote after the snapshot, up to the safety snapshot's halt, is in r1's overlay
    const kept = await checkStream(s1Overlay, { minFlushed: st.flushed });
    expect(kept.problems).toEqual([]);
    expect(kept.contiguous).toBeGreaterThanOrEqual(st.flushed + 1);
    report(`the state before the revert (r1 overlay chain, kept by ${safety ?? '?'})`, kept);

    // the reverted domain boots again (kernel, initrd and console kept in its definition); its
    // writer finds the stream on vda and leaves it alone
    expect((await lab.virsh('start', g.name)).exitCode).toBe(0);
    await until(() => g.state().boots === 2 && g.state().existing, 60_000);
    await g.stop();
    const again = await checkStream(reverted, { minFlushed: flushedBefore });
    expect(again.problems).toEqual([]);
    expect(again.intact).toBe(check.intact);
  });
});
