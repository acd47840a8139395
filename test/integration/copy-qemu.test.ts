// Block copy on real QEMU guests: the engine's plan and run (pivot onto the copy; an abort),
// the CLI's plan; checked with one-shot virsh, qemu-img and qemu-io.

import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import type { Host } from '../../src/engine/host.js';
import { planBlockCopy } from '../../src/engine/flows/copy-plan.js';
import { runBlockPlan } from '../../src/engine/flows/block-run.js';
import { Journal } from '../../src/engine/flows/journal.js';
import type { BlockJobEvent } from '../../src/engine/jobs/block-job-types.js';
import { JobMonitor } from '../../src/engine/jobs/job-monitor.js';
import { describeLab, type Lab } from './lab.js';
import { useLabHost } from './lab-host.js';
import { chainFiles, externalSnapshot, flushDisk, guestWrite, readsPattern, vdaSource } from './qemu-checks.js';

const BIN = fileURLToPath(new URL('../../dist/virtsnap/bin.js', import.meta.url));

describeLab('block copy on real QEMU', () => {
  let lab: Lab;
  let host: Host;
  useLabHost((started, connected) => {
    lab = started;
    host = connected;
  });
  const journal = () => new Journal(mkdtempSync(join(tmpdir(), 'vs-journal-')));

  it('copy with pivot: a persistent domain copied as a transient job, ready, pivoted; the guest runs on the copy with its data', async () => {
    const { name, disks } = await lab.newDomain();
    await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x2d', '0', '16M');
    const dest = join(lab.dir, 'img', `${name}-vda.copy.qcow2`);

    const plan = await planBlockCopy(host, { domain: name, disk: 'vda', dest, end: 'pivot' });
    expect(plan.refusal).toBeNull();
    expect(plan.start.args).toEqual(['blockcopy', `--domain=${name}`, '--path=vda', `--dest=${dest}`, '--format=qcow2', '--transient-job']);
    expect(plan.warnings.join('\n')).toMatch(/--transient-job.*domain is not transient/);
    expect(plan.change.after).toEqual([dest]);

    const monitor = new JobMonitor(host);
    const events: BlockJobEvent[] = [];
    const result = await runBlockPlan(host, monitor, plan, { journal: journal(), onEvent: (e) => events.push(e) }).result;
    monitor.close();
    expect(result.error).toBeNull();
    expect(result.outcome).toBe('completed');
    expect(result.flow.steps.map((s) => s.id)).toEqual(['start', 'copy', 'pivot', 'verify']);
    expect(events.every((e) => e.type === 'copy')).toBe(true);
    expect(events.map((e) => e.phase)).toContain('ready');
    expect(events.at(-1)!.phase).toBe('completed');

    expect(await vdaSource(lab, name)).toBe(dest);
    expect((await lab.virsh('domblklist', name, '--inactive')).stdout).toContain(dest);
    await flushDisk(lab, name);
    expect(await chainFiles(dest)).toEqual([dest]);
    expect(await readsPattern(dest, '0x2d', '0', '16M')).toBe(true);
    expect(existsSync(disks.vda)).toBe(true);
  });

  it('an aborted copy: the disk stays on its image, the job is gone, the flow ends aborted with the host unchanged', async () => {
    const { name, disks } = await lab.newDomain({ fillMiB: 64 });
    const dest = join(lab.dir, 'img', `${name}-vda.aborted.qcow2`);
    const plan = await planBlockCopy(host, { domain: name, disk: 'vda', dest, end: 'pivot', bandwidthMiB: 1 });
    const monitor = new JobMonitor(host);
    const j = journal();
    let aborted = false;
    const run = runBlockPlan(host, monitor, plan, {
      journal: j,
      onEvent: (e) => {
        if (!aborted && e.phase === 'running') {
          aborted = true;
          void run.abortJob();
        }
      },
    });
    const result = await run.result;
    monitor.close();
    expect(result.outcome).toBe('aborted');
    expect(await vdaSource(lab, name)).toBe(disks.vda);
    expect((await lab.virsh('blockjob', name, 'vda', '--raw')).stdout.trim()).toBe('');
    expect(j.unfinished()).toEqual([]);
  });

  it('the CLI: a shut-off domain is refused with the qemu-img hint (exit 1), a taken destination is refused by the plan (exit 2)', async () => {
    const { name, disks } = await lab.newDomain();
    const taken = await execa('node', [BIN, 'copy', '-c', lab.uri, name, 'vda', disks.vdb, '--dry-run'], { reject: false, stdin: 'ignore' });
    expect(taken.exitCode).toBe(2);
    expect(taken.stderr).toMatch(/exists: libvirt would overwrite it/);
    expect(taken.stdout).toMatch(/--transient-job/);
    expect((await lab.virsh('destroy', name)).exitCode).toBe(0);
    const off = await execa('node', [BIN, 'copy', '-c', lab.uri, name, 'vda', join(lab.dir, 'img', 'x.qcow2'), '--dry-run'], { reject: false, stdin: 'ignore' });
    expect(off.exitCode).toBe(1);
    expect(off.stderr).toMatch(/shut off: a block copy mirrors a running QEMU's disk/);
  });
});
