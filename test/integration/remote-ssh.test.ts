// A host reached over SSH for real: a private sshd on 127.0.0.1 (loopback-sshd.ts) in front of a
// lab libvirtd, with `qemu+ssh://root@127.0.0.1:PORT/system?socket=…&keyfile=…&no_verify=1`.
// Everything that reads disk images goes over SSH (one multiplexed connection); logins are
// counted from sshd's own log; the sshd process serving libvirt is killed during a commit.

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { main } from '../../src/cli.js';
import { demoUri, openHost } from '../../src/engine/connect.js';
import { hostsFilePath } from '../../src/engine/hosts-file.js';
import { listDomainsWithSnapshots } from '../../src/engine/domain-listing.js';
import { planBlockCommit } from '../../src/engine/flows/block-plan.js';
import { planMerge, type OfflineParams } from '../../src/engine/flows/merge-plan.js';
import { mergeFlowPlan, startMerge } from '../../src/engine/flows/merge-run.js';
import { execa } from 'execa';
import { runBlockPlan } from '../../src/engine/flows/block-run.js';
import { Journal } from '../../src/engine/flows/journal.js';
import { closeAllHostFiles, filesOf } from '../../src/engine/host-files.js';
import type { BlockJobEvent } from '../../src/engine/jobs/block-job-types.js';
import { JobMonitor } from '../../src/engine/jobs/job-monitor.js';
import type { VirshSession } from '../../src/engine/virsh/session.js';
import { ConnectionLostError, type ConnectionEvent } from '../../src/engine/virsh/connection-loss.js';
import { virshCommands } from '../../src/engine/virsh/commands.js';
import { describeLab, startLab, type Lab } from './lab.js';
import { sshdAvailable, startSshd, type LoopbackSshd } from './loopback-sshd.js';
import { runCollecting } from './block-run.js';
import { chainFiles, externalSnapshot, flushDisk, guestWrite, readsPattern, snapshotNames, vdaSource } from './qemu-checks.js';


async function virtsnap(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const exitCode = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTty: false, env: {} });
  return { stdout, stderr, exitCode };
}

