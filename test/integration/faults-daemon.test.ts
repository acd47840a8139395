// Fault: libvirtd restarted while a block job runs. A pull under the Linux guest's I/O (guest.ts
// writes its checked stream), an active commit with pivot of qemu-io patterns, and a backup's
// merge back of the writes made during it (resumed after a kill, so that they are there), each
// at a rate that keeps the job going for several seconds; meanwhile the lab's daemon is stopped and started
// again (scripts/lab restart-daemon: QEMU keeps running and the new daemon reconnects to it). The
// job must be seen again (`virtsnap jobs`), and finished by the CLI or by `virtsnap resume`; then
// the domain is consistent, the journal closed, and every block the guest flushed (every
// pattern) is where the flow put it.

import { existsSync, readdirSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BLOCK, checkStream, startLinuxGuest, writeRate } from './guest.js';
import { describeLab, LAB_SCRIPT, startLab, type Lab } from './lab.js';
import { chainFiles, externalSnapshot, flushDisk } from './qemu-checks.js';
import { BIN, checkRegions, freshState, inconsistencies, journalFlows, recordFault, removeStates, virtsnap, type Region } from './faults.js';
import { topOf, virshSnapshot, writeRegions } from './faults-kill.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeLab('faults: libvirtd restarted during a block job (Linux guest writing, the built CLI)', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.stop();
    removeStates();
  });


  /** The built CLI in the background, on the flow's own journal. */
  const startCli = (state: string, args: string[], timeout: number) =>
    execa('node', [BIN, ...args], { reject: false, stdin: 'ignore', env: { XDG_STATE_HOME: state, XDG_RUNTIME_DIR: `${state}/run`, NO_COLOR: '1' }, timeout });

  /** Waits until libvirt shows the job on vda (`blockjob --raw`), or says why it never came. */
  async function jobRunning(domain: string, type: RegExp, cli: ReturnType<typeof execa>): Promise<void> {
    for (let i = 0; ; i++) {
      const info = await lab.virsh('blockjob', domain, 'vda', '--raw');
      if (type.test(info.stdout)) return;
      if (i > 300 || cli.exitCode !== null) {
        const r = await cli;
        throw new Error(`no ${type.source} job seen: ${info.stdout}${info.stderr}; the CLI: exit ${String(r.exitCode)}\n${String(r.stdout)}\n${String(r.stderr)}`);
      }
      await sleep(100);
    }
  }

  /**
   * Restarts the lab's libvirtd while the CLI follows a job; then the job must be seen again by
   * `virtsnap jobs`, and the flow end done: by itself, or, when the CLI lost its daemon and the
   * journal says unfinished, through `resume` re-attaching to the job.
   */
  async function restartDaemonAndFinish(state: string, domain: string, cli: ReturnType<typeof execa>, job: RegExp) {
    const restart = await execa(LAB_SCRIPT, ['restart-daemon', lab.dir], { reject: false, stdin: 'ignore', timeout: 60_000 });
    expect(restart.exitCode, String(restart.stderr)).toBe(0);
    const jobs = await virtsnap(state, ['jobs', '-c', lab.uri, domain, '--json']);
    const jobSeen = jobs.exitCode === 0 && job.test(jobs.stdout);
    const run = await cli;
    let outcome: 'finished' | 'resumed' = 'finished';
    if (run.exitCode !== 0) {
      const [flow] = await journalFlows(state);
      expect(flow?.status, `${String(run.stdout)}\n${String(run.stderr)}`).toBe('unfinished');
      const resumed = await virtsnap(state, ['resume', flow!.id, '--yes']);
      expect(resumed.exitCode, `${resumed.stdout}\n${resumed.stderr}`).toBe(0);
      outcome = 'resumed';
    }
    const [flow] = await journalFlows(state);
    const problems: string[] = flow?.status === 'done' ? [] : [`the journal says ${flow?.status ?? 'nothing'}, not done`];
    return { jobSeen, jobsText: `${jobs.stdout}${jobs.stderr}`, outcome, problems };
  }

  it('pull: the daemon restarts mid-job; the job is found again and finished; every flushed block is in the overlay', { timeout: 300_000 }, async () => {
    const started = Date.now();
    const g = await startLinuxGuest(lab);
    const st = await g.waitFlushed(g.state().flushed + 3 * (g.state().ready?.batch ?? 16));
    const rate = writeRate(st);
    expect(rate).toBeGreaterThan(0);
    const blocksIn = (s: number) => Math.max(st.ready?.batch ?? 16, Math.ceil(rate * s));
    await g.waitFlushed(g.state().flushed + blocksIn(4));
    const flushedAtSnapshot = g.state().flushed;
    const overlay = await externalSnapshot(lab, g.name, 'p1');
    await g.waitFlushed(g.state().flushed + blocksIn(1));

    // the base holds everything written so far: pulled at 1 MiB/s it takes some seconds
    const baseMiB = ((flushedAtSnapshot + 1) * BLOCK) / 2 ** 20;
    expect(baseMiB).toBeGreaterThanOrEqual(3);
    const state = freshState();
    const cli = startCli(state, ['pull', '-c', lab.uri, g.name, 'vda', '--bandwidth', '1', '--yes', '--json'], 180_000);
    // the job runs
    await jobRunning(g.name, /type=Block Pull/i, cli);
    await sleep(1000);
    const { jobSeen, jobsText, outcome, problems } = await restartDaemonAndFinish(state, g.name, cli, /pull/i);
    if (JSON.stringify(await chainFiles(overlay)) !== JSON.stringify([overlay])) problems.push(`${overlay} still has a backing chain: ${(await chainFiles(overlay)).join(' <- ')}`);
    problems.push(...(await inconsistencies(lab, g.name)));

    await g.waitFlushed(g.state().flushed + blocksIn(1));
    const end = await g.stop();
    expect(end.errors).toEqual([]);
    const check = await checkStream(overlay, { minFlushed: end.flushed });
    const base = await checkStream(g.disks.vda, { minFlushed: flushedAtSnapshot });
    const lost = [...check.problems, ...base.problems];
    const record = recordFault({
      fault: 'libvirtd-restart',
      flow: 'pull',
      step: 'copy',
      outcome,
      consistent: problems.length === 0,
      bytesVerified: check.bytesVerified + base.bytesVerified,
      bytesLost: lost.length === 0 ? 0 : Math.max(0, (end.flushed + 1) * BLOCK - check.contiguous * BLOCK),
      problems: [...problems, ...lost, ...(jobSeen ? [] : [`virtsnap jobs did not show the pull after the restart: ${jobsText}`])],
      ms: Date.now() - started,
    });
    expect(record.problems).toEqual([]);
    expect(check.contiguous).toBe(end.written);
  });

  it('active commit with pivot: the daemon restarts mid-copy; the job is found again, pivoted and finished; the base holds every byte', { timeout: 180_000 }, async () => {
    const started = Date.now();
    const { name, disks } = await lab.newDomain({ fillMiB: 8 });
    await virshSnapshot(lab, name, 'e1');
    const B: Region = { pattern: '0x41', offsetMiB: 16, lengthMiB: 6 };
    await writeRegions(lab, name, [B]);
    const state = freshState();
    // 6 MiB in the overlay at 1 MiB/s: the copy lasts about six seconds
    const cli = startCli(state, ['commit', '-c', lab.uri, name, 'vda', '--active', '--pivot', '--bandwidth', '1', '--yes', '--json'], 120_000);
    await jobRunning(name, /type=Active Block Commit/i, cli);
    await sleep(1500);
    const { jobSeen, jobsText, outcome, problems } = await restartDaemonAndFinish(state, name, cli, /commit/i);
    const top = await topOf(lab, name);
    if (top !== disks.vda) problems.push(`vda runs on ${top}, not on the base ${disks.vda}`);
    problems.push(...(await inconsistencies(lab, name)));
    await flushDisk(lab, name);
    const data = await checkRegions(disks.vda, [{ pattern: '0x5a', offsetMiB: 0, lengthMiB: 8 }, B], 'the base');
    const record = recordFault({
      fault: 'libvirtd-restart',
      flow: 'commit (active, pivot)',
      step: 'copy',
      outcome,
      consistent: problems.length === 0,
      bytesVerified: data.bytesVerified,
      bytesLost: data.bytesLost,
      problems: [...problems, ...data.problems, ...(jobSeen ? [] : [`virtsnap jobs did not show the commit after the restart: ${jobsText}`])],
      ms: Date.now() - started,
    });
    expect(record.problems).toEqual([]);
  });

  it('backup through a temporary snapshot: the daemon restarts while the writes made meanwhile merge back; the domain ends on its own file with every write', { timeout: 180_000 }, async () => {
    const started = Date.now();
    const { name, disks } = await lab.newDomain({ fillMiB: 8 });
    const state = freshState();
    const dir = `${lab.dir}/backup-${name}`;
    // the backup up to its manifest, then the CLI is gone: the temporary overlay takes the next writes
    const killed = await virtsnap(state, ['backup', '-c', lab.uri, name, '--to', dir, '--disks', 'vda', '--no-quiesce', '--bandwidth', '1', '--yes', '--json'], {
      VIRTSNAP_TEST_KILL_AFTER_STEP: 'manifest',
    });
    expect(killed.signal).toBe('SIGKILL');
    const [flow] = await journalFlows(state);
    expect(flow?.status).toBe('unfinished');
    const overlay = await topOf(lab, name);
    expect(overlay).not.toBe(disks.vda);
    // 6 MiB written meanwhile: merged back at 1 MiB/s (the plan's --bandwidth, kept in the journal), some seconds
    const B: Region = { pattern: '0x42', offsetMiB: 16, lengthMiB: 6 };
    await writeRegions(lab, name, [B]);
    const cli = startCli(state, ['resume', flow!.id, '--yes'], 120_000);
    await jobRunning(name, /type=Active Block Commit/i, cli);
    await sleep(1500);
    const { jobSeen, jobsText, outcome, problems } = await restartDaemonAndFinish(state, name, cli, /commit/i);
    const top = await topOf(lab, name);
    if (top !== disks.vda) problems.push(`vda runs on ${top}, not on its own file ${disks.vda}`);
    if (existsSync(overlay)) problems.push(`the temporary overlay ${overlay} is still there`);
    problems.push(...(await inconsistencies(lab, name)));
    await flushDisk(lab, name);
    // the domain's own file holds the fill and the writes made during the backup; the backup, the fill alone
    const data = await checkRegions(disks.vda, [{ pattern: '0x5a', offsetMiB: 0, lengthMiB: 8 }, B], 'the domain file');
    const copies = readdirSync(dir).filter((f) => f.endsWith('.qcow2'));
    expect(copies).toHaveLength(1);
    const copy = await checkRegions(`${dir}/${copies[0]!}`, [{ pattern: '0x5a', offsetMiB: 0, lengthMiB: 8 }], 'the backup');
    const record = recordFault({
      fault: 'libvirtd-restart',
      flow: 'backup (temporary snapshot)',
      step: 'commit:vda',
      outcome,
      consistent: problems.length === 0,
      bytesVerified: data.bytesVerified + copy.bytesVerified,
      bytesLost: data.bytesLost + copy.bytesLost,
      problems: [...problems, ...data.problems, ...copy.problems, ...(jobSeen ? [] : [`virtsnap jobs did not show the commit after the restart: ${jobsText}`])],
      ms: Date.now() - started,
    });
    expect(record.problems).toEqual([]);
  });
});
