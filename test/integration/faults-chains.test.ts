// Faults in the backing chain itself: an overlay that names itself as its backing file (a loop:
// `qemu-img map` spins on it for ever, `qemu-img info --backing-chain` says so at once), and an
// overlay whose backing file is missing. On a running domain (the header changed under QEMU, which
// keeps its open files) and on a shut-off one (the offline merge), commit and pull must answer
// within a few seconds with an error that says what is wrong, and change nothing: the same
// chain in libvirt, no snapshot metadata touched, nothing in the journal left unfinished. And a
// qemu-img that never answers at all (a stand-in first on PATH): the plan is refused once the
// bound has passed, with the command named, and the process is killed.

import { execa } from 'execa';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeLab, pidAlive, startLab, type Lab } from './lab.js';
import { freshState, journalFlows, recordFault, removeStates, virtsnap, type FaultKind } from './faults.js';
import { topOf, virshSnapshot } from './faults-kill.js';

/** The answer must come within this (the defect: no answer at all). */
const BOUND_MS = 15_000;

describeLab('faults: a backing chain with a loop, and one with a missing file (real QEMU, the built CLI)', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.stop();
    removeStates();
  });

  /** Rewrites `image`'s header (its first cluster) so that it names `backing` as its backing file, as qemu-img rebase -u would, even while QEMU has it open. */
  async function setBackingUnderQemu(image: string, backing: string): Promise<void> {
    const copy = `${image}.hdr`;
    copyFileSync(image, copy);
    await execa('qemu-img', ['rebase', '-u', '-f', 'qcow2', '-F', 'qcow2', '-b', backing, copy]);
    await execa('dd', [`if=${copy}`, `of=${image}`, 'bs=65536', 'count=1', 'conv=notrunc', 'status=none']);
    rmSync(copy);
  }

  interface Case {
    fault: FaultKind;
    running: boolean;
    break(lab: Lab, domain: string, overlay: string, base: string): Promise<void>;
    says: RegExp;
  }
  const cases: Case[] = [
    { fault: 'chain-loop', running: true, break: (_l, _d, overlay) => setBackingUnderQemu(overlay, overlay), says: /creates an infinite loop/ },
    {
      fault: 'chain-missing',
      running: true,
      break: async (_l, _d, _o, base) => renameSync(base, `${base}.gone`),
      says: /Could not open .*No such file or directory/,
    },
    {
      fault: 'chain-loop',
      running: false,
      break: async (lab, domain, overlay) => {
        await lab.virsh('destroy', domain);
        await execa('qemu-img', ['rebase', '-u', '-f', 'qcow2', '-F', 'qcow2', '-b', overlay, overlay]);
      },
      says: /creates an infinite loop/,
    },
    {
      fault: 'chain-missing',
      running: false,
      break: async (lab, domain, _o, base) => {
        await lab.virsh('destroy', domain);
        renameSync(base, `${base}.gone`);
      },
      says: /Could not open .*No such file or directory/,
    },
  ];

  it('a qemu-img that never answers: the commit plan is refused once its bound (30 s) has passed, naming the command, and the hung process is gone', { timeout: 120_000 }, async () => {
    const { name } = await lab.newDomain({ fillMiB: 8 });
    await virshSnapshot(lab, name, 'e1');
    const bin = mkdtempSync(join(tmpdir(), 'vs-hung-'));
    const pids = join(bin, 'pids');
    writeFileSync(join(bin, 'qemu-img'), `#!/bin/sh\necho $$ >>${pids}\nexec sleep 600\n`);
    chmodSync(join(bin, 'qemu-img'), 0o755);
    const state = freshState();
    const t0 = Date.now();
    const r = await virtsnap(state, ['commit', '-c', lab.uri, name, 'vda', '--dry-run'], { PATH: `${bin}:${process.env.PATH ?? ''}` }, 90_000);
    const ms = Date.now() - t0;
    const problems: string[] = [];
    if (r.exitCode !== 2) problems.push(`exit ${String(r.exitCode)}, not 2 (refused)`);
    if (!/qemu-img info -U --backing-chain --output=json \S+ did not finish within 30 s and was killed/.test(r.stderr)) problems.push(`the error does not name the hung command: ${r.stderr.trim()}`);
    if (ms > 45_000) problems.push(`took ${ms} ms`);
    const started = existsSync(pids) ? readFileSync(pids, 'utf8').split('\n').filter(Boolean).map(Number) : [];
    if (started.length === 0) problems.push('the stand-in qemu-img never ran');
    const alive = started.filter((pid) => pidAlive(pid));
    if (alive.length) problems.push(`hung processes left: ${alive.join(', ')}`);
    rmSync(bin, { recursive: true, force: true });
    const record = recordFault({ fault: 'hung-process', flow: 'commit --dry-run (qemu-img info hangs)', outcome: 'refused', consistent: problems.length === 0, bytesVerified: 0, bytesLost: 0, problems, ms });
    expect(record.problems).toEqual([]);
    await lab.virsh('destroy', name);
  });

  for (const c of cases) {
    it(`${c.fault} on a ${c.running ? 'running' : 'shut-off'} domain: commit and pull answer at once, saying what is wrong, and change nothing`, async () => {
      const { name, disks } = await lab.newDomain({ fillMiB: 8 });
      await virshSnapshot(lab, name, 'e1');
      const overlay = await topOf(lab, name);
      await c.break(lab, name, overlay, disks.vda);
      const blkBefore = (await lab.virsh('domblklist', name)).stdout;
      const state = freshState();
      const problems: string[] = [];
      let slowest = 0;
      for (const args of [
        ['commit', '-c', lab.uri, name, 'vda', '--dry-run'],
        ['commit', '-c', lab.uri, name, 'vda', '--yes'],
        ['pull', '-c', lab.uri, name, 'vda', '--dry-run'],
        ['pull', '-c', lab.uri, name, 'vda', '--yes'],
      ]) {
        const t0 = Date.now();
        const r = await virtsnap(state, args, {}, BOUND_MS + 5000);
        const ms = Date.now() - t0;
        slowest = Math.max(slowest, ms);
        const what = args.filter((a) => a.startsWith('--') || a === 'commit' || a === 'pull').join(' ');
        if (ms > BOUND_MS) problems.push(`${what} took ${ms} ms`);
        if (r.exitCode === 0) problems.push(`${what} exited 0 on a broken chain`);
        if (!c.says.test(r.stderr)) problems.push(`${what} does not say what is wrong: ${r.stderr.trim() || r.stdout.trim().split('\n').slice(-2).join(' / ')}`);
      }
      if ((await lab.virsh('domblklist', name)).stdout !== blkBefore) problems.push('the disks changed');
      if ((await lab.virsh('snapshot-list', name, '--name')).stdout.trim() !== 'e1') problems.push('the snapshot metadata changed');
      const flows = await journalFlows(state);
      if (flows.some((f) => f.status === 'unfinished')) problems.push('a flow was left unfinished');
      const record = recordFault({
        fault: c.fault,
        flow: `commit and pull (${c.running ? 'running' : 'shut off'})`,
        outcome: 'refused',
        consistent: problems.length === 0,
        bytesVerified: 0,
        bytesLost: 0,
        problems,
        ms: slowest,
      });
      expect(record.problems).toEqual([]);
      await lab.virsh('destroy', name);
    });
  }
});
