// Fault matrix, SIGKILL of the built CLI after each step of the block-job flows: an active commit
// with pivot, a pull, and a backup through a temporary snapshot; each picked up with resume and,
// separately, with rollback (faults-kill.ts runs the loop, faults.ts checks). The data is qemu-io
// patterns written through the running QEMU before the flow; every one must read back through
// the disk's chain afterwards (and from the backup copy of a backup that finished).

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeLab, startLab, type Lab } from './lab.js';
import { chainFiles, flushDisk } from './qemu-checks.js';
import { addChecks, checkRegions, freshState, inconsistencies, journalFlows, recordFault, removeStates, virtsnap, type Region } from './faults.js';
import { expectClean, imgFiles, killMatrix, timedKills, topOf, virshSnapshot, writeRegions, type KillCase } from './faults-kill.js';

const A: Region = { pattern: '0x5a', offsetMiB: 0, lengthMiB: 8 }; // the lab's fill
const B: Region = { pattern: '0x41', offsetMiB: 16, lengthMiB: 2 };
const C: Region = { pattern: '0x43', offsetMiB: 24, lengthMiB: 2 };

describeLab('faults: SIGKILL after each step of commit, pull and backup, then resume or rollback (real QEMU, the built CLI)', () => {
  let lab: Lab;
  const dirs: string[] = [];
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.stop();
    removeStates();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A running domain whose vda has A, then an external snapshot e1 over it with B and C written on top. */
  async function withOverlay(lab: Lab) {
    const { name, disks } = await lab.newDomain({ fillMiB: 8 });
    await writeRegions(lab, name, [B]);
    await virshSnapshot(lab, name, 'e1');
    await writeRegions(lab, name, [C]);
    return { domain: name, base: disks.vda, overlay: await topOf(lab, name) };
  }

  const commit: KillCase<{ base: string; overlay: string }> = {
    flow: 'commit (active, pivot)',
    setup: withOverlay,
    args: (lab, ctx) => ['commit', '-c', lab.uri, ctx.domain, 'vda', '--active', '--pivot'],
    async verify(lab, ctx, pickUp) {
      const problems: string[] = [];
      const top = await topOf(lab, ctx.domain);
      // resumed: on the base, which holds everything; rolled back: wherever it is, the data is all there
      if (pickUp === 'resume' && top !== ctx.base) problems.push(`vda runs on ${top}, not on the base ${ctx.base}`);
      return { problems, data: await checkRegions(top, [A, B, C], `vda (${top})`) };
    },
  };

  const pull: KillCase<{ base: string; overlay: string }> = {
    flow: 'pull',
    setup: withOverlay,
    args: (lab, ctx) => ['pull', '-c', lab.uri, ctx.domain, 'vda'],
    async verify(lab, ctx, pickUp) {
      const problems: string[] = [];
      const top = await topOf(lab, ctx.domain);
      if (top !== ctx.overlay) problems.push(`vda runs on ${top}, not on ${ctx.overlay}`);
      if (pickUp === 'resume' && (await chainFiles(top)).length !== 1) problems.push(`${top} still has a backing file after the pull`);
      return { problems, data: await checkRegions(top, [A, B, C], `vda (${top})`) };
    },
  };

  const backup: KillCase<{ vda: string; to: string }> = {
    flow: 'backup (temporary snapshot)',
    async setup(lab) {
      const { name, disks } = await lab.newDomain({ fillMiB: 8 });
      await writeRegions(lab, name, [B]);
      const parent = mkdtempSync(join(tmpdir(), 'vs-fault-backup-'));
      dirs.push(parent);
      return { domain: name, vda: disks.vda, to: join(parent, 'out') };
    },
    args: (lab, ctx) => ['backup', '-c', lab.uri, ctx.domain, '--to', ctx.to],
    async verify(lab, ctx, pickUp) {
      const problems: string[] = [];
      const top = await topOf(lab, ctx.domain);
      if (top !== ctx.vda) problems.push(`vda runs on ${top}, not on its own file ${ctx.vda}`);
      if ((await chainFiles(ctx.vda)).length !== 1) problems.push(`${ctx.vda} has a backing file after the backup`);
      const left = imgFiles(lab, `${ctx.domain}-`).filter((f) => f.includes('virtsnap-backup'));
      if (left.length) problems.push(`temporary overlays left: ${left.join(', ')}`);
      const snaps = (await lab.virsh('snapshot-list', ctx.domain, '--name')).stdout.trim();
      if (snaps) problems.push(`snapshot metadata left: ${snaps}`);
      const checks = [await checkRegions(ctx.vda, [A, B], 'vda')];
      if (pickUp === 'resume') {
        const copy = join(ctx.to, 'vda.qcow2');
        if (!existsSync(copy)) problems.push(`the backup ${copy} is missing after the resumed backup`);
        else checks.push(await checkRegions(copy, [A, B], `backup ${copy}`));
      }
      return { problems, data: addChecks(...checks) };
    },
  };

  it('pull killed inside its flush step, between the pause and the resume: resume finds the guest paused and resumes it', async () => {
    const ctx = await withOverlay(lab);
    const state = freshState();
    const args = pull.args(lab, ctx);
    const killed = await virtsnap(state, [...args, '--yes', '--json'], { VIRTSNAP_TEST_KILL_DURING_STEP: 'flush' });
    expect(killed.signal).toBe('SIGKILL');
    // what the step had done when the process died: the pause (QEMU flushed), not yet the resume
    expect((await lab.virsh('suspend', ctx.domain)).exitCode).toBe(0);
    const [flow] = await journalFlows(state);
    expect(flow).toMatchObject({ status: 'unfinished', inDoubt: 'flush' });
    const resumed = await virtsnap(state, ['resume', flow!.id, '--yes']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const problems = [...(await inconsistencies(lab, ctx.domain))];
    const end = (await journalFlows(state)).find((f) => f.id === flow!.id);
    if (end?.status !== 'done') problems.push(`the journal says ${end?.status ?? 'nothing'}`);
    await flushDisk(lab, ctx.domain);
    const verdict = await pull.verify(lab, ctx, 'resume');
    const record = recordFault({
      fault: 'sigkill',
      flow: 'pull',
      step: 'inside flush (paused, not resumed)',
      outcome: 'resumed',
      consistent: problems.length === 0 && verdict.problems.length === 0,
      bytesVerified: verdict.data.bytesVerified,
      bytesLost: verdict.data.bytesLost,
      problems: [...problems, ...verdict.problems, ...verdict.data.problems],
    });
    expect(record.problems).toEqual([]);
  });

  for (const kase of [commit, pull, backup] as KillCase<never>[]) {
    for (const [when, pickUp] of [['after', 'resume'], ['after', 'rollback'], ['during', 'resume'], ['during', 'rollback']] as const) {
      it(`${kase.flow}: killed ${when} each step, then ${pickUp}`, { timeout: 600_000 }, async () => {
        const records = await killMatrix(lab, kase, pickUp, when);
        expect(records.every((r) => r.fault === 'sigkill')).toBe(true);
        expectClean(records);
      });
    }
    it(`${kase.flow}: killed at moments spread over its run (inside steps too), then resume`, { timeout: 600_000 }, async () => {
      const records = await timedKills(lab, kase, 5);
      if (records.length > 0) expectClean(records);
    });
  }
});
