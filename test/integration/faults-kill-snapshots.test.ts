// Fault matrix, SIGKILL of the built CLI after each step of the snapshot flows: create (external,
// disk-only), the guided external revert with its safety snapshot, and the delete of an external
// snapshot with a child (libvirt's own merge, and the metadata-only path); each picked up with
// resume and, separately, with rollback (faults-kill.ts runs the loop, faults.ts checks). Data:
// qemu-io patterns written through the running QEMU between the snapshots, read back through
// the chains that must hold them afterwards.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeLab, startLab, type Lab } from './lab.js';
import { chainFiles } from './qemu-checks.js';
import { addChecks, checkRegions, removeStates, type Region } from './faults.js';
import { expectClean, imgFiles, killMatrix, timedKills, topOf, virshSnapshot, writeRegions, type KillCase } from './faults-kill.js';

const A: Region = { pattern: '0x5a', offsetMiB: 0, lengthMiB: 8 }; // the lab's fill
const B: Region = { pattern: '0x41', offsetMiB: 16, lengthMiB: 2 };
const C: Region = { pattern: '0x43', offsetMiB: 24, lengthMiB: 2 };
const D: Region = { pattern: '0x44', offsetMiB: 32, lengthMiB: 2 };

/** The vda source in the first `<domain>` a snapshot's XML embeds: the file that holds its point in time. */
async function snapshotStateFile(lab: Lab, domain: string, snapshot: string): Promise<string | null> {
  const xml = (await lab.virsh('snapshot-dumpxml', domain, snapshot)).stdout;
  const embedded = /<domain\b[\s\S]*?<\/domain>/.exec(xml)?.[0] ?? '';
  for (const m of embedded.matchAll(/<disk\b[^>]*device='disk'[^>]*>([\s\S]*?)<\/disk>/g)) {
    if (/<target\b[^>]*dev='vda'/.test(m[1]!)) return /<source\b[^>]*\bfile='([^']*)'/.exec(m[1]!)?.[1] ?? null;
  }
  return null;
}

const snapshotNames = async (lab: Lab, domain: string) =>
  (await lab.virsh('snapshot-list', domain, '--name')).stdout.split('\n').map((l) => l.trim()).filter(Boolean);

