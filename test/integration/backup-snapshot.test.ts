// Backup through a temporary snapshot, with the built CLI on real QEMU: a run to the end, a run
// killed after the snapshot and resumed, a run killed after the copy and rolled back. Each
// time the domain must end on its own files (domblklist, qemu-img's backing chain) with its data
// intact, and no overlay left. Quiesce without a guest agent: a clear refusal, quickly, both
// without an agent channel and with a channel nobody answers on. `npm run build` first.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from './built-cli.js';
import { describeLab, startLab, type Lab } from './lab.js';
import { chainFiles, flushDisk, guestWrite, readsPattern, vdaSource } from './qemu-checks.js';


interface Line {
  type: string;
  step?: string;
  event?: string;
  status?: string;
  flowId?: string;
  refusal?: string | null;
}

describeLab('backup through a temporary snapshot: interrupted, resumed, rolled back (real QEMU, the built CLI)', () => {
  let lab: Lab;
  const dirs: string[] = [];
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const tmp = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  const virtsnap = runCli;
  const lines = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);

  /** A running guest with known data in vda: 0x5a in 0–32M (lab fill), 0x61 at 40M. */
  async function guest(): Promise<{ name: string; vda: string; vdb: string }> {
    const { name, disks } = await lab.newDomain({ fillMiB: 32 });
    await guestWrite(lab, name, '0x61', '40M', '2M');
    await flushDisk(lab, name);
    return { name, vda: disks.vda, vdb: disks.vdb };
  }

  /** The domain is on its own files, alone in their chains, with no temporary overlay left beside them. */
  async function onOwnFiles(g: { name: string; vda: string; vdb: string }): Promise<void> {
    expect(await vdaSource(lab, g.name)).toBe(g.vda);
    expect((await lab.virsh('domblklist', g.name)).stdout).toContain(g.vdb);
    expect(await chainFiles(g.vda)).toEqual([g.vda]);
    expect(readdirSync(join(lab.dir, 'img')).filter((f) => f.includes('virtsnap-backup'))).toEqual([]);
    expect((await lab.virsh('domstate', g.name)).stdout.trim()).toBe('running');
    expect((await lab.virsh('snapshot-list', g.name, '--name')).stdout.trim()).toBe('');
    expect(await readsPattern(g.vda, '0x5a', '0', '32M')).toBe(true);
    expect(await readsPattern(g.vda, '0x61', '40M', '2M')).toBe(true);
  }

  it('runs to the end: standalone copies identical to the disk at the snapshot, the domain back on its files', async () => {
    const g = await guest();
    const dir = join(tmp('vs-bks-'), 'out');
    const started = Date.now();
    const r = await virtsnap(tmp('vs-bks-state-'), ['backup', '-c', lab.uri, g.name, '--to', dir, '--yes', '--json']);
    const ms = Date.now() - started;
    expect(r.exitCode, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out.at(-1)).toMatchObject({ type: 'result', status: 'done' });
    expect(out.filter((l) => l.event === 'skipped').map((l) => l.step)).toEqual(['freeze', 'thaw']);
    await onOwnFiles(g);
    const copy = join(dir, 'vda.qcow2');
    expect((await execa('qemu-img', ['check', copy])).exitCode).toBe(0);
    expect(JSON.parse((await execa('qemu-img', ['info', '--output=json', copy])).stdout)['backing-filename']).toBeUndefined();
    expect(await readsPattern(copy, '0x5a', '0', '32M')).toBe(true);
    expect(await readsPattern(copy, '0x61', '40M', '2M')).toBe(true);
    expect(await readsPattern(join(dir, 'vdb.qcow2'), '0', '0', '64M')).toBe(true);
    expect(readFileSync(join(dir, 'domain.xml'), 'utf8')).toContain(`<source file='${g.vda}'/>`);
    const manifest = JSON.parse(readFileSync(join(dir, 'virtsnap-backup.json'), 'utf8')) as { backups: { kind: string; method: string; disks: { actualSize: number }[] }[] };
    expect(manifest.backups).toHaveLength(1);
    expect(manifest.backups[0]).toMatchObject({ kind: 'full', method: 'temporary-snapshot' });
    console.log(`[measured] backup via temporary snapshot: ${ms} ms for vda (${manifest.backups[0]!.disks[0]!.actualSize} bytes) + vdb, CLI process included`);
  });

  it('killed after the snapshot, resumed: the backup finishes and the domain is back on its own files', async () => {
    const g = await guest();
    const state = tmp('vs-bks-state-');
    const dir = join(tmp('vs-bks-'), 'out');
    const killed = await virtsnap(state, ['backup', '-c', lab.uri, g.name, '--to', dir, '--yes', '--json'], { VIRTSNAP_TEST_KILL_AFTER_STEP: 'snapshot' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    // the guest now writes to the temporary overlay
    const overlay = await vdaSource(lab, g.name);
    expect(overlay).toMatch(/\.virtsnap-backup-.*\.qcow2$/);
    expect(await chainFiles(overlay)).toEqual([overlay, g.vda]);
    await guestWrite(lab, g.name, '0x62', '50M', '1M');

    const journal = JSON.parse((await virtsnap(state, ['journal', '--json'])).stdout) as { flows: { id: string; status: string; done: string[] }[] };
    const flow = journal.flows[0]!;
    expect(flow).toMatchObject({ status: 'unfinished', done: ['domain-xml', 'snapshot'] });

    const resumed = await virtsnap(state, ['resume', flow.id, '--yes']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    await onOwnFiles(g);
    // the write made during the backup was merged into the disk; the copy is as of the snapshot
    expect(await readsPattern(g.vda, '0x62', '50M', '1M')).toBe(true);
    expect(await readsPattern(join(dir, 'vda.qcow2'), '0x61', '40M', '2M')).toBe(true);
    expect(await readsPattern(join(dir, 'vda.qcow2'), '0', '50M', '1M')).toBe(true);
  });

  it('killed after the copy, rolled back: overlays merged and removed, copies removed, data intact', async () => {
    const g = await guest();
    const state = tmp('vs-bks-state-');
    const dir = join(tmp('vs-bks-'), 'out');
    const killed = await virtsnap(state, ['backup', '-c', lab.uri, g.name, '--to', dir, '--disks', 'vda', '--yes'], { VIRTSNAP_TEST_KILL_AFTER_STEP: 'copy:vda' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(existsSync(join(dir, 'vda.qcow2'))).toBe(true);
    await guestWrite(lab, g.name, '0x63', '60M', '1M');

    const journal = JSON.parse((await virtsnap(state, ['journal', '--json'])).stdout) as { flows: { id: string }[] };
    const id = journal.flows[0]!.id;
    const back = await virtsnap(state, ['resume', id, '--rollback', '--yes', '--json']);
    expect(back.exitCode, back.stderr).toBe(0);
    expect(lines(back.stdout).filter((l) => l.event === 'undo-done').map((l) => l.step)).toEqual(['copy:vda', 'snapshot', 'domain-xml']);
    await onOwnFiles(g);
    expect(await readsPattern(g.vda, '0x63', '60M', '1M')).toBe(true);
    expect(existsSync(join(dir, 'vda.qcow2'))).toBe(false);
    expect(existsSync(join(dir, 'domain.xml'))).toBe(false);
  });

  it('--quiesce without a guest agent: a plain refusal within seconds, nothing changed', async () => {
    const state = tmp('vs-bks-state-');
    const g = await guest();
    let started = Date.now();
    const noChannel = await virtsnap(state, ['backup', '-c', lab.uri, g.name, '--to', join(tmp('vs-bks-'), 'q'), '--quiesce', '--yes']);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(noChannel.exitCode).toBe(2);
    expect(noChannel.stderr).toContain('refused: --quiesce: the domain has no guest agent channel (org.qemu.guest_agent.0)');
    expect(await vdaSource(lab, g.name)).toBe(g.vda);

    // a channel in the definition, but no agent in the guest to answer on it
    const { name } = await lab.newDomain({ running: false });
    const xml = (await lab.virsh('dumpxml', name, '--inactive')).stdout.replace(
      '<memballoon',
      "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel><memballoon",
    );
    const file = join(tmp('vs-bks-xml-'), 'agent.xml');
    writeFileSync(file, xml);
    expect((await lab.virsh('define', file)).exitCode).toBe(0);
    expect((await lab.virsh('start', name)).exitCode).toBe(0);
    started = Date.now();
    const silent = await virtsnap(state, ['backup', '-c', lab.uri, name, '--to', join(tmp('vs-bks-'), 'q2'), '--quiesce', '--yes']);
    const silentMs = Date.now() - started;
    expect(silentMs).toBeLessThan(15_000);
    expect(silent.exitCode).toBe(2);
    expect(silent.stderr).toMatch(/refused: --quiesce: the guest agent does not answer \(.*QEMU guest agent is not connected\)/);
    // without --quiesce the same guest is backed up crash-consistent, and the plan says so
    const dry = await virtsnap(state, ['backup', '-c', lab.uri, name, '--to', join(tmp('vs-bks-'), 'q3'), '--dry-run']);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toMatch(/No freeze: the guest agent does not answer .*going on without a freeze: the copy is crash-consistent/);
    console.log(`[measured] --quiesce refusal with a silent agent channel: ${silentMs} ms (CLI process included)`);
  });
});