describeLab('a lab host over qemu+ssh through a loopback sshd', () => {
  let lab: Lab;
  let sshd: LoopbackSshd;
  let uri: string;

  beforeAll(async () => {
    if (!sshdAvailable()) throw new Error('openssh-server is missing: run scripts/setup');
    [lab, sshd] = await Promise.all([startLab(), startSshd()]);
    uri = sshd.uriFor(`${lab.dir}/libvirt-sock`);
  });
  afterAll(async () => {
    await closeAllHostFiles();
    await sshd?.stop();
    await lab?.stop();
  });

  it('reads files over one multiplexed SSH connection, never from this machine', async () => {
    const { disks } = await lab.newDomain({ running: false });
    const host = { uri };
    const files = filesOf(host);
    expect(files.kind).toBe('ssh');
    const before = sshd.logins();
    const facts = await files.probe([disks.vda, `${lab.dir}/img/none.qcow2`]);
    expect(facts.get(disks.vda)).toMatchObject({ exists: true, directory: false });
    expect(facts.get(`${lab.dir}/img/none.qcow2`)).toEqual({ exists: false, size: null, directory: false });
    expect(await files.freeBytes(`${lab.dir}/img/new.qcow2`)).toBeGreaterThan(0);
    const info = await files.qemuImg(['info', '-U', '--output=json', disks.vda], { timeoutMs: 10_000 });
    expect(JSON.parse(info.stdout).format).toBe('qcow2');
    expect((await files.listDirectories([`${lab.dir}/img`])).get(`${lab.dir}/img`)).toContain(disks.vda.split('/').at(-1));
    // four commands, one login: the rest went through the control socket
    expect(sshd.logins() - before).toBe(1);
  });

  it('20 hosts in the hosts file (18 test-driver URIs, the lab over SSH and locally): hosts and list --host stay fast', async () => {
    const env = { XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'vs-hosts-')), HOME: tmpdir() };
    onTestFinished(() => rmSync(env.XDG_CONFIG_HOME, { recursive: true, force: true }));
    const file = hostsFilePath(env);
    mkdirSync(dirname(file), { recursive: true });
    const tables = [
      `[hosts.lab-ssh]\nuri = "${uri}"\n`,
      `[hosts.lab-local]\nuri = "${lab.uri}"\n`,
      ...Array.from({ length: 18 }, (_, i) => `[hosts.test-${i + 1}]\nuri = "${demoUri()}"\nreadonly = true\n`),
    ];
    writeFileSync(file, tables.join('\n'));
    const run = async (...args: string[]) => {
      let stdout = '';
      let stderr = '';
      const started = performance.now();
      const exitCode = await main(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTty: false, env });
      return { stdout, stderr, exitCode, ms: performance.now() - started };
    };
    const hosts = await run('hosts', '--json');
    expect(hosts.exitCode).toBe(0);
    const json = JSON.parse(hosts.stdout) as { hosts: { name: string; reachable: boolean; libvirt: string | null; hypervisor: string | null }[] };
    expect(json.hosts).toHaveLength(20);
    expect(json.hosts.every((h) => h.reachable)).toBe(true);
    expect(json.hosts.find((h) => h.name === 'lab-ssh')).toMatchObject({ libvirt: '9.0.0', hypervisor: expect.stringMatching(/^QEMU 7\.2\./) });
    expect(json.hosts.find((h) => h.name === 'lab-local')).toMatchObject({ libvirt: '9.0.0', hypervisor: expect.stringMatching(/^QEMU 7\.2\./) });
    const viaSsh = await run('list', '--json', '--host', 'lab-ssh');
    const viaUri = await run('list', '--json', '-c', uri);
    expect(viaSsh.exitCode).toBe(0);
    expect(JSON.parse(viaSsh.stdout)).toEqual(JSON.parse(viaUri.stdout));
    const test20 = await run('list', '--host', 'test-18');
    expect(test20.exitCode).toBe(0);
    console.log(`20 hosts: hosts --json ${hosts.ms.toFixed(0)} ms; list --host lab-ssh ${viaSsh.ms.toFixed(0)} ms (-c URI ${viaUri.ms.toFixed(0)} ms); list --host test-18 ${test20.ms.toFixed(0)} ms`);
    // the hosts file costs a file read: the other 19 hosts are not connected
    expect(viaSsh.ms).toBeLessThan(viaUri.ms * 2 + 500);
  });

  it('list, tree, create (external: the planner checks files over SSH), edit and revert through the CLI', async () => {
    const { name, disks } = await lab.newDomain({ running: false });
    const dir = dirname(disks.vda);

    const list = await virtsnap('list', '--json', '-c', uri);
    expect(list.exitCode).toBe(0);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((d) => d.name)).toContain(name);

    // a non-empty file where the overlay would go: found on the host over SSH, and the plan refuses
    const taken = join(dir, `${name}-taken.qcow2`);
    writeFileSync(taken, 'data');
    const loginsBefore = sshd.logins();
    const refused = await virtsnap('create', name, 's0', '--disk-only', '--diskspec', `vda,snapshot=external,file=${taken}`, '--diskspec', 'vdb,snapshot=no', '--dry-run', '--json', '-c', uri);
    expect(refused.exitCode).toBe(2);
    expect(refused.stdout).toContain(taken);
    // one connection for libvirt, one for the file checks
    expect(sshd.logins() - loginsBefore).toBe(2);

    const overlay = join(dir, `${name}-vda.s1.qcow2`);
    const created = await virtsnap('create', name, 's1', '--disk-only', '--diskspec', `vda,snapshot=external,file=${overlay}`, '--diskspec', 'vdb,snapshot=no', '--yes', '--json', '-c', uri);
    expect(created.stderr).toBe('');
    expect(created.exitCode).toBe(0);
    expect(existsSync(overlay)).toBe(true);
    expect(await chainFiles(overlay)).toEqual([overlay, disks.vda]);
    expect(await snapshotNames(lab, name)).toEqual(['s1']);

    const tree = await virtsnap('tree', name, '--json', '-c', uri);
    expect(tree.exitCode).toBe(0);
    expect(JSON.parse(tree.stdout)).toMatchObject({ domain: name, current: 's1', count: 1 });

    const edited = await virtsnap('edit', name, 's1', '--description', 'made over ssh', '--yes', '-c', uri);
    expect(edited.exitCode).toBe(0);
    expect((await lab.virsh('snapshot-dumpxml', name, 's1')).stdout).toContain('<description>made over ssh</description>');

    // an internal snapshot of the other disk's state to go back to: revert reads the images over SSH
    const other = await lab.newDomain({ running: false });
    expect((await lab.virsh('snapshot-create-as', other.name, 'i1')).exitCode).toBe(0);
    expect((await lab.virsh('snapshot-create-as', other.name, 'i2')).exitCode).toBe(0);
    const reverted = await virtsnap('revert', other.name, 'i1', '--no-safety-snapshot', '--yes', '-c', uri);
    expect(reverted.exitCode).toBe(0);
    expect((await lab.virsh('snapshot-current', other.name, '--name')).stdout.trim()).toBe('i1');
  });

  it('guided revert to an external snapshot over SSH: the new overlay is made with qemu-img on the host', async () => {
    const { name, disks } = await lab.newDomain({ running: false });
    const x1Overlay = join(dirname(disks.vda), `${name}-vda.x1.qcow2`);
    expect((await lab.virsh('snapshot-create-as', name, 'x1', '--disk-only', '--diskspec', `vda,snapshot=external,file=${x1Overlay}`, '--diskspec', 'vdb,snapshot=no')).exitCode).toBe(0);
    const before = sshd.logins();
    const reverted = await virtsnap('revert', name, 'x1', '--no-safety-snapshot', '--yes', '--json', '-c', uri);
    expect(reverted.exitCode).toBe(0);
    const lines = reverted.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; steps?: { id: string }[]; status?: string });
    expect(lines[0]!.steps!.map((st) => st.id)).toContain('overlay:vda');
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'done' });
    expect(sshd.logins() - before).toBe(2);
    const overlay = `${dirname(disks.vda)}/${name}-vda.x1-r1.qcow2`;
    expect(await chainFiles(overlay)).toEqual([overlay, disks.vda]);
    expect((await lab.virsh('domblklist', name)).stdout).toContain(overlay);
    expect((await lab.virsh('snapshot-current', name, '--name')).stdout.trim()).toBe('x1');
  });

  it("copy's and save's plans over SSH: the destination and the bytes to copy are checked on the host", async () => {
    const { name, disks } = await lab.newDomain();
    const taken = join(dirname(disks.vda), `${name}-taken.qcow2`);
    writeFileSync(taken, '');
    const refused = await virtsnap('copy', name, 'vda', taken, '--pivot', '--dry-run', '--json', '-c', uri);
    expect(refused.exitCode).toBe(2);
    expect(refused.stdout).toContain(`${taken} exists on root@127.0.0.1 port ${sshd.port} over SSH`);
    const noDir = await virtsnap('copy', name, 'vda', join(dirname(disks.vda), 'no-such-dir', 'c.qcow2'), '--pivot', '--dry-run', '--json', '-c', uri);
    expect(noDir.exitCode).toBe(2);
    expect(noDir.stdout).toContain('no-such-dir is not a directory');
    // save's file too
    const saved = await virtsnap('save', name, taken, '--dry-run', '--json', '-c', uri);
    expect(saved.exitCode).toBe(2);
    expect(saved.stdout).toContain(`${taken} exists on root@127.0.0.1 port ${sshd.port} over SSH`);
    const fresh = await virtsnap('copy', name, 'vda', join(dirname(disks.vda), `${name}-copy.qcow2`), '--pivot', '--dry-run', '--json', '-c', uri);
    expect(fresh.exitCode).toBe(0);
    expect(fresh.stdout).toContain('qemu-img map');
    expect(fresh.stdout).not.toContain('could not measure');
  });

  it("delete over SSH: the survey reads the images' chains on the host", async () => {
    const { name, disks } = await lab.newDomain({ running: false });
    const overlay = join(dirname(disks.vda), `${name}-vda.x1.qcow2`);
    expect((await lab.virsh('snapshot-create-as', name, 'x1', '--disk-only', '--diskspec', `vda,snapshot=external,file=${overlay}`, '--diskspec', 'vdb,snapshot=no')).exitCode).toBe(0);
    expect((await lab.virsh('snapshot-create-as', name, 'x2', '--disk-only', '--diskspec', `vda,snapshot=external,file=${overlay}.2`, '--diskspec', 'vdb,snapshot=no')).exitCode).toBe(0);
    const before = sshd.logins();
    const deleted = await virtsnap('delete', name, 'x1', '--yes', '--json', '-c', uri);
    expect(deleted.exitCode).toBe(0);
    const lines = deleted.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; refusal?: string | null; status?: string; steps?: { id: string }[] });
    // x1's overlay is below x2's: with the chain read on the host, virtsnap knows the safe way
    // (forget x1's record, keep every image); without it, the plan would have to refuse
    expect(lines[0]).toMatchObject({ type: 'plan', refusal: null });
    expect(lines[0]!.steps!.map((s) => s.id)).toEqual(['forget:x1']);
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'done' });
    // libvirt and the survey's qemu-img: two logins
    expect(sshd.logins() - before).toBe(2);
    expect(await snapshotNames(lab, name)).toEqual(['x2']);
    expect(await chainFiles(`${overlay}.2`)).toEqual([`${overlay}.2`, overlay, disks.vda]);
  });

  /**
   * A qemu-img first on this process's PATH that fails, until the test ends: only the host's own
   * may run (the loopback sshd's sessions get its default PATH). Returns the PATH to restore.
   */
  function shadowLocalQemuImg(): string {
    const shadow = mkdtempSync(join(tmpdir(), 'vs-no-local-qemu-img-'));
    writeFileSync(join(shadow, 'qemu-img'), '#!/bin/sh\necho "local qemu-img run" >&2\nexit 97\n', { mode: 0o755 });
    const path = process.env.PATH!;
    process.env.PATH = `${shadow}:${path}`;
    onTestFinished(() => {
      process.env.PATH = path;
      rmSync(shadow, { recursive: true, force: true });
    });
    return path;
  }

  /** A shut-off domain with a disk-only external snapshot x1, whose overlay holds 0x3c in its first `mib` MiB. */
  async function offlineOverlay(mib: number) {
    const { name, disks } = await lab.newDomain({ running: false });
    const overlay = join(dirname(disks.vda), `${name}-vda.x1.qcow2`);
    expect((await lab.virsh('snapshot-create-as', name, 'x1', '--disk-only', '--diskspec', `vda,snapshot=external,file=${overlay}`, '--diskspec', 'vdb,snapshot=no')).exitCode).toBe(0);
    await execa('qemu-io', ['-f', 'qcow2', '-c', `write -P 0x3c 0 ${mib}M`, overlay]);
    return { name, disks, overlay };
  }

  it("an offline merge over SSH: qemu-img commits on the host (this machine's qemu-img is never run), the domain is defined on the base", async () => {
    const { name, disks, overlay } = await offlineOverlay(4);
    const path = shadowLocalQemuImg();
    const before = sshd.logins();
    const merged = await virtsnap('commit', name, 'vda', '--yes', '--json', '-c', uri);
    expect(merged.stderr).not.toContain('local qemu-img run');
    expect(merged.exitCode).toBe(0);
    const lines = merged.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; consequences?: string[]; steps?: { id: string }[]; status?: string });
    expect(lines[0]!.consequences).toContain(`qemu-img:    runs on the host's files, root@127.0.0.1 port ${sshd.port} over SSH`);
    expect(lines[0]!.steps!.map((st) => st.id)).toEqual(['vda:merge', 'define', 'verify', 'forget-metadata']);
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'done' });
    // libvirt, and one multiplexed connection for every qemu-img and file check
    expect(sshd.logins() - before).toBe(2);
    process.env.PATH = path;
    expect(await chainFiles(disks.vda)).toEqual([disks.vda]);
    expect(await readsPattern(disks.vda, '0x3c', '0', '4M')).toBe(true);
    expect((await lab.virsh('domblklist', name, '--inactive')).stdout).toMatch(new RegExp(`vda\\s+${disks.vda}`));
    expect(await snapshotNames(lab, name)).toEqual([]);
    expect(overlay).toBeTruthy();
  });

  it("delete over SSH of a shut-off domain's top layer that libvirt refuses: qemu-img merges it on the host, the domain is defined on the merged file", async () => {
    const { name, disks } = await lab.newDomain({ running: false });
    expect((await lab.virsh('snapshot-create-as', name, 'i1')).exitCode).toBe(0);
    expect((await lab.virsh('start', name)).exitCode).toBe(0);
    await guestWrite(lab, name, '0x44', '0', '8M');
    const o1 = await externalSnapshot(lab, name, 'x1');
    await guestWrite(lab, name, '0x55', '8M', '8M');
    await flushDisk(lab, name);
    expect((await lab.virsh('destroy', name)).exitCode).toBe(0);
    const path = shadowLocalQemuImg();
    const deleted = await virtsnap('delete', name, 'x1', '--yes', '--json', '-c', uri);
    expect(deleted.stderr).not.toContain('local qemu-img run');
    expect(deleted.exitCode).toBe(0);
    const lines = deleted.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; refusal?: string | null; status?: string; steps?: { id: string }[] });
    expect(lines[0]).toMatchObject({ type: 'plan', refusal: null });
    expect(lines[0]!.steps!.map((st) => st.id)[0]).toBe('merge:x1:vda');
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'done' });
    process.env.PATH = path;
    expect(await snapshotNames(lab, name)).toEqual(['i1']);
    expect((await lab.virsh('domblklist', name, '--inactive')).stdout).toMatch(new RegExp(`vda\\s+${disks.vda}`));
    expect(await readsPattern(disks.vda, '0x44', '0', '8M')).toBe(true);
    expect(await readsPattern(disks.vda, '0x55', '8M', '8M')).toBe(true);
    expect(o1).toBeTruthy();
  });

  it('an offline merge over SSH stopped part-way: qemu-img ends on the host, not only the ssh client', async () => {
    const { name, disks, overlay } = await offlineOverlay(48);
    const host = openHost({ uri });
    const journalDir = mkdtempSync(join(tmpdir(), 'vs-remote-journal-'));
    try {
      const params = (await planMerge(host, { operation: 'commit', domain: name, disks: [{ disk: 'vda' }], bandwidthMiB: 2 })) as OfflineParams;
      expect(params.way).toBe('offline');
      const events: BlockJobEvent[] = [];
      const run = startMerge(mergeFlowPlan(host, params), { journal: new Journal(journalDir), onEvent: (e) => events.push(e) });
      const running = () => execa('pgrep', ['-f', `qemu-img commit .*${overlay}`], { reject: false }).then((r) => r.stdout.trim());
      // under way on the host: its progress arrives, and the process is there
      const deadline = Date.now() + 30_000;
      while (!events.some((e) => e.phase === 'running' && e.percent > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await running()).not.toBe('');
      const stoppedAt = Date.now();
      await run.abort();
      const result = await run.result;
      expect(result.outcome).toBe('aborted');
      // at once, not when qemu-img would have finished (48 MiB at 2 MiB/s: 24 s)
      expect(Date.now() - stoppedAt).toBeLessThan(8000);
      expect(events.at(-1)).toMatchObject({ phase: 'aborted' });
      // gone from the host within moments, though qemu-img ignores the broken pipe
      let left = await running();
      for (let i = 0; i < 20 && left !== ''; i++) {
        await new Promise((r) => setTimeout(r, 100));
        left = await running();
      }
      expect(left).toBe('');
      // the domain is still defined on its overlay, whose chain is whole: resuming finishes the merge
      expect((await lab.virsh('domblklist', name, '--inactive')).stdout).toContain(overlay);
      expect(await chainFiles(overlay)).toEqual([overlay, disks.vda]);
      // the base received only part of the data: the commit was stopped, not finished
      expect(await readsPattern(disks.vda, '0x3c', '0', '48M')).toBe(false);
    } finally {
      await host.close();
      rmSync(journalDir, { recursive: true, force: true });
    }
  });

  it('three refreshes and a commit with progress: 1 SSH connection for libvirt and 1 multiplexed one for files', async () => {
    const { name, disks } = await lab.newDomain();
    await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x5a', '0', '24M');
    await closeAllHostFiles();
    const before = sshd.logins();
    const host = openHost({ uri });
    try {
      for (let i = 0; i < 3; i++) expect((await listDomainsWithSnapshots(host)).rows.map((d) => d.name)).toContain(name);
      const plan = await planBlockCommit(host, { domain: name, disk: 'vda', pivot: true, bandwidthMiB: 16 });
      expect(plan.refusal).toBeNull();
      // what the copy and the free space are, read on the host over SSH
      expect(plan.copy?.basis).toBe('qemu-img map');
      expect(plan.copy!.bytes).toBeGreaterThanOrEqual(24 * 1024 * 1024);
      expect(plan.freeBytes).toBeGreaterThan(0);
      const { result, events } = await runCollecting(host, plan);
      expect(result.ok).toBe(true);
      expect(events.some((e) => e.phase === 'running' && e.percent > 0 && e.percent < 100)).toBe(true);
      expect(await vdaSource(lab, name)).toBe(disks.vda);
      expect(await readsPattern(disks.vda, '0x5a', '0', '24M')).toBe(true);
    } finally {
      await host.close();
    }
    const logins = sshd.logins() - before;
    console.log(`SSH connections for three refreshes and one commit: ${logins} (libvirt 1, files ${logins - 1})`);
    expect(logins).toBe(2);
  });

  it('the sshd process serving libvirt killed mid-commit: virsh reconnects, the job is followed again and pivoted; the journal shows the gap', async () => {
    const { name, disks } = await lab.newDomain();
    await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x6b', '0', '48M');
    const host = openHost({ uri });
    const journalDir = mkdtempSync(join(tmpdir(), 'vs-journal-'));
    onTestFinished(() => rmSync(journalDir, { recursive: true, force: true }));
    const journal = new Journal(journalDir);
    const monitor = new JobMonitor(host);
    const events: BlockJobEvent[] = [];
    const links: ConnectionEvent[] = [];
    const stopWatching = (host.runner as VirshSession).link.on((e) => links.push(e));
    try {
      const plan = await planBlockCommit(host, { domain: name, disk: 'vda', pivot: true, bandwidthMiB: 8 });
      expect(plan.refusal).toBeNull();
      const loginsBefore = sshd.logins();
      let killed: number | null = null;
      const run = runBlockPlan(host, monitor, plan, {
        journal,
        onEvent: (e) => {
          events.push(e);
          if (killed === null && e.phase === 'running' && e.percent >= 10) {
            killed = sshd.connectionRunning(/(^|\/| )nc /);
            if (killed !== null) process.kill(killed, 'SIGKILL');
          }
        },
      });
      const result = await run.result;
      expect(killed).not.toBeNull();
      expect(result.ok).toBe(true);
      expect(result.final?.phase === 'completed' || result.final?.phase === 'ready').toBe(true);
      // pivoted after the reconnect: the disk is on its base, the job is gone
      expect(await vdaSource(lab, name)).toBe(disks.vda);
      expect((await lab.virsh('blockjob', name, 'vda', '--info')).stdout).not.toMatch(/Commit/);
      expect(await readsPattern(disks.vda, '0x6b', '0', '48M')).toBe(true);
      expect(links.map((e) => e.kind)).toEqual(['lost', 'reconnected']);
      // the libvirt connection came back as one new login
      expect(sshd.logins() - loginsBefore).toBe(1);
      const flow = journal.flows().at(-1)!;
      const notes = flow.events.filter((e) => e.event === 'note' && e.step === 'copy').map((e) => e.detail ?? '');
      expect(notes.some((n) => /^connection lost at .* due to end of file/.test(n))).toBe(true);
      expect(notes.some((n) => /^reconnected at .* after \d+\.\d s: following the job again/.test(n))).toBe(true);
      console.log(`mid-commit kill: ${notes.filter((n) => /connection|reconnected/.test(n)).join(' | ')}`);
    } finally {
      stopWatching();
      monitor.close();
      await host.close();
    }
  });

  it('a command that changes the host is never sent twice when the link drops under it', async () => {
    const { name } = await lab.newDomain({ running: false });
    const host = openHost({ uri });
    try {
      await host.run(virshCommands.domainState(name));
      const conn = sshd.connectionRunning(/(^|\/| )nc /);
      expect(conn).not.toBeNull();
      // the link stops answering (the sshd child frozen): keepalive notices within seconds
      process.kill(conn!, 'SIGSTOP');
      const started = Date.now();
      const error = await host.run(virshCommands.plannedCommand(['snapshot-create-as', `--domain=${name}`, '--name=never-twice'])).catch((e: unknown) => e);
      const waited = Date.now() - started;
      process.kill(conn!, 'SIGKILL');
      expect(error).toBeInstanceOf(ConnectionLostError);
      expect((error as Error).message).toMatch(/not sent again.*journal flow re-reads the host/);
      expect(waited).toBeLessThan(12_000);
      // queries go on after the reconnect
      expect((await host.run(virshCommands.domainState(name))).stdout).toMatch(/shut off/);
      expect((await snapshotNames(lab, name)).filter((n) => n === 'never-twice').length).toBeLessThanOrEqual(1);
    } finally {
      await host.close();
    }
  });
});
