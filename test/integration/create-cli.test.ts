// `virtsnap create` on libvirt's test driver (test:///default: domain `test`, running):
// the plan as JSON and text, exit codes, read-only refusal and bad input. Each main() call
// opens its own virsh, so every test starts from the driver's initial state.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { main } from '../../src/cli.js';
import { demoUri } from '../../src/engine/connect.js';

const URI = 'test:///default';

async function virtsnap(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const exitCode = await main(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    isTty: false,
    env: {},
  });
  return { stdout, stderr, exitCode };
}

interface PlanJson {
  verdict: string;
  reason: string | null;
  method: string | null;
  xml: string | null;
  commands: string[][];
  files: { path: string; role: string; exists: boolean }[];
  pause: { kind: string; description: string };
  warnings: string[];
}

describe('virtsnap create --dry-run on the test driver', () => {
  it("prints one JSON line: the flow's plan with the planner's documented keys, and exits 0 when ok", async () => {
    const r = await virtsnap('create', 'test', 'snap 1', '--description', 'a "quoted" <desc>', '--dry-run', '--json', '-c', URI);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const plan = JSON.parse(r.stdout) as PlanJson & { type: string; kind: string; refusal: string | null; steps: { id: string; commands: string[][]; undo: unknown }[] };
    expect(Object.keys(plan)).toEqual(expect.arrayContaining(['commands', 'files', 'method', 'pause', 'reason', 'verdict', 'warnings', 'xml']));
    expect(plan).toMatchObject({ type: 'plan', kind: 'create', domain: 'test', refusal: null });
    expect(plan.steps.map((s) => [s.id, s.commands])).toEqual([
      ['create', [['virsh', 'snapshot-create-as', '--domain=test', '--name=snap 1', '--description=a "quoted" <desc>']]],
    ]);
    expect(plan.steps[0]!.undo).toMatchObject({ commands: [['virsh', 'snapshot-delete', '--domain=test', '--snapshotname=snap 1']] });
    expect(plan.verdict).toBe('ok');
    expect(plan.reason).toBeNull();
    expect(plan.method).toBe('savevm');
    expect(plan.commands).toEqual([
      ['snapshot-create-as', '--domain=test', '--name=snap 1', '--description=a "quoted" <desc>'],
    ]);
    expect(plan.xml).toContain('<name>snap 1</name>');
    expect(plan.files).toEqual([]);
    expect(plan.pause.kind).toBe('savevm');
  });

  it('runs only queries (the command log shows no snapshot-create)', async () => {
    const r = await virtsnap('create', 'test', 'dry', '--dry-run', '--command-log', '-c', URI);
    expect(r.exitCode).toBe(0);
    // the command log lists every virsh command run: only queries
    const logged = r.stderr.split('\n').filter((l) => l.includes('virsh '));
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.some((l) => /snapshot-create/.test(l))).toBe(false);
  });

  it('exits 2 with the reason when libvirt would refuse (internal --live)', async () => {
    const r = await virtsnap('create', 'test', 's', '--live', '--dry-run', '--json', '-c', URI);
    expect(r.exitCode).toBe(2);
    const plan = JSON.parse(r.stdout) as PlanJson;
    expect(plan.verdict).toBe('unsupported');
    expect(plan.reason).toMatch(/live snapshot creation is supported only during full system snapshots/);
    expect(plan.commands).toEqual([]);
    expect(plan.xml).toBeNull();
  });

  it("refuses a default overlay name where libvirt does: the test driver's images are not regular files", async () => {
    const args = ['create', 'web-01', 'xm1', '--memspec', 'snapshot=external,file=/tmp/xm1.mem', '--diskspec', 'vda,snapshot=external', '--diskspec', 'vdb,snapshot=no'];
    const r = await virtsnap(...args, '--dry-run', '--json', '--demo');
    expect(r.exitCode).toBe(2);
    const plan = JSON.parse(r.stdout) as PlanJson & { title: string };
    expect(plan.reason).toMatch(/^source for disk 'vda' is not a regular file; refusing to generate external snapshot name \(/);
    expect(plan.title).toBe('Create snapshot “xm1” of web-01');
    // libvirt itself, asked the same, says the same
    const virsh = await execa('virsh', ['-q', '-c', demoUri(), 'snapshot-create-as', 'web-01', 'xm1', '--memspec', 'snapshot=external,file=/tmp/xm1.mem', '--diskspec', 'vda,snapshot=external', '--diskspec', 'vdb,snapshot=no'], { reject: false, stdin: 'ignore' });
    expect(virsh.exitCode).toBe(1);
    expect(virsh.stderr).toContain("source for disk 'vda' is not a regular file; refusing to generate external snapshot name");
    // with the overlay named, it plans and runs
    const named = await virtsnap('create', 'web-01', 'xm1', '--memspec', 'snapshot=external,file=/tmp/xm1.mem', '--diskspec', 'vda,snapshot=external,file=/tmp/xm1.vda.qcow2', '--diskspec', 'vdb,snapshot=no', '--yes', '--demo');
    expect(named.exitCode, named.stderr).toBe(0);
  });

  it('prints a readable plan whose commands paste into a shell', async () => {
    const r = await virtsnap('create', 'test', "it's -x", '--dry-run', '-c', URI);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Snapshot plan for domain 'test': ok\n/);
    expect(r.stdout).toContain('  method:   savevm\n');
    // the steps as every flow prints them
    expect(r.stdout).toContain(`Steps:\n  1. create snapshot “it's -x” of test (savevm)\n`);
    expect(r.stdout).toContain(`       $ virsh -c test:///default snapshot-create-as --domain=test '--name=it'\\''s -x'\n`);
    expect(r.stdout).toContain('       undo: delete snapshot “it\'s -x”');
  });

  it('shows the unsupported verdict in text too, with exit 2', async () => {
    const r = await virtsnap('create', 'test', 's', '--quiesce', '--dry-run', '-c', URI);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toMatch(/^Snapshot plan for domain 'test': (unsupported|invalid)\n  reason: +\S/);
  });

  it('refuses a name the domain already has, before libvirt is asked', async () => {
    const r = await virtsnap('create', 'web-01', 'before upgrade', '--dry-run', '--json', '--demo');
    expect(r.exitCode).toBe(2);
    const plan = JSON.parse(r.stdout) as { verdict: string; reason: string };
    expect(plan.verdict).toBe('invalid');
    expect(plan.reason).toMatch(/before upgrade/);
    expect(plan.reason).toMatch(/exist|taken|already/i);
  });

  it('works on a read-only connection', async () => {
    const r = await virtsnap('create', 'test', 's', '--dry-run', '--json', '--readonly', '-c', URI);
    expect(r.exitCode).toBe(0);
    expect((JSON.parse(r.stdout) as PlanJson).verdict).toBe('ok');
  });
});