describeLab('faults: SIGKILL after each step of create, revert and delete, then resume or rollback (real QEMU, the built CLI)', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.stop();
    removeStates();
  });

  const create: KillCase<{ vda: string }> = {
    flow: 'create (external, disk-only)',
    async setup(lab) {
      const { name, disks } = await lab.newDomain({ fillMiB: 8 });
      await writeRegions(lab, name, [B]);
      return { domain: name, vda: disks.vda };
    },
    args: (lab, ctx) => ['create', '-c', lab.uri, ctx.domain, 'fk', '--disk-only'],
    async verify(lab, ctx, pickUp) {
      const problems: string[] = [];
      const top = await topOf(lab, ctx.domain);
      const names = await snapshotNames(lab, ctx.domain);
      if (pickUp === 'resume') {
        if (!names.includes('fk')) problems.push('snapshot fk is missing after the resumed create');
        if (top === ctx.vda) problems.push('vda still runs on its old file after the resumed create');
      } else {
        if (names.includes('fk')) problems.push('snapshot fk is there after the rollback');
        if (top !== ctx.vda) problems.push(`vda runs on ${top}, not on ${ctx.vda}, after the rollback`);
        const left = imgFiles(lab, `${ctx.domain}-`).filter((f) => f.includes('fk'));
        if (left.length) problems.push(`overlays left after the rollback: ${left.join(', ')}`);
      }
      return { problems, data: await checkRegions(top, [A, B], `vda (${top})`) };
    },
  };

  /** A then B, e1, C on top: the revert goes back to A+B; the state before (with C) stays in the safety snapshot. */
  const revert: KillCase<{ before: string }> = {
    flow: 'revert (guided external, safety snapshot)',
    async setup(lab) {
      const { name } = await lab.newDomain({ fillMiB: 8 });
      await writeRegions(lab, name, [B]);
      await virshSnapshot(lab, name, 'e1');
      await writeRegions(lab, name, [C]);
      return { domain: name, before: await topOf(lab, name) };
    },
    args: (lab, ctx) => ['revert', '-c', lab.uri, ctx.domain, 'e1'],
    // e1 is disk-only: the domain ends shut off as the snapshot was; rolled back it runs again
    states: (pickUp) => (pickUp === 'resume' ? ['shut off'] : ['running']),
    async verify(lab, ctx, pickUp) {
      const problems: string[] = [];
      const top = await topOf(lab, ctx.domain);
      const names = await snapshotNames(lab, ctx.domain);
      const checks = [await checkRegions(ctx.before, [A, B, C], `the state before the revert (${ctx.before})`)];
      if (pickUp === 'resume') {
        if (!names.some((n) => n.startsWith('pre-revert-'))) problems.push(`no safety snapshot after the resumed revert: ${names.join(', ')}`);
        if (top === ctx.before) problems.push('vda still runs on the file of before the revert');
        checks.push(await checkRegions(top, [A, B], `vda after the revert (${top})`));
      } else {
        // rolled back by reverting to the safety snapshot (which stays): the domain runs on a new
        // overlay over the files it ran on before, or on those files themselves
        const chain = await chainFiles(top);
        if (top !== ctx.before && chain[1] !== ctx.before) problems.push(`vda runs on ${chain.join(' <- ')}, not on (an overlay of) ${ctx.before}, after the rollback`);
        checks.push(await checkRegions(top, [A, B, C], `vda after the rollback (${top})`));
      }
      return { problems, data: addChecks(...checks) };
    },
  };

  /** B, e1, C, e2, D: deleting e1 keeps every byte in the running chain, and e2's point in time (A+B+C). */
  async function twoSnapshots(lab: Lab) {
    const { name } = await lab.newDomain({ fillMiB: 8 });
    await writeRegions(lab, name, [B]);
    await virshSnapshot(lab, name, 'e1');
    await writeRegions(lab, name, [C]);
    await virshSnapshot(lab, name, 'e2');
    await writeRegions(lab, name, [D]);
    return { domain: name };
  }
  async function verifyDelete(lab: Lab, ctx: { domain: string }, pickUp: 'resume' | 'rollback', metadataOnly: boolean) {
    const problems: string[] = [];
    const names = await snapshotNames(lab, ctx.domain);
    const top = await topOf(lab, ctx.domain);
    if (!names.includes('e2')) problems.push('snapshot e2 is gone');
    if (pickUp === 'resume' && names.includes('e1')) problems.push('e1 is still there after the resumed delete');
    if (pickUp === 'rollback' && !metadataOnly && !names.includes('e1')) problems.push('e1 is gone after the rollback');
    const e2State = await snapshotStateFile(lab, ctx.domain, 'e2');
    const checks = [await checkRegions(top, [A, B, C, D], `vda (${top})`)];
    if (e2State) checks.push(await checkRegions(e2State, [A, B, C], `e2's point in time (${e2State})`));
    else problems.push('e2 names no vda file for its point in time');
    return { problems, data: addChecks(...checks) };
  }
  const remove: KillCase<object> = {
    flow: 'delete (external, with a child)',
    setup: twoSnapshots,
    args: (lab, ctx) => ['delete', '-c', lab.uri, ctx.domain, 'e1'],
    verify: (lab, ctx, pickUp) => verifyDelete(lab, ctx, pickUp, false),
  };
  const forget: KillCase<object> = {
    flow: 'delete --metadata (external, with a child)',
    setup: twoSnapshots,
    args: (lab, ctx) => ['delete', '-c', lab.uri, ctx.domain, 'e1', '--metadata'],
    verify: (lab, ctx, pickUp) => verifyDelete(lab, ctx, pickUp, true),
  };

  for (const kase of [create, revert, remove, forget] as KillCase<never>[]) {
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
