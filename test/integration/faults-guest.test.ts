// The SIGKILL fault under real guest I/O: the Linux guest (guest.ts) writes its checked stream
// while, cycle after cycle, the built CLI runs a flow and is killed after one of its steps, then
// picked up with resume or with rollback: an external snapshot (plain virsh) committed back with
// an active commit and pivot, and a backup via a temporary snapshot. One guest lives through every
// cycle of a flow (a boot costs ~20 s): after each cycle the domain must be consistent and the
// journal closed, each backup copy must hold every block flushed before the backup began, and
// at the end, once the writer has flushed and stopped, every block it flushed must be in the
// image the domain runs on.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BLOCK, checkStream, startLinuxGuest, writeRate, type LinuxGuest } from './guest.js';
import { describeLab, startLab, type Lab } from './lab.js';
import { chainFiles, externalSnapshot, vdaSource } from './qemu-checks.js';
import { freshState, inconsistencies, journalFlows, planSteps, recordFault, removeStates, virtsnap, type FaultRecord } from './faults.js';

describeLab('faults: SIGKILL of an active commit at each step while the Linux guest writes (the built CLI)', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.stop();
    removeStates();
  });

  interface GuestCycle {
    flow: string;
    /** Each pass kills the flow once after every step; the guest's data disk (128 MiB) bounds how many passes fit. */
    pickUps: readonly ('resume' | 'rollback')[];
    /** Before each cycle (the guest writing): returns the CLI arguments. */
    prepare(g: LinuxGuest, cycle: number): Promise<string[]>;
    /** After each picked-up cycle: problems, and the bytes it verified. */
    after(g: LinuxGuest, cycle: number, pickUp: 'resume' | 'rollback', flushedBefore: number): Promise<{ problems: string[]; bytesVerified: number; bytesLost: number }>;
  }

  async function cycles(kase: GuestCycle): Promise<void> {
    const g = await startLinuxGuest(lab);
    const st0 = await g.waitFlushed(g.state().flushed + 3 * (g.state().ready?.batch ?? 16));
    const rate = writeRate(st0);
    expect(rate).toBeGreaterThan(0);
    const batch = st0.ready?.batch ?? 16;
    // about a second of writes in each overlay: the data disk (2048 blocks) must hold every cycle
    const blocksIn = (s: number) => Math.max(batch, Math.ceil(rate * s));

    const records: FaultRecord[] = [];
    let steps: string[] | null = null;
    let cycle = 0;
    for (const pickUp of kase.pickUps) {
      for (let i = 0; steps === null || i < steps.length; i++) {
        const started = Date.now();
        cycle++;
        const flushedBefore = g.state().flushed;
        const args = await kase.prepare(g, cycle);
        await g.waitFlushed(g.state().flushed + blocksIn(1));
        if (steps === null) steps = await planSteps(freshState(), args);
        const step = steps[i]!;
        const state = freshState();
        const problems: string[] = [];
        const run = await virtsnap(state, [...args, '--yes', '--json'], { VIRTSNAP_TEST_KILL_AFTER_STEP: step });
        if (run.signal !== 'SIGKILL') {
          // a step skipped here (a freeze without a guest agent) is never journaled done: the flow ran to its end
          const skipped = run.stdout.split('\n').some((l) => l.includes(`"step":"${step}"`) && l.includes('"event":"skipped"'));
          if (skipped && run.exitCode === 0) continue;
          problems.push(`not killed after ${step}: exit ${String(run.exitCode)}: ${run.stderr.trim()}`);
        }
        const [flow] = await journalFlows(state);
        let outcome: FaultRecord['outcome'] = 'failed';
        let rollbackRefused: string | undefined;
        if (flow?.status === 'unfinished') {
          let r = await virtsnap(state, ['resume', flow.id, ...(pickUp === 'rollback' ? ['--rollback'] : []), '--yes']);
          let want = pickUp === 'rollback' ? 'rolled-back' : 'done';
          if (pickUp === 'rollback' && r.exitCode !== 0 && /cannot be undone/.test(r.stderr)) {
            rollbackRefused = r.stderr.trim().split('\n')[0];
            r = await virtsnap(state, ['resume', flow.id, '--yes']);
            want = 'done';
          }
          if (r.exitCode !== 0) problems.push(`resume exited ${String(r.exitCode)}: ${r.stderr.trim()}`);
          const end = (await journalFlows(state)).find((f) => f.id === flow.id);
          if (end?.status !== want) problems.push(`the journal says ${end?.status ?? 'nothing'}, not ${want}`);
          else outcome = want === 'done' ? 'resumed' : 'rolled-back';
        } else problems.push(`the journal says ${flow?.status ?? 'nothing'} after the kill`);
        problems.push(...(await inconsistencies(lab, g.name)));
        const checked = await kase.after(g, cycle, rollbackRefused ? 'resume' : pickUp, flushedBefore);
        problems.push(...checked.problems);
        // a rolled-back commit leaves the domain on the overlay: commit it with plain virsh, so
        // that every cycle starts from the base and the chain stays short
        if ((await vdaSource(lab, g.name)) !== g.disks.vda) {
          const c = await lab.virsh('blockcommit', g.name, 'vda', '--active', '--pivot', '--wait');
          if (c.exitCode !== 0) problems.push(`plain blockcommit after the cycle: ${c.stderr.trim()}`);
        }
        const st2 = g.state();
        if (st2.errors.length || st2.full) problems.push(`the guest: ${st2.errors.join('; ')}${st2.full ? ' (data disk full)' : ''}`);
        records.push(
          ({
            fault: 'sigkill',
            flow: `${kase.flow} under guest I/O`,
            step: `after ${step}`,
            outcome,
            ...(rollbackRefused ? { rollbackRefused } : {}),
            consistent: problems.length === checked.problems.length,
            bytesVerified: checked.bytesVerified,
            bytesLost: checked.bytesLost,
            problems,
            ms: Date.now() - started,
          }) satisfies FaultRecord,
        );
      }
    }

    await g.waitFlushed(g.state().flushed + batch);
    const end = await g.stop();
    expect(end.errors).toEqual([]);
    expect(await chainFiles(g.disks.vda)).toEqual([g.disks.vda]);
    const check = await checkStream(g.disks.vda, { minFlushed: end.flushed });
    const lostBlocks = check.problems.length ? Math.max(0, end.written - check.contiguous) : 0;
    // the stream's verdict covers every cycle: it is counted once, with the last one
    const last = records.at(-1)!;
    last.bytesVerified += check.bytesVerified;
    last.bytesLost += lostBlocks * BLOCK;
    last.problems.push(...check.problems.map((p) => `the stream after ${cycle} cycles: ${p}`));
    for (const r of records) recordFault(r);
    expect(records.filter((r) => r.problems.length > 0 || r.outcome === 'failed').map((r) => `${r.step}: ${r.problems.join('; ')}`)).toEqual([]);
    expect(check.contiguous).toBe(end.written);
  }

  it('active commit with pivot killed after each step, resumed or rolled back, cycle after cycle: every flushed block ends in the base', { timeout: 420_000 }, async () => {
    await cycles({
      flow: 'commit (active, pivot)',
      pickUps: ['resume', 'rollback'],
      async prepare(g, cycle) {
        await externalSnapshot(lab, g.name, `c${cycle}`);
        return ['commit', '-c', lab.uri, g.name, 'vda', '--active', '--pivot'];
      },
      after: async () => ({ problems: [], bytesVerified: 0, bytesLost: 0 }),
    });
  });

  it('backup via a temporary snapshot killed after each step and resumed: every copy holds every block flushed before it began', { timeout: 420_000 }, async () => {
    const parent = mkdtempSync(join(tmpdir(), 'vs-fault-guest-backup-'));
    try {
      await cycles({
        flow: 'backup (temporary snapshot)',
        // rollbacks of the backup are in faults-kill-jobs; here the copies are what matters
        pickUps: ['resume'],
        prepare: async (g, cycle) => ['backup', '-c', lab.uri, g.name, '--to', join(parent, `b${cycle}`)],
        async after(g, cycle, pickUp, flushedBefore) {
          const problems: string[] = [];
          if ((await vdaSource(lab, g.name)) !== g.disks.vda) problems.push(`vda runs on ${await vdaSource(lab, g.name)}, not on its own file`);
          const copy = join(parent, `b${cycle}`, 'vda.qcow2');
          if (pickUp === 'rollback') return { problems, bytesVerified: 0, bytesLost: 0 };
          if (!existsSync(copy)) return { problems: [...problems, `no copy ${copy} after the resumed backup`], bytesVerified: 0, bytesLost: 0 };
          const check = await checkStream(copy, { minFlushed: flushedBefore });
          problems.push(...check.problems.map((p) => `${copy}: ${p}`));
          const lost = check.problems.length ? Math.max(0, flushedBefore + 1 - check.contiguous) * BLOCK : 0;
          rmSync(copy, { force: true });
          return { problems, bytesVerified: check.bytesVerified, bytesLost: lost };
        },
      });
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