describe('virtsnap create on the test driver', () => {
  it('creates the snapshot with --yes and prints it', async () => {
    const r = await virtsnap('create', 'test', 'odd <&> ü', '--description', 'made by create', '--yes', '-c', URI);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Snapshot plan for domain 'test': ok\n/);
    expect(r.stdout).toContain("Created snapshot 'odd <&> ü' (internal, state running)\n");
    expect(r.stderr).toContain('done: create snapshot “odd <&> ü” of test (savevm)');
  });

  it('without a terminal and without --yes: exit 2 and nothing is created', async () => {
    const r = await virtsnap('create', 'test', 'unasked', '--command-log', '-c', URI);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toMatch(/^Snapshot plan for domain 'test': ok\n/);
    expect(r.stderr).toMatch(/no terminal to confirm on; add --yes/);
    const logged = r.stderr.split('\n').filter((l) => l.includes('virsh '));
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.some((l) => /snapshot-create/.test(l))).toBe(false);
  });

  it('--json: the plan, each step event, then the result with the created snapshot, one JSON per line', async () => {
    const r = await virtsnap('create', 'test', 'j1', '--json', '--yes', '-c', URI);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'plan', kind: 'create', verdict: 'ok' });
    expect(lines.slice(1, -1).map((l) => [l.type, l.step, l.event])).toEqual([
      ['step', 'create', 'started'],
      ['step', 'create', 'done'],
    ]);
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'done', snapshot: { name: 'j1', location: 'internal', state: 'running' } });
  });

  it('refuses on a read-only connection (exit 2), running only queries', async () => {
    const r = await virtsnap('create', 'test', 's', '--readonly', '--yes', '--command-log', '-c', URI);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('the connection is read-only (--readonly): this plan changes the host, so nothing was run');
    expect(r.stderr).not.toMatch(/virsh snapshot-create/);
  });

  it("shows libvirt's message when libvirt refuses", async () => {
    const r = await virtsnap('create', 'no-such-domain', 's', '-c', URI);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^virtsnap: .*no-such-domain/);
  });
});

