// `virtsnap revert` as a process (the built dist/virtsnap/bin.js) on real QEMU: the --dry-run --json
// plan, the refusal to run without a terminal or --yes, the run itself, and libvirt's own
// message for an unknown domain or snapshot.

import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeLab, startLab, type Lab } from './lab.js';
import { externalSnapshot, flushDisk, guestWrite, readsPattern, snapshotNames } from './qemu-checks.js';
import { currentSnapshot, definedSource, domstate, stopDomain } from './revert-checks.js';

const BIN = fileURLToPath(new URL('../../dist/virtsnap/bin.js', import.meta.url));

describeLab('virtsnap revert as a process', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.stop();
  });

  const virtsnap = (...args: string[]) => execa('node', [BIN, ...args, '-c', lab.uri], { reject: false, stdin: 'ignore', timeout: 120_000 });

  it('--dry-run --json prints the plan and changes nothing; without a terminal and --yes it refuses (2); --yes runs it (0)', async () => {
    const { name, disks } = await lab.newDomain();
    await guestWrite(lab, name, '0x11', '0', '1M');
    await flushDisk(lab, name);
    const x1 = await externalSnapshot(lab, name, 'x1');
    await guestWrite(lab, name, '0x22', '0', '1M');
    await flushDisk(lab, name);

    const dry = await virtsnap('revert', name, 'x1', '--running', '--dry-run', '--json');
    expect(dry.stderr).toBe('');
    expect(dry.exitCode).toBe(0);
    const lines = dry.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const plan = JSON.parse(lines[0]!) as {
      type: string;
      kind: string;
      domain: string;
      refusal: string | null;
      steps: { id: string; commands: string[][]; creates: string[]; undo: unknown }[];
      consequences: string[];
      downtime: string;
      warnings: string[];
      filesLeft: string[];
      confirmation: unknown;
    };
    expect(plan).toMatchObject({ type: 'plan', kind: 'revert', domain: name, refusal: null, confirmation: { kind: 'choice' } });
    expect(plan.steps.map((s) => s.id)).toEqual(['safety-snapshot', 'overlay:vda', 'define', 'start', 'current']);
    const safety = plan.steps[0]!;
    expect(safety.commands[0]!.slice(0, 2)).toEqual(['virsh', 'snapshot-create-as']);
    expect(safety.commands[0]).toContain('--halt');
    expect(safety.commands[0]!.find((a) => a.startsWith('--name='))).toMatch(/^--name=pre-revert-\d{8}T\d{6}Z$/);
    const overlay = `${lab.dir}/img/${name}-vda.x1-r1.qcow2`;
    expect(plan.steps[1]!.commands).toEqual([['qemu-img', 'create', '-f', 'qcow2', '-F', 'qcow2', '-b', disks.vda, overlay]]);
    expect(plan.steps[1]!.creates).toEqual([overlay]);
    expect(plan.steps[1]!.undo).not.toBeNull();
    expect(plan.steps[3]!.commands).toEqual([['virsh', 'start', `--domain=${name}`]]);
    expect(plan.steps[4]!.commands).toEqual([['virsh', 'snapshot-current', `--domain=${name}`, '--snapshotname=x1']]);
    expect(plan.consequences.join('\n')).toMatch(/ends running/);
    expect(plan.filesLeft).toContain(overlay);
    expect(await snapshotNames(lab, name)).toEqual(['x1']);
    expect(await domstate(lab, name)).toBe('running (booted)');

    const refused = await virtsnap('revert', name, 'x1');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/no terminal to confirm on; add --yes/);
    expect(await snapshotNames(lab, name)).toEqual(['x1']);
    expect(await domstate(lab, name)).toBe('running (booted)');
    expect(await definedSource(lab, name, 'vda')).toBe(x1);

    const run = await virtsnap('revert', name, 'x1', '--running', '--yes');
    expect(run.stderr).not.toMatch(/failed/);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`Reverted '${name}' to 'x1': it is running`));
    expect(run.stdout).toMatch(/The state before is kept in 'pre-revert-\d{8}T\d{6}Z'/);
    expect(await domstate(lab, name)).toBe('running (booted)');
    expect(await currentSnapshot(lab, name)).toBe('x1');
    expect(await definedSource(lab, name, 'vda')).toBe(overlay);
    await stopDomain(lab, name);
    expect(await readsPattern(overlay, '0x11', '0', '1M')).toBe(true);
    expect(await readsPattern(x1, '0x22', '0', '1M')).toBe(true);
  });

  it('--no-safety-snapshot leaves the step out; --json runs print a plan, step events and a result', async () => {
    const { name } = await lab.newDomain();
    expect((await lab.virsh('snapshot-create-as', name, 'one')).exitCode).toBe(0);
    const r = await virtsnap('revert', name, 'one', '--paused', '--no-safety-snapshot', '--yes', '--json');
    expect(r.exitCode).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; steps?: { id: string }[]; status?: string; event?: string; step?: string });
    expect(events[0]!.type).toBe('plan');
    expect(events[0]!.steps!.map((s) => s.id)).toEqual(['revert']);
    expect(events.filter((e) => e.type === 'step').map((e) => `${e.step}:${e.event}`)).toEqual(['revert:started', 'revert:done']);
    expect(events.at(-1)).toMatchObject({ type: 'result', status: 'done' });
    expect(await domstate(lab, name)).toBe('paused (from snapshot)');
    expect(await snapshotNames(lab, name)).toEqual(['one']);
  });

  it('an unknown snapshot or domain: libvirt\'s message, exit 1; --running with --paused: usage error, exit 2', async () => {
    const { name } = await lab.newDomain({ running: false });
    const snapshot = await virtsnap('revert', name, 'nope', '--dry-run');
    expect(snapshot.exitCode).toBe(1);
    expect(snapshot.stderr).toMatch(/no domain snapshot with matching name 'nope'/);
    const domain = await virtsnap('revert', 'no-such-domain', 'x', '--dry-run');
    expect(domain.exitCode).toBe(1);
    expect(domain.stderr).toMatch(/failed to get domain 'no-such-domain'/);
    const usage = await virtsnap('revert', name, 'x', '--running', '--paused');
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toMatch(/--running and --paused exclude each other/);
  });

  it('--help names the flags', async () => {
    const help = await execa('node', [BIN, 'revert', '--help'], { reject: false, stdin: 'ignore' });
    expect(help.exitCode).toBe(0);
    for (const flag of ['--running', '--paused', '--force', '--no-safety-snapshot', '--dry-run', '--yes', '--json', '--connect']) {
      expect(help.stdout).toContain(flag);
    }
  });
});
