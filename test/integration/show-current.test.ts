// `virtsnap show` and `virtsnap current` on libvirt's test driver (the demo host), in process.
// What they print is compared with one-shot virsh on the same fixture; `current DOMAIN
// SNAPSHOT` follows the conventions of every mutating command (no terminal without --yes
// refuses, --dry-run --json prints the plan, --yes runs and the step checks the host).

import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { demoUri } from '../../src/engine/connect.js';
import { formatTime } from '../../src/format/time.js';

const DOMAIN = 'web-01';

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    isTty: false,
    env: { PATH: process.env.PATH },
  });
  return { code, stdout, stderr };
}

/** One-shot virsh on the pristine fixture: what libvirt itself says. */
const virsh = (...args: string[]) => execa('virsh', ['-q', '-c', demoUri(), ...args], { reject: false, env: { LC_ALL: 'C.UTF-8' } });

const jsonLines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('virtsnap show', () => {
  it("prints a snapshot's details as text", async () => {
    const r = await cli(['show', '--demo', DOMAIN, 'tls-renewal']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 9)).toEqual([
      'Snapshot:     tls-renewal',
      'Domain:       web-01',
      'Parent:       after upgrade',
      'State:        disk-snapshot',
      `Created:      ${formatTime(1785622200)} UTC`,
      'Current:      yes',
      'Location:     external',
      'Description:  before switching to ECDSA certificates',
      'Memory:       no',
    ]);
    expect(r.stdout).toMatch(/^ {2}vda {2}external {2}\/var\/lib\/libvirt\/images\/web-01\.tls-renewal\.qcow2$/m);
    expect(r.stdout).toMatch(/^ {2}vdb {2}external {2}\/var\/lib\/libvirt\/images\/web-01-data\.tls-renewal\.qcow2$/m);
    expect(r.stdout).toMatch(/^Children: {5}\(none\)$/m);
  });

  it("--xml prints libvirt's XML exactly", async () => {
    const r = await cli(['show', '--demo', DOMAIN, 'before upgrade', '--xml']);
    expect(r.code).toBe(0);
    const own = await virsh('snapshot-dumpxml', DOMAIN, 'before upgrade');
    expect(own.exitCode).toBe(0);
    expect(r.stdout.trimEnd()).toBe(own.stdout.trimEnd());
    expect(r.stdout).toContain('<name>before upgrade</name>');
  });

  it('--json prints the model: parent, children and the current mark agree with virsh', async () => {
    const r = await cli(['show', '--demo', DOMAIN, 'before upgrade', '--json']);
    expect(r.code).toBe(0);
    const shown = JSON.parse(r.stdout) as { name: string; parent: string; current: boolean; children: string[]; location: string; memory: { mode: string } };
    const table = (await virsh('snapshot-list', DOMAIN, '--parent')).stdout;
    const children = table
      .split('\n')
      .map((l) => l.trim().split(/\s{2,}/))
      .filter((cells) => cells[3] === 'before upgrade')
      .map((cells) => cells[0]);
    expect(shown).toMatchObject({ name: 'before upgrade', parent: 'nginx configured', current: false, location: 'internal' });
    expect([...shown.children].sort()).toEqual([...children].sort());
    expect(shown.children.length).toBe(2);
  });

  it('a missing snapshot is a libvirt error (exit 1); --xml with --json is a usage error (exit 2)', async () => {
    const missing = await cli(['show', '--demo', DOMAIN, 'no such snapshot']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no domain snapshot with matching name|not found/);
    expect((await cli(['show', '--demo', DOMAIN, 'tls-renewal', '--xml', '--json'])).code).toBe(2);
  });
});

describe('virtsnap current', () => {
  it("prints the current snapshot's name, as virsh does", async () => {
    const r = await cli(['current', '--demo', DOMAIN]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${(await virsh('snapshot-current', DOMAIN, '--name')).stdout.trim()}\n`);
    expect(r.stdout).toBe('tls-renewal\n');
    expect(JSON.parse((await cli(['current', '--demo', DOMAIN, '--json'])).stdout)).toEqual({ domain: DOMAIN, current: 'tls-renewal' });
  });

  it('with no current snapshot: nothing on stdout, a note on stderr, exit 0 (JSON: null)', async () => {
    const r = await cli(['current', '--demo', 'dev-sandbox']);
    expect(r).toEqual({ code: 0, stdout: '', stderr: 'virtsnap: dev-sandbox has no current snapshot\n' });
    expect(JSON.parse((await cli(['current', '--demo', 'dev-sandbox', '--json'])).stdout)).toEqual({ domain: 'dev-sandbox', current: null });
  });

  it('without a terminal and without --yes, making one current refuses with exit 2 and runs nothing', async () => {
    const r = await cli(['current', '--demo', DOMAIN, 'fresh-install', '--command-log']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("Make “fresh-install” the current snapshot of web-01");
    expect(r.stderr).toMatch(/not run: there is no terminal to confirm on; add --yes/);
    expect(r.stderr).not.toMatch(/ok +virsh snapshot-current --domain=web-01 --snapshotname=/);
  });

  it('--dry-run --json prints the plan (with its undo) and exits 0', async () => {
    const r = await cli(['current', '--demo', DOMAIN, 'fresh-install', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const [plan, ...rest] = jsonLines(r.stdout);
    expect(rest).toEqual([]);
    expect(plan).toMatchObject({ type: 'plan', kind: 'current', domain: DOMAIN, refusal: null });
    expect(plan!.steps).toEqual([
      expect.objectContaining({
        id: 'set-current',
        commands: [['virsh', 'snapshot-current', '--domain=web-01', '--snapshotname=fresh-install']],
        undo: { title: "make 'tls-renewal' the current snapshot again", commands: [['virsh', 'snapshot-current', '--domain=web-01', '--snapshotname=tls-renewal']] },
      }),
    ]);
  });

  it('--yes runs it; the step checks the current mark on the host', async () => {
    const r = await cli(['current', '--demo', DOMAIN, 'nginx configured', '--yes', '--json']);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.filter((l) => l.type === 'step').map((l) => `${String(l.step)}:${String(l.event)}`)).toEqual(['set-current:started', 'set-current:done']);
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'done', unfinished: false });
    const text = await cli(['current', '--demo', DOMAIN, 'nginx configured', '--yes']);
    expect(text.stdout).toContain("'nginx configured' is now the current snapshot of 'web-01'.");
  });

  it('already current: says so, runs nothing, exit 0; read-only: exit 2', async () => {
    const same = await cli(['current', '--demo', DOMAIN, 'tls-renewal']);
    expect(same).toMatchObject({ code: 0, stdout: "'tls-renewal' already is the current snapshot of 'web-01'.\n" });
    const readonly = await cli(['current', '--demo', '-r', DOMAIN, 'fresh-install', '--yes']);
    expect(readonly.code).toBe(2);
    expect(readonly.stderr).toMatch(/read-only/);
  });
});
