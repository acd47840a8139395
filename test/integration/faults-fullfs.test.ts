// Fault: a full file system while virtsnap writes overlays or a backup. A 16 MiB tmpfs is mounted
// before the lab starts, so the lab's libvirtd and QEMU (in their own mount namespace, a copy of
// this one) and this process see the same file system. Each case fills it, runs the flow with
// the built CLI, and expects a clear error ("No space left on device" or a refusal), the domain
// still on its old chain and running, no snapshot metadata naming a partial file, and the data
// intact; the backup is rolled back and leaves no partial copy behind.

import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeLab, startLab, type Lab } from './lab.js';
import { chainFiles } from './qemu-checks.js';
import { addChecks, checkRegions, freshState, inconsistencies, journalFlows, recordFault, removeStates, virtsnap, type Region } from './faults.js';
import { topOf, writeRegions } from './faults-kill.js';

const A: Region = { pattern: '0x5a', offsetMiB: 0, lengthMiB: 8 }; // the lab's fill
const B: Region = { pattern: '0x41', offsetMiB: 16, lengthMiB: 2 };

describeLab('faults: a full file system while overlays or a backup are written (real QEMU, the built CLI)', () => {
  let lab: Lab;
  let small: string;
  let mounted = false;
  beforeAll(async () => {
    small = mkdtempSync('/tmp/vs-full-');
    const m = await execa('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0755', 'virtsnap-full', small], { reject: false, stdin: 'ignore' });
    if (m.exitCode !== 0) throw new Error(`mount -t tmpfs: ${m.stderr}`);
    mounted = true;
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.stop();
    if (mounted) await execa('umount', [small], { reject: false, stdin: 'ignore' });
    rmSync(small, { recursive: true, force: true });
    removeStates();
  });

  /** Leaves about `freeKiB` free on the small file system. */
  function fillTo(freeKiB: number): string {
    const filler = join(small, `filler-${Date.now()}`);
    const st = statfsSync(small);
    const free = st.bavail * st.bsize;
    writeFileSync(filler, Buffer.alloc(Math.max(0, free - freeKiB * 1024)));
    return filler;
  }

  it('an external snapshot whose overlays go to a full file system: refused or failed with a clear error; the domain stays on its chain', async () => {
    const started = Date.now();
    const { name, disks } = await lab.newDomain({ fillMiB: 8 });
    await writeRegions(lab, name, [B]);
    const filler = fillTo(0);
    const state = freshState();
    const overlay = join(small, `${name}-vda.full1`);
    const r = await virtsnap(state, ['create', '-c', lab.uri, name, 'full1', '--disk-only', '--diskspec', `vda,snapshot=external,file=${overlay}`, '--diskspec', 'vdb,snapshot=no', '--yes']);
    rmSync(filler);
    const problems: string[] = [];
    if (r.exitCode === 0) problems.push('the create succeeded on a full file system');
    if (!/no space left on device|not enough space|space/i.test(r.stderr)) problems.push(`the error does not say the file system is full: ${r.stderr.trim()}`);
    if (await topOf(lab, name) !== disks.vda) problems.push(`vda runs on ${await topOf(lab, name)}, not on ${disks.vda}`);
    if ((await lab.virsh('snapshot-list', name, '--name')).stdout.trim() !== '') problems.push('snapshot metadata was left');
    if (existsSync(overlay)) problems.push(`a partial overlay ${overlay} was left`);
    const [flow] = await journalFlows(state);
    if (flow && !['failed', 'rolled-back'].includes(flow.status)) problems.push(`the journal says ${flow.status}`);
    problems.push(...(await inconsistencies(lab, name)));
    const data = await checkRegions(disks.vda, [A, B], 'vda');
    const record = recordFault({
      fault: 'full-filesystem',
      flow: 'create (external overlay)',
      outcome: 'refused',
      consistent: problems.length === 0,
      bytesVerified: data.bytesVerified,
      bytesLost: data.bytesLost,
      problems: [...problems, ...data.problems],
      ms: Date.now() - started,
    });
    expect(record.problems).toEqual([]);
  });

  it('a backup to a file system that fills up during the copy: a clear error, then rollback leaves the domain on its own files and no partial copy', async () => {
    const started = Date.now();
    const { name, disks } = await lab.newDomain({ fillMiB: 8 });
    await writeRegions(lab, name, [B]);
    const to = join(small, `${name}-backup`);
    const state = freshState();
    // stop after the temporary snapshot, fill the file system, and let the resumed copy hit it
    const killed = await virtsnap(state, ['backup', '-c', lab.uri, name, '--to', to, '--yes', '--json'], { VIRTSNAP_TEST_KILL_AFTER_STEP: 'snapshot' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const filler = fillTo(1024);
    const [flow] = await journalFlows(state);
    expect(flow?.status).toBe('unfinished');
    const resumed = await virtsnap(state, ['resume', flow!.id, '--yes']);
    const problems: string[] = [];
    if (resumed.exitCode === 0) problems.push('the backup succeeded on a full file system');
    if (!/no space left on device/i.test(resumed.stderr)) problems.push(`the error does not say the file system is full: ${resumed.stderr.trim()}`);
    const afterFailure = (await journalFlows(state)).find((f) => f.id === flow!.id);
    if (afterFailure?.status !== 'unfinished') problems.push(`after the failure the journal says ${afterFailure?.status ?? 'nothing'}, not unfinished`);
    rmSync(filler);

    const rollback = await virtsnap(state, ['resume', flow!.id, '--rollback', '--yes']);
    if (rollback.exitCode !== 0) problems.push(`rollback exited ${String(rollback.exitCode)}: ${rollback.stderr.trim()}`);
    const end = (await journalFlows(state)).find((f) => f.id === flow!.id);
    if (end?.status !== 'rolled-back') problems.push(`the journal says ${end?.status ?? 'nothing'}, not rolled-back`);
    if (await topOf(lab, name) !== disks.vda) problems.push(`vda runs on ${await topOf(lab, name)}, not on ${disks.vda}`);
    if ((await chainFiles(disks.vda)).length !== 1) problems.push(`${disks.vda} has a backing file`);
    if ((await lab.virsh('snapshot-list', name, '--name')).stdout.trim() !== '') problems.push('snapshot metadata was left');
    const partial = existsSync(to) ? readdirSync(to).filter((f) => f.endsWith('.qcow2') || f.endsWith('.raw')) : [];
    if (partial.length) problems.push(`partial copies left in ${to}: ${partial.join(', ')}`);
    const overlays = readdirSync(join(lab.dir, 'img')).filter((f) => f.startsWith(`${name}-`) && f.includes('virtsnap-backup'));
    if (overlays.length) problems.push(`temporary overlays left: ${overlays.join(', ')}`);
    problems.push(...(await inconsistencies(lab, name)));
    const data = addChecks(await checkRegions(disks.vda, [A, B], 'vda'));
    const record = recordFault({
      fault: 'full-filesystem',
      flow: 'backup (temporary snapshot)',
      step: 'copy:vda',
      outcome: 'rolled-back',
      consistent: problems.length === 0,
      bytesVerified: data.bytesVerified,
      bytesLost: data.bytesLost,
      problems: [...problems, ...data.problems],
      ms: Date.now() - started,
    });
    expect(record.problems).toEqual([]);
  });
});
