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
const B: Region = { pattern: '0x41', offsetMiB: 16, lengthMiB: 2 }; // in the overlay

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

  for (const flow of ['pull', 'commit'] as const) {
    it(`${flow}: every byte is on disk when the flow says done, so QEMU dying then loses nothing`, async () => {
      const started = Date.now();
      const { name, disks } = await lab.newDomain({ fillMiB: 8 });
      await virshSnapshot(lab, name, 'e1');
      await writeRegions(lab, name, [B]);
      const overlay = await topOf(lab, name);
      const state = freshState();
      const args = flow === 'pull' ? ['pull', '-c', lab.uri, name, 'vda', '--yes'] : ['commit', '-c', lab.uri, name, 'vda', '--active', '--pivot', '--yes'];
      const r = await virtsnap(state, args);
      expect(r.exitCode, r.stderr).toBe(0);
      const top = await topOf(lab, name);
      expect(top).toBe(flow === 'pull' ? overlay : disks.vda);

      await killQemu(name);
      const problems: string[] = [];
      const [journaled] = await journalFlows(state);
      if (journaled?.status !== 'done') problems.push(`the journal says ${journaled?.status ?? 'nothing'}`);
      const started2 = await lab.virsh('start', name);
      if (started2.exitCode !== 0) problems.push(`the domain does not start again: ${started2.stderr.trim()}`);
      problems.push(...(await inconsistencies(lab, name)));
      // read the files as the restarted QEMU opened them, before it writes anything
      const data = await checkRegions(top, [A, B], `vda (${top}) after QEMU died`);
      const record = recordFault({
        fault: 'qemu-crash',
        flow,
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
