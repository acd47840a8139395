// The built `virtsnap delete` as a process on a real QEMU guest: the --dry-run --json plan, the
// refusal without a terminal and without --yes (exit 2, nothing changed), and a run with --yes.
// `npm run build` first.

import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeLab, startLab, type Lab } from './lab.js';
import { externalSnapshot, snapshotNames, vdaSource } from './qemu-checks.js';

const BIN = fileURLToPath(new URL('../../dist/virtsnap/bin.js', import.meta.url));

describeLab('virtsnap delete as a process', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab?.stop();
  });

  const virtsnap = (...args: string[]) => execa('node', [BIN, ...args], { reject: false, stdin: 'ignore', timeout: 120_000 });

  it('--dry-run --json prints the plan and changes nothing', async () => {
    const { name, disks } = await lab.newDomain();
    const overlay = await externalSnapshot(lab, name, 'x1');
    const r = await virtsnap('delete', name, 'x1', '--dry-run', '--json', '-c', lab.uri);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const plan = JSON.parse(lines[0]!) as Record<string, unknown> & { steps: { id: string; commands: string[][]; removes: string[] }[] };
    expect(Object.keys(plan).sort()).toEqual(
      ['confirmation', 'consequences', 'domain', 'downtime', 'filesLeft', 'kind', 'refusal', 'steps', 'title', 'type', 'uri', 'warnings'].sort(),
    );
    expect(plan).toMatchObject({ type: 'plan', kind: 'delete', domain: name, refusal: null, filesLeft: [], confirmation: { kind: 'type-name', text: 'x1' } });
    expect(plan.steps.map((s) => s.id)).toEqual(['delete:x1']);
    expect(plan.steps[0]!.commands).toEqual([['virsh', 'snapshot-delete', `--domain=${name}`, '--snapshotname=x1']]);
    expect(plan.steps[0]!.removes).toEqual([overlay]);
    expect(await snapshotNames(lab, name)).toEqual(['x1']);
    expect(await vdaSource(lab, name)).toBe(overlay);
    expect(disks.vda).not.toBe(overlay);
  });

  it('without a terminal and without --yes: exit 2 and nothing changed; with --yes: exit 0 and deleted', async () => {
    const { name, disks } = await lab.newDomain();
    const overlay = await externalSnapshot(lab, name, 'x1');
    const refused = await virtsnap('delete', name, 'x1', '-c', lab.uri);
    expect(refused.exitCode).toBe(2);
    expect(refused.stdout).toContain(`Delete “x1” of ${name}`);
    expect(refused.stderr).toMatch(/no terminal to confirm on; add --yes/);
    expect(await snapshotNames(lab, name)).toEqual(['x1']);
    expect(await vdaSource(lab, name)).toBe(overlay);

    const done = await virtsnap('delete', name, 'x1', '--yes', '-c', lab.uri);
    expect(done.stderr).toMatch(/done: delete “x1”/);
    expect(done.exitCode).toBe(0);
    expect(done.stdout).toContain(`Deleted 'x1' of '${name}'`);
    expect(await snapshotNames(lab, name)).toEqual([]);
    expect(await vdaSource(lab, name)).toBe(disks.vda);
    expect(existsSync(overlay)).toBe(false);
  });

  it('usage errors exit 2: both scopes, an unknown snapshot; --help lists the options', async () => {
    const { name } = await lab.newDomain({ running: false });
    const both = await virtsnap('delete', name, 'x', '--children', '--children-only', '-c', lab.uri);
    expect(both.exitCode).toBe(2);
    expect(both.stderr).toMatch(/--children and --children-only exclude each other/);
    const missing = await virtsnap('delete', name, 'nope', '--dry-run', '-c', lab.uri);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/has no snapshot named nope/);
    const help = await virtsnap('delete', '--help');
    expect(help.exitCode).toBe(0);
    for (const option of ['--children', '--children-only', '--metadata', '--delete-files', '--dry-run', '--yes', '--json']) expect(help.stdout).toContain(option);
  });
});
