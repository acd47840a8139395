// Merge and flatten of a shut-off domain on real QEMU images (libvirt 9.0 refuses block jobs
// there): qemu-img commit/rebase, then `virsh define` of the definition on the new tops and the
// snapshot metadata cleaned up. Checked independently: data patterns read offline with qemu-io,
// `qemu-img info --backing-chain`, domblklist and dumpxml --inactive, snapshot-list, and a start.

import { mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Host } from '../../src/engine/host.js';
import { continueFlow } from '../../src/engine/flows/flow-run.js';
import { rebuildFlow } from '../../src/engine/flows/flow-kinds.js';
import { Journal } from '../../src/engine/flows/journal.js';
import { planMerge, type OfflineParams } from '../../src/engine/flows/merge-plan.js';
import { mergeFlowPlan, startMerge } from '../../src/engine/flows/merge-run.js';
import type { BlockJobEvent } from '../../src/engine/jobs/block-job-types.js';
import { describeLab, type Lab } from './lab.js';
import { useLabHost } from './lab-host.js';
import { chainFiles, externalSnapshot, flushDisk, guestWrite, readsPattern, snapshotNames } from './qemu-checks.js';

describeLab('offline merge and flatten (shut-off domain, real QEMU images)', () => {
  let lab: Lab;
  let host: Host;
  useLabHost((started, connected) => {
    lab = started;
    host = connected;
  });

  const journal = () => new Journal(mkdtempSync(join(tmpdir(), 'vs-journal-')));

  async function shutOff(name: string): Promise<void> {
    await flushDisk(lab, name);
    expect((await lab.virsh('destroy', name)).exitCode).toBe(0);
    expect((await lab.virsh('domstate', name)).stdout.trim()).toBe('shut off');
  }

  async function sources(name: string, inactive = true): Promise<Record<string, string>> {
    const { stdout } = await lab.virsh('domblklist', name, ...(inactive ? ['--inactive'] : []));
    return Object.fromEntries(
      stdout
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((c) => c.length === 2)
        .map(([t, s]) => [t!, s!]),
    );
  }

  async function diskXml(name: string, target: string): Promise<string> {
    const { stdout } = await lab.virsh('dumpxml', name, '--inactive');
    return [...stdout.matchAll(/<disk[\s\S]*?<\/disk>/g)].map((m) => m[0]).find((d) => d.includes(`dev='${target}'`)) ?? '';
  }

  async function run(params: Awaited<ReturnType<typeof planMerge>>) {
    const events: BlockJobEvent[] = [];
    const flow = mergeFlowPlan(host, params);
    const result = await startMerge(flow, { journal: journal(), onEvent: (e) => events.push(e) }).result;
    return { result, events, flow };
  }

  it('merge: the active layer committed into its base with qemu-img, the domain defined on the base, the snapshot forgotten', async () => {
    const { name, disks } = await lab.newDomain();
    const e1 = await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x5a', '0', '24M');
    await shutOff(name);
    expect(await readsPattern(disks.vda, '0x5a', '0', '24M')).toBe(false);
    expect(await diskXml(name, 'vda')).toContain('<backingStore');

    const params = (await planMerge(host, { operation: 'commit', domain: name, disks: [{ disk: 'vda' }] })) as OfflineParams;
    expect(params.way).toBe('offline');
    expect(params.why).toMatch(/shut off.*domain is not running.*qemu-img/);
    expect(params.refusal).toBeNull();
    const [vda] = params.disks;
    expect(vda!.change.before).toEqual([e1, disks.vda]);
    expect(vda!.change.after).toEqual([disks.vda]);
    expect(vda!.merge.args).toEqual(['commit', '-p', '-f', 'qcow2', '-b', disks.vda, e1]);
    expect(vda!.copy!.bytes).toBeGreaterThanOrEqual(24 * 1024 * 1024);
    expect(params.cleanup.staleSnapshots.map((s) => s.name)).toEqual(['e1']);

    const { result, events, flow } = await run(params);
    expect(flow.kind).toBe('offline-commit');
    expect(result.error).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(result.flow.steps.map((s) => s.id)).toEqual(['vda:merge', 'define', 'verify', 'forget-metadata']);
    // qemu-img's own -p output, as the same events the block-job bars use
    expect(events[0]).toMatchObject({ domain: name, disk: 'vda', type: 'active-commit', phase: 'running' });
    expect(events.at(-1)).toMatchObject({ phase: 'completed', percent: 100 });
    expect(events.filter((e) => e.phase === 'running' && e.percent > 0 && e.percent < 100).length).toBeGreaterThan(0);

    expect(await sources(name)).toMatchObject({ vda: disks.vda });
    expect(await diskXml(name, 'vda')).not.toContain('<backingStore');
    expect(await chainFiles(disks.vda)).toEqual([disks.vda]);
    expect(await readsPattern(disks.vda, '0x5a', '0', '24M')).toBe(true);
    expect(await snapshotNames(lab, name)).toEqual([]);
    // libvirt takes the new definition: it starts on the base, and the guest reads the merged data
    expect((await lab.virsh('start', name)).exitCode).toBe(0);
    expect(await sources(name, false)).toMatchObject({ vda: disks.vda });
  });

  it('intermediate merge: a middle layer committed into a base below its backing file (-b), the layer above rebased onto it', async () => {
    const { name, disks } = await lab.newDomain();
    const e1 = await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x11', '0', '8M');
    const e2 = await externalSnapshot(lab, name, 'e2');
    await guestWrite(lab, name, '0x22', '8M', '8M');
    const e3 = await externalSnapshot(lab, name, 'e3');
    await guestWrite(lab, name, '0x33', '16M', '8M');
    await shutOff(name);

    const params = (await planMerge(host, { operation: 'commit', domain: name, disks: [{ disk: 'vda', top: e2, base: disks.vda }] })) as OfflineParams;
    const [vda] = params.disks;
    expect(vda!.change.after).toEqual([e3, disks.vda]);
    expect(vda!.merge.args).toEqual(['commit', '-p', '-f', 'qcow2', '-b', disks.vda, e2]);
    expect(vda!.rebaseAbove!.command.args).toEqual(['rebase', '-u', '-f', 'qcow2', '-F', 'qcow2', '-b', disks.vda, e3]);
    expect(params.cleanup.staleSnapshots.map((s) => s.name).sort()).toEqual(['e1', 'e2']);
    // e3 was e2's child: redefined under no parent with its own recorded disk state
    expect(params.cleanup.children.map((c) => [c.name, c.parent])).toEqual([['e3', null]]);

    const { result } = await run(params);
    expect(result.error).toBeNull();
    expect(result.flow.steps.map((s) => s.id)).toEqual(['vda:merge', 'vda:rebase-above', 'define', 'verify', 'forget-metadata']);
    expect(await chainFiles(e3)).toEqual([e3, disks.vda]);
    expect(await sources(name)).toMatchObject({ vda: e3 });
    for (const [pattern, offset] of [['0x11', '0'], ['0x22', '8M'], ['0x33', '16M']] as const) {
      expect(await readsPattern(e3, pattern, offset, '8M')).toBe(true);
    }
    expect(await readsPattern(disks.vda, '0x22', '8M', '8M')).toBe(true);
    expect(await snapshotNames(lab, name)).toEqual(['e3']);
    const e3Xml = (await lab.virsh('snapshot-dumpxml', name, 'e3')).stdout;
    expect(e3Xml).not.toContain('<parent>');
    // its recorded state is still e2's overlay, as libvirt wrote it when e3 was taken
    expect(e3Xml).toContain(`<source file='${e2}'`);
    expect(e1).toBeTruthy();
  });

  it('flatten: the whole chain pulled into the top with qemu-img rebase, the domain defined without a backing chain', async () => {
    const { name, disks } = await lab.newDomain();
    await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x41', '0', '8M');
    const e2 = await externalSnapshot(lab, name, 'e2');
    await guestWrite(lab, name, '0x42', '8M', '8M');
    await shutOff(name);

    const params = (await planMerge(host, { operation: 'pull', domain: name, disks: [{ disk: 'vda' }] })) as OfflineParams;
    expect(params.way).toBe('offline');
    expect(params.disks[0]!.merge.args).toEqual(['rebase', '-p', '-f', 'qcow2', '-b', '', e2]);
    const { result, events } = await run(params);
    expect(result.error).toBeNull();
    expect(events.at(-1)).toMatchObject({ type: 'pull', phase: 'completed' });
    expect(await chainFiles(e2)).toEqual([e2]);
    expect(await readsPattern(e2, '0x41', '0', '8M')).toBe(true);
    expect(await readsPattern(e2, '0x42', '8M', '8M')).toBe(true);
    expect(await sources(name)).toMatchObject({ vda: e2 });
    expect(await diskXml(name, 'vda')).not.toContain('<backingStore');
    expect(await snapshotNames(lab, name)).toEqual(['e2']);
    expect((await lab.virsh('start', name)).exitCode).toBe(0);
    expect(disks.vda).toBeTruthy();
  });

  it('two disks: one snapshot over vda and vdb merged on both, in sequence, as one flow', async () => {
    const { name, disks } = await lab.newDomain();
    const r = await lab.virsh('snapshot-create-as', name, 'both', '--disk-only', '--atomic');
    expect(r.exitCode, r.stderr).toBe(0);
    await guestWrite(lab, name, '0x66', '0', '8M');
    await shutOff(name);
    const before = await sources(name);
    expect(before.vda).not.toBe(disks.vda);
    expect(before.vdb).not.toBe(disks.vdb);

    const params = (await planMerge(host, { operation: 'commit', domain: name, disks: 'all' })) as OfflineParams;
    expect(params.disks.map((d) => d.disk)).toEqual(['vda', 'vdb']);
    expect(params.why).toMatch(/one disk after the other/);
    const { result, events } = await run(params);
    expect(result.error).toBeNull();
    expect(result.flow.steps.map((s) => s.id)).toEqual(['vda:merge', 'vdb:merge', 'define', 'verify', 'forget-metadata']);
    expect(new Set(events.filter((e) => e.phase === 'completed').map((e) => e.disk))).toEqual(new Set(['vda', 'vdb']));
    expect(await sources(name)).toMatchObject({ vda: disks.vda, vdb: disks.vdb });
    expect(await chainFiles(disks.vda)).toEqual([disks.vda]);
    expect(await chainFiles(disks.vdb)).toEqual([disks.vdb]);
    expect(await readsPattern(disks.vda, '0x66', '0', '8M')).toBe(true);
    expect(await snapshotNames(lab, name)).toEqual([]);
  });

  it('two disks, the second fails: vda stays merged, the flow is unfinished and names the state; resume finishes vdb and the rest', async () => {
    const { name, disks } = await lab.newDomain();
    const r = await lab.virsh('snapshot-create-as', name, 'both', '--disk-only', '--atomic');
    expect(r.exitCode, r.stderr).toBe(0);
    await guestWrite(lab, name, '0x67', '0', '8M');
    await shutOff(name);
    const params = (await planMerge(host, { operation: 'commit', domain: name, disks: 'all' })) as OfflineParams;
    // vdb's base goes missing between the plan and the run: qemu-img commit fails on it
    const hidden = `${disks.vdb}.away`;
    renameSync(disks.vdb, hidden);
    const j = journal();
    const failed = await startMerge(mergeFlowPlan(host, params), { journal: j }).result;
    expect(failed.ok).toBe(false);
    expect(failed.flow.unfinished).toBe(true);
    expect(failed.flow.failedStep?.id).toBe('vdb:merge');
    expect(failed.error).toMatch(/qemu-img commit/);
    expect(failed.flow.leftState).toMatch(/holds vda's merged data; the domain's definition still names/);
    expect(failed.flow.steps.map((s) => [s.id, s.status])).toEqual([
      ['vda:merge', 'done'],
      ['vdb:merge', 'failed'],
      ['define', 'pending'],
      ['verify', 'pending'],
      ['forget-metadata', 'pending'],
    ]);
    // the definition is untouched until every disk is merged
    const before = await sources(name);
    expect(before.vda).not.toBe(disks.vda);

    renameSync(hidden, disks.vdb);
    const [record] = j.unfinished(host.uri);
    expect(record!.done).toEqual(['vda:merge']);
    const plan = await rebuildFlow(host, record!);
    const resumed = await continueFlow(plan, record!, { journal: j });
    expect(resumed.status).toBe('done');
    expect(await sources(name)).toMatchObject({ vda: disks.vda, vdb: disks.vdb });
    expect(await chainFiles(disks.vdb)).toEqual([disks.vdb]);
    expect(await readsPattern(disks.vda, '0x67', '0', '8M')).toBe(true);
    expect(await snapshotNames(lab, name)).toEqual([]);
    expect(j.unfinished()).toEqual([]);
  });
});
