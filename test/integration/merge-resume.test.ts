// The built CLI merges a shut-off domain offline (`virtsnap commit` picks qemu-img by itself) and
// is SIGKILLed right after the qemu-img step is journaled (VIRTSNAP_TEST_KILL_AFTER_STEP), with
// its own XDG_STATE_HOME; `virtsnap resume` finishes the flow from the journal. Checked with
// one-shot virsh, qemu-img and qemu-io. `npm run build` first.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from './built-cli.js';
import { describeLab, startLab, type Lab } from './lab.js';
import { chainFiles, externalSnapshot, flushDisk, guestWrite, readsPattern, snapshotNames } from './qemu-checks.js';


describeLab('offline merge through the built CLI: interrupted and resumed from the journal', () => {
  let lab: Lab;
  const dirs: string[] = [];
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const virtsnap = runCli;

  const vdaDefined = async (name: string) => /^\s*vda\s+(\S+)/m.exec((await lab.virsh('domblklist', name, '--inactive')).stdout)?.[1];

  it('killed after qemu-img commit: the journal shows the flow unfinished, resume defines the domain and forgets the snapshot', async () => {
    const state = mkdtempSync(join(tmpdir(), 'vs-merge-state-'));
    dirs.push(state);
    const { name, disks } = await lab.newDomain();
    const e1 = await externalSnapshot(lab, name, 'e1');
    await guestWrite(lab, name, '0x3c', '0', '16M');
    await flushDisk(lab, name);
    expect((await lab.virsh('destroy', name)).exitCode).toBe(0);

    const dry = await virtsnap(state, ['commit', '-c', lab.uri, name, 'vda', '--dry-run']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/offline with qemu-img/);
    expect(dry.stdout).toMatch(/domain is not running/);
    expect(dry.stdout).toContain(`qemu-img commit -p -f qcow2 -b ${disks.vda} ${e1}`);

    const killed = await virtsnap(state, ['commit', '-c', lab.uri, name, 'vda', '--yes', '--json'], { VIRTSNAP_TEST_KILL_AFTER_STEP: 'vda:merge' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const lines = killed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; way?: string; event?: { phase: string } });
    expect(lines[0]).toMatchObject({ type: 'plan', way: 'offline' });
    expect(lines.filter((l) => l.type === 'progress').at(-1)!.event!.phase).toBe('completed');

    // the data is in the base, but the definition still names the overlay and e1 is still listed
    expect(await readsPattern(disks.vda, '0x3c', '0', '16M')).toBe(true);
    expect(await vdaDefined(name)).toBe(e1);
    expect(await snapshotNames(lab, name)).toEqual(['e1']);
    const journal = JSON.parse((await virtsnap(state, ['journal', '--json'])).stdout) as { flows: { id: string; status: string; kind: string; done: string[]; remaining: string[] }[] };
    const [flow] = journal.flows;
    expect(flow).toMatchObject({ status: 'unfinished', kind: 'offline-commit', done: ['vda:merge'], remaining: ['define', 'verify', 'forget-metadata'] });

    const resumed = await virtsnap(state, ['resume', flow!.id, '--yes']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(await vdaDefined(name)).toBe(disks.vda);
    expect(await chainFiles(disks.vda)).toEqual([disks.vda]);
    expect(await snapshotNames(lab, name)).toEqual([]);
    expect((await lab.virsh('dumpxml', name, '--inactive')).stdout).not.toContain('<backingStore');
    const after = JSON.parse((await virtsnap(state, ['journal', '--json'])).stdout) as { flows: { id: string; status: string }[] };
    expect(after.flows[0]).toMatchObject({ id: flow!.id, status: 'done' });
    expect((await lab.virsh('start', name)).exitCode).toBe(0);
  });

  it('--all-disks on a shut-off domain without chains says there is nothing to merge (exit 2)', async () => {
    const state = mkdtempSync(join(tmpdir(), 'vs-merge-state-'));
    dirs.push(state);
    const { name } = await lab.newDomain({ running: false });
    const r = await virtsnap(state, ['commit', '-c', lab.uri, name, '--all-disks', '--dry-run']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/no disk with a backing chain/);
  });
});
