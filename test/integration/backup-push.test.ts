// Backups through libvirt's backup job with checkpoints, on real QEMU: a full backup, new writes
// in the guest, an incremental one that holds only those writes (its allocated size against the
// bytes written), and restore-backup's chain that reads back every pattern. Checked with
// qemu-img, qemu-io and one-shot virsh, not with the engine.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, it } from 'vitest';
import type { Host } from '../../src/engine/host.js';
import type { FlowPlan } from '../../src/engine/flows/flow-plan.js';
import { Journal } from '../../src/engine/flows/journal.js';
import { runFlow } from '../../src/engine/flows/flow-run.js';
import { planBackupPush, type BackupPushParams } from '../../src/engine/flows/backup-push.js';
import { planRestoreBackup, type RestoreBackupParams } from '../../src/engine/flows/backup-restore.js';
import { planCheckpointDelete } from '../../src/engine/flows/checkpoint.js';
import { readManifest } from '../../src/engine/flows/backup-manifest.js';
import { describeLab, type Lab } from './lab.js';
import { useLabHost } from './lab-host.js';
import { backingChain, guestWrite, readsPattern } from './qemu-checks.js';

const MiB = 1024 * 1024;

async function info(image: string): Promise<{ 'actual-size': number; 'full-backing-filename'?: string }> {
  return JSON.parse((await execa('qemu-img', ['info', '-U', '--output=json', image])).stdout) as { 'actual-size': number; 'full-backing-filename'?: string };
}

/** Bytes of data the image itself holds (its own clusters, not its backing file's). */
async function ownData(image: string): Promise<number> {
  const { stdout } = await execa('qemu-img', ['map', '-U', '--output=json', image]);
  return (JSON.parse(stdout) as { length: number; depth: number; data: boolean }[]).filter((e) => e.depth === 0 && e.data).reduce((s, e) => s + e.length, 0);
}

describeLab('backup job with checkpoints: full, incremental, restore-backup (real QEMU)', () => {
  let lab: Lab;
  let host: Host;
  useLabHost((l, h) => {
    lab = l;
    host = h;
  });
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const tmp = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };

  it('an incremental holds only what changed, and the rebuilt chain reads every pattern', async () => {
    const { name } = await lab.newDomain({ fillMiB: 32 });
    const journal = new Journal(tmp('vs-bk-journal-'));
    const dir = join(tmp('vs-bk-'), 'backup');

    const t0 = Date.now();
    const full = await planBackupPush(host, { domain: name, to: dir, incremental: false, quiesce: 'auto' });
    expect(full.refusal).toBeNull();
    const fullParams = full.params as BackupPushParams;
    expect(fullParams.agentNote).toMatch(/no guest agent channel/);
    const fullRun = await runFlow(full as FlowPlan, { journal });
    expect(fullRun.status, String(fullRun.error)).toBe('done');
    const fullMs = Date.now() - t0;
    const fullVda = fullParams.disks.find((d) => d.target === 'vda')!.file;
    expect(await readsPattern(fullVda, '0x5a', '0', '32M')).toBe(true);
    expect((await info(fullVda))['full-backing-filename']).toBeUndefined();
    // libvirt's own record: the checkpoint exists with a bitmap on each disk
    expect((await lab.virsh('checkpoint-list', name, '--name')).stdout.trim()).toBe(fullParams.checkpoint);

    await guestWrite(lab, name, '0x61', '40M', '3M');
    await guestWrite(lab, name, '0x62', '100M', '1M');

    const t1 = Date.now();
    const inc = await planBackupPush(host, { domain: name, to: dir, incremental: true, quiesce: 'auto', now: new Date(Date.now() + 1000) });
    expect(inc.refusal).toBeNull();
    const incParams = inc.params as BackupPushParams;
    expect(incParams.since).toBe(fullParams.checkpoint);
    const incRun = await runFlow(inc as FlowPlan, { journal });
    expect(incRun.status, String(incRun.error)).toBe('done');
    const incMs = Date.now() - t1;
    const incVda = incParams.disks.find((d) => d.target === 'vda')!.file;
    // only the 4 MiB written since the checkpoint (64 KiB clusters: exactly those)
    expect(await ownData(incVda)).toBe(4 * MiB);
    const incActual = (await info(incVda))['actual-size'];
    expect(incActual).toBeGreaterThanOrEqual(4 * MiB);
    expect(incActual).toBeLessThan(5 * MiB);
    const incVdb = incParams.disks.find((d) => d.target === 'vdb')!.file;
    expect(await ownData(incVdb)).toBe(0);

    const checkpoints = (await lab.virsh('checkpoint-list', name, '--parent')).stdout;
    expect(checkpoints).toMatch(new RegExp(`${incParams.checkpoint}\\s+\\S+ \\S+ \\S+\\s+${fullParams.checkpoint}`));
    const manifest = readManifest(dir)!;
    expect(manifest.backups.map((b) => [b.kind, b.checkpoint, b.since])).toEqual([
      ['full', fullParams.checkpoint, null],
      ['incremental', incParams.checkpoint, fullParams.checkpoint],
    ]);

    const restored = join(tmp('vs-bk-restore-'), 'r');
    const restore = planRestoreBackup(host, { dir, to: restored });
    expect(restore.refusal).toBeNull();
    const restoreRun = await runFlow(restore as FlowPlan, { journal });
    expect(restoreRun.status, String(restoreRun.error)).toBe('done');
    const top = (restore.params as RestoreBackupParams).disks.find((d) => d.target === 'vda')!.to.at(-1)!;
    expect((await backingChain(top)).map((l) => l.filename.split('/').at(-1))).toEqual([incVda.split('/').at(-1), fullVda.split('/').at(-1)]);
    for (const [pattern, offset, length] of [
      ['0x5a', '0', '32M'],
      ['0x61', '40M', '3M'],
      ['0x62', '100M', '1M'],
      ['0', '32M', '8M'],
      ['0', '43M', '57M'],
    ] as const) {
      expect(await readsPattern(top, pattern, offset, length), `${pattern} at ${offset}`).toBe(true);
    }
    expect((await execa('qemu-img', ['check', top])).exitCode).toBe(0);
    console.log(`[measured] full backup ${fullMs} ms (vda ${(await info(fullVda))['actual-size']} bytes); incremental ${incMs} ms (vda ${incActual} bytes for 4 MiB written)`);

    // deleting the newest checkpoint merges it away; the older one stays usable
    const del = await planCheckpointDelete(host, { domain: name, name: incParams.checkpoint });
    expect(del.confirmation).toEqual({ kind: 'type-name', text: incParams.checkpoint });
    expect((await runFlow(del as FlowPlan, { journal })).status).toBe('done');
    expect((await lab.virsh('checkpoint-list', name, '--name')).stdout.trim()).toBe(fullParams.checkpoint);
  });

  it('refuses an incremental without a checkpoint to start from, and a shut-off domain', async () => {
    const { name } = await lab.newDomain();
    const dir = join(tmp('vs-bk-'), 'empty');
    const inc = await planBackupPush(host, { domain: name, to: dir, incremental: true, quiesce: 'auto' });
    expect(inc.refusal).toMatch(/holds no backup with a checkpoint; start with a full one/);
    const off = await lab.newDomain({ running: false });
    const full = await planBackupPush(host, { domain: off.name, to: dir, incremental: false, quiesce: 'auto' });
    expect(full.refusal).toMatch(/shut off: libvirt's backup job needs a running domain/);
  });
});
