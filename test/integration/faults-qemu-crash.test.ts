// Fault: QEMU dies (SIGKILL: a crash, the OOM killer, a host power cut as far as the image files
// are concerned) right after a block-job flow reported success. What the flow said it did must be
// on disk by then: QEMU keeps qcow2 metadata (L2 tables) in memory until it flushes, and a pull
// that completes rewrites the overlay's header (no backing file any more) before the L2 entries
// of the pulled clusters reach the file. Measured on QEMU 7.2: an idle guest (nothing flushes)
// killed after `virsh blockpull` lost every pulled byte; the active commit flushes by itself.
// The domain is started again afterwards and its disk read through the chain it was left on.

import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeLab, pidAlive, startLab, type Lab } from './lab.js';
import { checkRegions, freshState, inconsistencies, journalFlows, recordFault, removeStates, virtsnap, type Region } from './faults.js';
import { topOf, virshSnapshot, writeRegions } from './faults-kill.js';

const A: Region = { pattern: '0x5a', offsetMiB: 0, lengthMiB: 8 }; // the lab's fill, in the base
const B: Region = { pattern: '0x41', offsetMiB: 16, lengthMiB: 2 };

describeLab('faults: QEMU killed right after a flow reported success (real QEMU, the built CLI)', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.stop();
    removeStates();
  });

  async function killQemu(domain: string): Promise<void> {
    const pid = Number(readFileSync(join(lab.dir, 'run', 'qemu', `${domain}.pid`), 'utf8').trim());
    expect(pid).toBeGreaterThan(1);
    await execa('kill', ['-KILL', String(pid)]);
    for (let i = 0; i < 100 && pidAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 100; i++) {
      if ((await lab.virsh('domstate', domain)).stdout.trim() === 'shut off') break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const C: Region = { pattern: '0x43', offsetMiB: 24, lengthMiB: 2 };
  const D: Region = { pattern: '0x44', offsetMiB: 32, lengthMiB: 2 };

  interface CrashCase {
    flow: string;
    /** Data and snapshots before the flow; returns the flow's CLI arguments. */
    prepare(name: string, vda: string): Promise<string[]>;
    /** The regions the disk's chain must hold afterwards. */
    regions: Region[];
  }
  const cases: CrashCase[] = [
    {
      flow: 'pull',
      async prepare(name) {
        await virshSnapshot(lab, name, 'e1');
        await writeRegions(lab, name, [B]);
        return ['pull', '-c', lab.uri, name, 'vda', '--yes'];
      },
      regions: [A, B],
    },
    {
      flow: 'commit (active, pivot)',
      async prepare(name) {
        await virshSnapshot(lab, name, 'e1');
        await writeRegions(lab, name, [B]);
        return ['commit', '-c', lab.uri, name, 'vda', '--active', '--pivot', '--yes'];
      },
      regions: [A, B],
    },
    {
      flow: 'commit (a middle layer into the base)',
      async prepare(name, vda) {
        await writeRegions(lab, name, [B]);
        await virshSnapshot(lab, name, 'e1');
        const middle = await topOf(lab, name);
        await writeRegions(lab, name, [C]);
        await virshSnapshot(lab, name, 'e2');
        await writeRegions(lab, name, [D]);
        return ['commit', '-c', lab.uri, name, 'vda', '--top', middle, '--base', vda, '--yes'];
      },
      regions: [A, B, C, D],
    },
    {
      flow: 'delete (libvirt merges the overlay)',
      async prepare(name) {
        await writeRegions(lab, name, [B]);
        await virshSnapshot(lab, name, 'e1');
        await writeRegions(lab, name, [C]);
        await virshSnapshot(lab, name, 'e2');
        await writeRegions(lab, name, [D]);
        return ['delete', '-c', lab.uri, name, 'e1', '--yes'];
      },
      regions: [A, B, C, D],
    },
    {
      flow: 'backup (temporary snapshot)',
      async prepare(name) {
        await writeRegions(lab, name, [B]);
        return ['backup', '-c', lab.uri, name, '--to', join(lab.dir, `${name}-backup`), '--yes'];
      },
      regions: [A, B],
    },
  ];

  for (const c of cases) {
    it(`${c.flow}: every byte is on disk when the flow says done, so QEMU dying then loses nothing`, async () => {
      const started = Date.now();
      const { name, disks } = await lab.newDomain({ fillMiB: 8 });
      const args = await c.prepare(name, disks.vda);
      const state = freshState();
      const r = await virtsnap(state, args);
      expect(r.exitCode, r.stderr).toBe(0);
      const top = await topOf(lab, name);

      await killQemu(name);
      const problems: string[] = [];
      const [journaled] = await journalFlows(state);
      if (journaled?.status !== 'done') problems.push(`the journal says ${journaled?.status ?? 'nothing'}`);
      const restarted = await lab.virsh('start', name);
      if (restarted.exitCode !== 0) problems.push(`the domain does not start again: ${restarted.stderr.trim()}`);
      problems.push(...(await inconsistencies(lab, name)));
      // the files as the restarted QEMU opened them, before it writes anything
      const data = await checkRegions(top, c.regions, `vda (${top}) after QEMU died`);
      const record = recordFault({
        fault: 'qemu-crash',
        flow: c.flow,
        step: 'after done',
        outcome: 'finished',
        consistent: problems.length === 0,
        bytesVerified: data.bytesVerified,
        bytesLost: data.bytesLost,
        problems: [...problems, ...data.problems],
        ms: Date.now() - started,
      });
      expect(record.problems).toEqual([]);
      await lab.virsh('destroy', name);
    });
  }
});
