// The lab's Linux guest and its stream checker, before any flow runs under it: the guest boots
// (direct kernel boot, initramfs from busybox-static), writes and flushes its stream, stops when
// vdb grows, and the offline checker finds every flushed block; and the checker does find what a
// broken flow would leave (a lost write, a torn block, a stale block). Prints boot time and write
// rate, which guest-flows.test.ts sizes itself by.

import { execa } from 'execa';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BLOCK, checkStream, guestImage, startLinuxGuest, writeRate, type LinuxGuest } from './guest.js';
import { describeLab, startLab, type Lab } from './lab.js';

describeLab('the Linux guest and its stream checker', () => {
  let lab: Lab;
  let guest: LinuxGuest;

  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('boots from the cached kernel and initramfs, writes and flushes the stream, and stops on request', async () => {
    const image = await guestImage();
    expect(image.kernel).toMatch(/vmlinuz$/);
    expect(image.initrd).toMatch(/initrd-[0-9a-f]+\.gz$/);

    guest = await startLinuxGuest(lab);
    const xml = (await lab.virsh('dumpxml', guest.name)).stdout;
    expect(xml).toContain(`<kernel>${image.kernel}</kernel>`);
    expect(xml).toContain(`<initrd>${image.initrd}</initrd>`);
    const first = guest.state();
    expect(first.boots).toBe(1);
    expect(first.ready?.blocks).toBe(2048); // 128 MiB vda in 64 KiB blocks

    const atLeast = first.flushed + 3 * (first.ready?.batch ?? 16);
    await guest.waitFlushed(atLeast);
    const end = await guest.stop();
    expect(end.stopped).toBe(true);
    expect(end.powerOff).toBe(true);
    expect(end.errors).toEqual([]);
    expect(end.flushed).toBeGreaterThanOrEqual(atLeast);

    const rate = writeRate(end);
    const bootS = guest.bootMs / 1000;
    console.log(
      `[guest] kernel ${image.version}: ready ${bootS.toFixed(1)} s after start (guest uptime ${end.ready?.t ?? '?'} s); ` +
        `${rate.toFixed(1)} blocks/s = ${((rate * BLOCK) / 2 ** 20).toFixed(2)} MiB/s; ${end.written} blocks written`,
    );
    expect(rate).toBeGreaterThan(0);

    // offline, without -U: the domain is shut off and the image lock is free
    const check = await checkStream(guest.disks.vda, { minFlushed: end.flushed });
    expect(check.problems).toEqual([]);
    expect(check.run).toBe(end.ready?.run);
    // the writer stops after a flushed batch, so every block written is flushed and intact
    expect(check.lastFlushed).toBe(end.flushed - (end.ready?.batch ?? 16));
    expect(check.contiguous).toBe(end.written);
    expect(check.intact).toBe(end.written);
    expect(check.bytesVerified).toBe(end.written * BLOCK);
    console.log(`[guest] verified ${check.bytesVerified} bytes (${check.intact} blocks) of ${guest.disks.vda}`);
  });

  it('the checker finds a lost write, a torn block and a stale block among the flushed ones', async () => {
    const end = guest.state();
    expect(end.stopped).toBe(true);
    const copy = join(lab.dir, 'img', 'damaged.qcow2');
    const damage = async (cmd: string) => {
      copyFileSync(guest.disks.vda, copy);
      const r = await execa('qemu-io', ['-f', 'qcow2', '-c', cmd, copy]);
      expect(r.stdout).not.toMatch(/error/i);
      return checkStream(copy, { minFlushed: end.flushed });
    };

    // a write that never reached the image: block 5 reads as zeros
    const lost = await damage(`write -z ${5 * BLOCK} ${BLOCK}`);
    expect(lost.problems).toEqual([expect.stringMatching(/^block 5: zeros/)]);
    expect(lost.contiguous).toBe(5);

    // a torn block: one sector of block 7 from somewhere else
    const torn = await damage(`write -P 0x2e ${7 * BLOCK + 40 * 512} 512`);
    expect(torn.problems).toEqual([expect.stringMatching(/^block 7: checksum mismatch \(first wrong sector: 40\)/)]);

    // a block from the wrong place: block 9 holds block 3 (a cluster mapped at the wrong offset)
    const whole = join(lab.dir, 'img', 'whole.raw');
    await execa('qemu-img', ['convert', '-O', 'raw', guest.disks.vda, whole]);
    const block3 = join(lab.dir, 'img', 'block3.raw');
    writeFileSync(block3, readFileSync(whole).subarray(3 * BLOCK, 4 * BLOCK));
    const moved = await damage(`write -s ${block3} ${9 * BLOCK} ${BLOCK}`);
    expect(moved.problems).toEqual([expect.stringMatching(/^block 9: holds block 3/)]);

    // a floor above what the disk holds is a loss too (what the console saw flushed must be there)
    const beyond = await checkStream(guest.disks.vda, { minFlushed: end.written + 10 });
    expect(beyond.problems[0]).toMatch(new RegExp(`^block ${end.written}: zeros`));
  });
});
