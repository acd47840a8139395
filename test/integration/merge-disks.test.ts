// A merge over several disks of a running domain: one block job per disk, in sequence, as one
// flow in the journal, the snapshot that covered both forgotten once. Checked with one-shot
// virsh, qemu-img and qemu-io.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Host } from '../../src/engine/host.js';
import { Journal } from '../../src/engine/flows/journal.js';
import { planMerge, type OnlineParams } from '../../src/engine/flows/merge-plan.js';
import { mergeFlowPlan, startMerge } from '../../src/engine/flows/merge-run.js';
import type { BlockJobEvent } from '../../src/engine/jobs/block-job-types.js';
import { describeLab, type Lab } from './lab.js';
import { useLabHost } from './lab-host.js';
import { chainFiles, flushDisk, guestWrite, readsPattern, snapshotNames } from './qemu-checks.js';

describeLab('several disks of a running domain merged as one flow (real QEMU)', () => {
  let lab: Lab;
  let host: Host;
  useLabHost((started, connected) => {
    lab = started;
    host = connected;
  });

  it('--all-disks active commit with pivot: vda then vdb, one journaled flow, the snapshot forgotten once', async () => {
    const { name, disks } = await lab.newDomain();
    const r = await lab.virsh('snapshot-create-as', name, 'both', '--disk-only', '--atomic');
    expect(r.exitCode, r.stderr).toBe(0);
    await guestWrite(lab, name, '0x6b', '0', '16M');

    const params = (await planMerge(host, { operation: 'commit', domain: name, disks: 'all', pivot: true })) as OnlineParams;
    expect(params.way).toBe('online');
    expect(params.plans.map((p) => p.disk)).toEqual(['vda', 'vdb']);
    expect(params.why).toMatch(/one disk after the other/);
    expect(params.cleanup.staleSnapshots.map((s) => s.name)).toEqual(['both']);
    const journal = new Journal(mkdtempSync(join(tmpdir(), 'vs-journal-')));
    const events: BlockJobEvent[] = [];
    const flow = mergeFlowPlan(host, params);
    expect(flow.kind).toBe('block-commit-disks');
    const result = await startMerge(flow, { journal, onEvent: (e) => events.push(e) }).result;
    flow.context.monitor.close();
    expect(result.error).toBeNull();
    expect(result.flow.steps.map((s) => s.id)).toEqual([
      'vda:start', 'vda:copy', 'vda:pivot', 'vda:verify',
      'vdb:start', 'vdb:copy', 'vdb:pivot', 'vdb:verify',
      'forget-metadata',
    ]);
    // in sequence: vdb's job starts only once vda's has completed
    const firstVdb = events.findIndex((e) => e.disk === 'vdb');
    const vdaDone = events.findIndex((e) => e.disk === 'vda' && e.phase === 'completed');
    expect(vdaDone).toBeGreaterThanOrEqual(0);
    expect(firstVdb).toBeGreaterThan(vdaDone);
    expect(journal.flows()).toHaveLength(1);
    expect(journal.flows()[0]!.begin.kind).toBe('block-commit-disks');

    const blk = (await lab.virsh('domblklist', name)).stdout;
    expect(blk).toMatch(new RegExp(`vda\\s+${disks.vda}`));
    expect(blk).toMatch(new RegExp(`vdb\\s+${disks.vdb}`));
    await flushDisk(lab, name);
    expect(await chainFiles(disks.vda)).toEqual([disks.vda]);
    expect(await chainFiles(disks.vdb)).toEqual([disks.vdb]);
    expect(await readsPattern(disks.vda, '0x6b', '0', '16M')).toBe(true);
    expect(await snapshotNames(lab, name)).toEqual([]);
  });
});
