// Block commit on real QEMU guests: the engine's plan and run, followed by polling, checked
// independently with qemu-img (chains), qemu-io (data patterns) and one-shot virsh.

import { expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli.js';
import type { Host } from '../../src/engine/host.js';
import { BlockPlanError, planBlockCommit } from '../../src/engine/flows/block-plan.js';
import { runBlockPlan } from '../../src/engine/flows/block-run.js';
import { Journal } from '../../src/engine/flows/journal.js';
import type { BlockJobEvent } from '../../src/engine/jobs/block-job-types.js';
import { JobMonitor, JobNotReadyError } from '../../src/engine/jobs/job-monitor.js';
import { VirshCommandError } from '../../src/engine/virsh/errors.js';
import { runCollecting } from './block-run.js';
import { describeLab, type Lab } from './lab.js';
import { useLabHost } from './lab-host.js';
import { chainFiles, externalSnapshot, flushDisk, guestWrite, readsPattern, snapshotNames, vdaSource } from './qemu-checks.js';

const MiB = 1024 * 1024;

describeLab('block commit on real QEMU', () => {
  let lab: Lab;
  let host: Host;
  useLabHost((started, connected) => {
    lab = started;
    host = connected;
  });

  it('active commit: progress, pivot only once ready, data in the base, the merged snapshot forgotten', async () => {
    const { name, disks } = await lab.newDomain();
    const overlay = await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x77', '0', '48M');
    expect(await readsPattern(disks.vda, '0x77', '0', '48M')).toBe(false);

    const plan = await planBlockCommit(host, { domain: name, disk: 'vda', pivot: true, bandwidthMiB: 8 });
    expect(plan.refusal).toBeNull();
    expect(plan.mode).toBe('pivot');
    expect(plan.change.before).toEqual([overlay, disks.vda]);
    expect(plan.change.after).toEqual([disks.vda]);
    expect(plan.change.unused).toEqual([overlay]);
    expect(plan.copy!.bytes).toBeGreaterThanOrEqual(48 * MiB);
    expect(plan.freeBytes).toBeGreaterThan(plan.copy!.bytes);
    expect(plan.staleSnapshots.map((s) => s.name)).toEqual(['e1']);
    expect(plan.forgetMetadata).toBe(true);

    const monitor = new JobMonitor(host);
    const events: BlockJobEvent[] = [];
    let earlyPivot: unknown = null;
    let libvirtEarlyPivot: unknown = null;
    const journal = new Journal(mkdtempSync(join(tmpdir(), 'vs-journal-')));
    const run = runBlockPlan(host, monitor, plan, {
      journal,
      onEvent: (event) => {
        events.push(event);
        if (events.length === 1 && event.phase === 'running') {
          // virtsnap refuses before sending; libvirt itself refuses too
          void monitor.pivot(name, 'vda').catch((e: unknown) => (earlyPivot = e));
          void monitor.control.pivot(name, 'vda').catch((e: unknown) => (libvirtEarlyPivot = e));
        }
      },
    });
    const result = await run.result;
    monitor.close();

    expect(result.error).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(earlyPivot).toBeInstanceOf(JobNotReadyError);
    expect(libvirtEarlyPivot).toBeInstanceOf(VirshCommandError);
    expect((libvirtEarlyPivot as VirshCommandError).libvirtMessage).toMatch(/not ready for pivot/);
    const running = events.filter((e) => e.phase === 'running');
    expect(running.length).toBeGreaterThanOrEqual(3);
    expect(running.every((e) => e.percent < 100 && e.type === 'active-commit' && e.bandwidth === 8)).toBe(true);
    const phases = events.map((e) => e.phase);
    expect(phases.indexOf('ready')).toBeGreaterThan(0);
    expect(phases.at(-1)).toBe('completed');
    expect(phases.indexOf('ready')).toBeLessThan(phases.indexOf('completed'));
    expect(result.forgottenSnapshots).toEqual(['e1']);
    expect(result.flow.steps.map((s) => [s.id, s.status])).toEqual([
      ['start', 'done'],
      ['copy', 'done'],
      ['pivot', 'done'],
      ['verify', 'done'],
      ['forget-metadata', 'done'],
    ]);

    // journaled: a begin line with the params that rebuild it, each step started and done, an end
    const [flow, ...others] = journal.flows();
    expect(others).toEqual([]);
    expect(flow!.begin).toMatchObject({ kind: 'block-commit', domain: name, uri: host.uri });
    expect((flow!.begin.params as { change: { after: string[] } }).change.after).toEqual([disks.vda]);
    expect(flow!.begin.steps[0]!.argv).toEqual([['virsh', ...plan.start.args]]);
    expect(flow!.events.filter((e) => e.event === 'done').map((e) => e.step)).toEqual(['start', 'copy', 'pivot', 'verify', 'forget-metadata']);
    expect(flow!.end).toMatchObject({ status: 'done' });
    expect(journal.unfinished()).toEqual([]);

    expect(await vdaSource(lab, name)).toBe(disks.vda);
    expect(await chainFiles(disks.vda)).toEqual([disks.vda]);
    await flushDisk(lab, name);
    expect(await readsPattern(disks.vda, '0x77', '0', '48M')).toBe(true);
    expect(await snapshotNames(lab, name)).toEqual([]);
    expect((await lab.virsh('blockjob', name, 'vda', '--raw')).stdout.trim()).toBe('');
  });

  it('intermediate commit with --top/--base merges one layer and forgets only its snapshot', async () => {
    const { name, disks } = await lab.newDomain();
    const e1 = await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x11', '0', '16M');
    const e2 = await externalSnapshot(lab, name, 'e2');
    await guestWrite(lab, name, '0x22', '16M', '16M');
    const e3 = await externalSnapshot(lab, name, 'e3');
    await guestWrite(lab, name, '0x33', '32M', '8M');
    expect(await readsPattern(e1, '0x22', '16M', '16M')).toBe(false);

    const plan = await planBlockCommit(host, { domain: name, disk: 'vda', top: e2, base: `${name}-vda.e1.qcow2`, bandwidthMiB: 4 });
    expect(plan.mode).toBe('complete');
    expect(plan.start.args).toEqual(['blockcommit', `--domain=${name}`, '--path=vda', `--top=${e2}`, `--base=${e1}`, '--bandwidth=4']);
    expect(plan.change.after).toEqual([e3, e1, disks.vda]);
    expect(plan.copy!.bytes).toBe(16 * MiB);
    expect(plan.staleSnapshots.map((s) => s.name)).toEqual(['e2']);

    const { result, events } = await runCollecting(host, plan);
    expect(result.error).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(events.filter((e) => e.phase === 'running').length).toBeGreaterThanOrEqual(3);
    expect(events.every((e) => e.type === 'commit')).toBe(true);

    expect(await chainFiles(e3)).toEqual([e3, e1, disks.vda]);
    expect(await vdaSource(lab, name)).toBe(e3);
    await flushDisk(lab, name);
    expect(await readsPattern(e1, '0x22', '16M', '16M')).toBe(true);
    expect(await readsPattern(e1, '0x11', '0', '16M')).toBe(true);
    expect(await readsPattern(e3, '0x33', '32M', '8M')).toBe(true);
    expect(await snapshotNames(lab, name)).toEqual(['e1', 'e3']);
  });

  it('keep-overlay: the base gets the data, the disk stays on the overlay, the snapshot stays', async () => {
    const { name, disks } = await lab.newDomain();
    const overlay = await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x66', '0', '16M');

    const plan = await planBlockCommit(host, { domain: name, disk: 'vda', keepOverlay: true, bandwidthMiB: 4 });
    expect(plan.change.after).toEqual([overlay, disks.vda]);
    expect(plan.staleSnapshots).toEqual([]);
    const { result, events } = await runCollecting(host, plan);
    expect(result.error).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(events.map((e) => e.phase)).toContain('ready');
    expect(events.at(-1)!.message).toMatch(/overlay was kept/);

    expect(await vdaSource(lab, name)).toBe(overlay);
    expect(await chainFiles(overlay)).toEqual([overlay, disks.vda]);
    // the base alone (it has no backing file) now holds the data
    await flushDisk(lab, name);
    expect(await readsPattern(disks.vda, '0x66', '0', '16M')).toBe(true);
    expect(await snapshotNames(lab, name)).toEqual(['e1']);
  });

  it('abort leaves the chain and the data as they were', async () => {
    const { name, disks } = await lab.newDomain();
    const overlay = await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x55', '0', '32M');

    const plan = await planBlockCommit(host, { domain: name, disk: 'vda', pivot: true, bandwidthMiB: 1 });
    const monitor = new JobMonitor(host);
    const events: BlockJobEvent[] = [];
    const run = runBlockPlan(host, monitor, plan, {
      onEvent: (e) => {
        events.push(e);
        if (events.length === 3) void run.abortJob();
      },
    });
    const result = await run.result;
    monitor.close();
    expect(result.outcome).toBe('aborted');
    expect(result.ok).toBe(false);
    expect(events.at(-1)!.phase).toBe('aborted');
    const status = (id: string) => result.flow.steps.find((s) => s.id === id)!.status;
    expect([status('copy'), status('pivot'), status('forget-metadata')]).toEqual(['failed', 'pending', 'pending']);
    // the chain is as it was: the journal closes the flow (nothing to resume or roll back)
    expect(result.flow.unfinished).toBe(false);

    expect((await lab.virsh('blockjob', name, 'vda', '--raw')).stdout.trim()).toBe('');
    expect(await vdaSource(lab, name)).toBe(overlay);
    expect(await chainFiles(overlay)).toEqual([overlay, disks.vda]);
    await flushDisk(lab, name);
    expect(await readsPattern(overlay, '0x55', '0', '32M')).toBe(true);
    expect(await snapshotNames(lab, name)).toEqual(['e1']);
  });

  it('deletes a merged file only when asked and when no snapshot or chain uses it', async () => {
    const a = await lab.newDomain();
    const aOverlay = await externalSnapshot(lab, a.name, 'e1');
    await guestWrite(lab, a.name, '0x2a', '0', '8M');
    const planA = await planBlockCommit(host, { domain: a.name, disk: 'vda', pivot: true, deleteUnusedFiles: true });
    expect(planA.deleteFiles).toBe(true);
    expect(planA.change.unused).toEqual([aOverlay]);
    const monitor = new JobMonitor(host);
    const resultA = await runBlockPlan(host, monitor, planA).result;
    expect(resultA.error).toBeNull();
    expect(resultA.deletedFiles).toEqual([aOverlay]);
    expect(existsSync(aOverlay)).toBe(false);
    expect(await snapshotNames(lab, a.name)).toEqual([]);

    // the snapshot's metadata is kept, so it still refers to the overlay: the file stays
    const b = await lab.newDomain();
    const bOverlay = await externalSnapshot(lab, b.name, 'e1');
    await guestWrite(lab, b.name, '0x2b', '0', '8M');
    const planB = await planBlockCommit(host, { domain: b.name, disk: 'vda', pivot: true, deleteUnusedFiles: true, forgetMetadata: false });
    expect(planB.forgetMetadata).toBe(false);
    const resultB = await runBlockPlan(host, monitor, planB).result;
    monitor.close();
    expect(resultB.error).toBeNull();
    expect(resultB.deletedFiles).toEqual([]);
    expect(resultB.keptFiles).toEqual([expect.stringMatching(new RegExp(`^${bOverlay} \\(used by snapshot e1 of ${b.name}\\)$`))]);
    expect(existsSync(bOverlay)).toBe(true);
    expect(await snapshotNames(lab, b.name)).toEqual(['e1']);
    expect(await vdaSource(lab, b.name)).toBe(b.disks.vda);
  });

  it('refuses to plan a job on a shut-off domain, and a second job on a busy disk', async () => {
    const off = await lab.newDomain({ running: false });
    await externalSnapshot(lab, off.name, 'e1');
    const refused = await planBlockCommit(host, { domain: off.name, disk: 'vda', pivot: true }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BlockPlanError);
    expect((refused as BlockPlanError).message).toMatch(/is shut off: block jobs run inside QEMU/);
    expect((refused as BlockPlanError).usage).toBe(false);

    const busy = await lab.newDomain();
    await externalSnapshot(lab, busy.name, 'e1');
    await guestWrite(lab, busy.name, '0x1b', '0', '16M');
    expect((await lab.virsh('blockcommit', busy.name, 'vda', '--active', '--bandwidth', '1')).exitCode).toBe(0);
    const second = await planBlockCommit(host, { domain: busy.name, disk: 'vda', pivot: true });
    expect(second.refusal).toMatch(/Active Block Commit job already runs on vda/);
    expect((await lab.virsh('blockjob', busy.name, 'vda', '--abort')).exitCode).toBe(0);
  });

  it('CLI: commit --json stays synchronized, then `job --pivot` finishes it', async () => {
    const { name, disks } = await lab.newDomain();
    const overlay = await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x3c', '0', '24M');
    const run = async (argv: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await main([...argv, '-c', lab.uri], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), isTty: false, env: {} });
      return { code, stdout, stderr };
    };

    // the conventions of every mutating command: without a terminal and without --yes nothing runs
    const refused = await run(['commit', name, 'vda', '--bandwidth', '8']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    const dry = await run(['commit', name, 'vda', '--bandwidth', '8', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^commit \(synchronized\) on .* vda, at most 8 MiB\/s\n/);
    expect(dry.stdout).toContain(`blockcommit --domain=${name} --path=vda --base=${disks.vda} --active --bandwidth=8\n`);
    expect(await vdaSource(lab, name)).toBe(overlay);
    expect((await lab.virsh('blockjob', name, 'vda', '--raw')).stdout.trim()).toBe('');

    const commit = await run(['commit', name, 'vda', '--bandwidth', '8', '--yes', '--json']);
    expect(commit.stderr).toBe('');
    expect(commit.code).toBe(0);
    const lines = commit.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'plan', kind: 'block-commit', mode: 'synchronized' });
    const steps = lines.filter((l) => l.type === 'step');
    expect(steps.filter((l) => l.event === 'done').map((l) => l.step)).toEqual(['start', 'copy', 'synchronized', 'verify']);
    const progress = lines.filter((l) => l.type === 'progress').map((l) => l.event as BlockJobEvent);
    expect(progress.filter((e) => e.phase === 'running').length).toBeGreaterThanOrEqual(3);
    expect(progress.at(-1)!.phase).toBe('ready');
    const result = lines.at(-1)!;
    expect(result).toMatchObject({ type: 'result', status: 'done', ok: true, outcome: 'ready', chainAfter: [overlay, disks.vda] });
    // the job is still there, waiting in its synchronized phase
    expect((await lab.virsh('blockjob', name, 'vda', '--raw')).stdout).toMatch(/type=Active Block Commit/);
    expect((await lab.virsh('dumpxml', name)).stdout).toMatch(/<mirror [^>]*ready='yes'/);

    const jobs = await run(['jobs', name, '--json']);
    expect(JSON.parse(jobs.stdout)).toEqual([expect.objectContaining({ domain: name, disk: 'vda', type: 'active-commit', ready: true })]);

    const notConfirmed = await run(['job', name, 'vda', '--pivot']);
    expect(notConfirmed.code).toBe(2);
    expect(notConfirmed.stdout).toMatch(/^Pivot the active-commit on .* vda\n/);
    expect((await lab.virsh('blockjob', name, 'vda', '--raw')).stdout).toMatch(/type=Active Block Commit/);
    expect((await run(['job', name, 'vda', '--abort', '--dry-run'])).code).toBe(0);
    expect((await lab.virsh('blockjob', name, 'vda', '--raw')).stdout).toMatch(/type=Active Block Commit/);

    const pivot = await run(['job', name, 'vda', '--pivot', '--yes', '--json']);
    expect(pivot.code).toBe(0);
    const pivotLines = pivot.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(pivotLines[0]).toMatchObject({ type: 'plan', kind: 'block-job-pivot', refusal: null });
    expect(pivotLines.at(-1)).toMatchObject({ type: 'result', status: 'done', phase: 'completed', chain: [disks.vda] });
    expect(await vdaSource(lab, name)).toBe(disks.vda);
    await flushDisk(lab, name);
    expect(await readsPattern(disks.vda, '0x3c', '0', '24M')).toBe(true);
    // a pivot with plain virsh leaves the metadata; virtsnap's commit flow forgets it (first test)
    expect(await snapshotNames(lab, name)).toEqual(['e1']);
  });
});