describe('virtsnap create input errors', () => {
  it.each([
    [['--memspec', 'relative.mem'], /unable to parse memspec 'relative.mem'/],
    [['--memspec', 'file=/m,snapshot=maybe'], /snapshot= is 'maybe'/],
    [['--diskspec', 'vda,stype=network'], /Unknown storage type|stype= \(storage type\) is 'network'/],
    [['--diskspec', 'vda', '--diskspec', 'vda,snapshot=no'], /names disk 'vda' twice/],
    [['--from-file', '/nonexistent/snap.xml'], /cannot read the snapshot XML file '\/nonexistent\/snap.xml'/],
    [['--from-file', '/a', '--xl-config', '/b'], /cannot be used together/],
    [['--xl-config', '/b', '--memspec', '/m'], /cannot be combined with --xl-config/],
  ])('%j: exit 2 with a clear message, nothing run', async (extra, message) => {
    const r = await virtsnap('create', 'test', 's', ...extra, '--command-log', '-c', URI);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('virtsnap create from files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vs-create-'));

  it('plans a <domainsnapshot> file like the same options', async () => {
    const file = join(dir, 'snap.xml');
    writeFileSync(file, "<domainsnapshot><name>from file</name><description>d</description></domainsnapshot>");
    const r = await virtsnap('create', 'test', '--from-file', file, '--dry-run', '--json', '-c', URI);
    expect(r.exitCode).toBe(0);
    const plan = JSON.parse(r.stdout) as PlanJson;
    expect(plan.commands).toEqual([['snapshot-create-as', '--domain=test', '--name=from file', '--description=d']]);
  });

  it('reports malformed XML with line and column, exit 2', async () => {
    const file = join(dir, 'bad.xml');
    writeFileSync(file, '<domainsnapshot>\n  <name>x</nme>\n</domainsnapshot>\n');
    const r = await virtsnap('create', 'test', '--from-file', file, '--dry-run', '-c', URI);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^virtsnap: Malformed XML at line 2, column \d+: /);
  });

  it('plans an xl config, whose name wins over the command line (as in xl)', async () => {
    const file = join(dir, 'snap.cfg');
    writeFileSync(file, 'name = "xl name"\ndescription = "from xl"\n');
    const r = await virtsnap('create', 'test', 'cli-name', '--xl-config', file, '--dry-run', '--json', '-c', URI);
    expect(r.exitCode).toBe(0);
    expect((JSON.parse(r.stdout) as PlanJson).commands[0]).toEqual(['snapshot-create-as', '--domain=test', '--name=xl name', '--description=from xl']);
  });

  it('reports xl config errors with the file and line, exit 2', async () => {
    const file = join(dir, 'bad.cfg');
    writeFileSync(file, 'name = "a"\ndisks = ["/x,qcow2"]\n');
    const r = await virtsnap('create', 'test', '--xl-config', file, '--dry-run', '-c', URI);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`virtsnap: ${file}:2: disk '/x,qcow2' must have three comma-separated fields`);
  });
});
