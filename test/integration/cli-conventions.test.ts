// Every mutating subcommand behaves the same way, checked side by side on one real host:
//   no terminal and no --yes  → exit 2, the plan printed, nothing changed
//   --dry-run --json          → exit 0, one JSON plan line, nothing changed
//   --readonly --yes          → exit 2, nothing changed
//   --yes --json              → exit 0: the plan line, step lines, then the result line
// "Nothing changed" is judged from libvirt and the image files, read with one-shot virsh and
// qemu-img, before and after.

import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeLab, startLab, type Lab } from './lab.js';
import { chainFiles, qcow2Tags } from './qemu-checks.js';

const BIN = fileURLToPath(new URL('../../dist/virtsnap/bin.js', import.meta.url));

describeLab('the same conventions for every mutating subcommand', () => {
  let lab: Lab;
  let domain: string;
  let vda: string;
  let stateHome: string;
  beforeAll(async () => {
    lab = await startLab();
    const d = await lab.newDomain({ fillMiB: 64 });
    domain = d.name;
    vda = d.disks.vda;
    stateHome = mkdtempSync(join(tmpdir(), 'vs-conventions-state-'));
    // something to revert to, delete, rename and make current
    expect((await lab.virsh('snapshot-create-as', domain, 'base')).exitCode).toBe(0);
    expect((await lab.virsh('snapshot-create-as', domain, 'second')).exitCode).toBe(0);
  });
  afterAll(async () => {
    await lab?.stop();
  });

  const run = (args: string[], env: Record<string, string> = {}) =>
    execa('node', [BIN, '-c', lab.uri, ...args], {
      reject: false,
      stdin: 'ignore',
      timeout: 120_000,
      env: { XDG_STATE_HOME: stateHome, NO_COLOR: '1', ...env },
    });

  /** What "changed" means here: libvirt's snapshots and current mark, the domain's state and chain, the image's tags. */
  async function hostState(): Promise<string> {
    const parts = await Promise.all([
      lab.virsh('snapshot-list', domain, '--parent'),
      lab.virsh('snapshot-current', domain, '--name'),
      lab.virsh('domstate', domain),
      lab.virsh('domblklist', domain),
      lab.virsh('blockjob', domain, 'vda', '--raw'),
    ]);
    const active = (await lab.virsh('domblklist', domain)).stdout.match(/vda\s+(\S+)/)?.[1] ?? vda;
    return JSON.stringify([parts.map((p) => p.stdout), await qcow2Tags(vda), await chainFiles(active)]);
  }

  const MUTATING: [string, () => string[]][] = [
    ['create', () => ['create', domain, 'made-here']],
    ['edit --rename', () => ['edit', domain, 'second', '--rename', 'renamed', '--force']],
    ['edit --description', () => ['edit', domain, 'second', '--description', 'a note']],
    ['current', () => ['current', domain, 'base']],
    ['revert', () => ['revert', domain, 'base']],
    ['delete', () => ['delete', domain, 'second']],
    ['commit', () => ['commit', domain, 'vda', '--active', '--pivot']],
    ['pull', () => ['pull', domain, 'vda']],
  ];

  it.each(MUTATING)('%s: refused without a terminal and without --yes, with the plan shown and nothing changed', async (_name, args) => {
    if (_name === 'commit' || _name === 'pull') {
      // a chain to commit or pull: an external overlay on vda
      const overlays = (await lab.virsh('domblklist', domain)).stdout;
      if (!overlays.includes('.ext1')) {
        const r = await lab.virsh('snapshot-create-as', domain, 'ext1', '--disk-only', '--no-metadata', '--diskspec', `vda,snapshot=external,file=${lab.dir}/img/${domain}-vda.ext1`, '--diskspec', 'vdb,snapshot=no');
        expect(r.exitCode).toBe(0);
      }
    }
    const before = await hostState();
    const refused = await run(args());
    expect(refused.exitCode).toBe(2);
    expect(refused.stdout.length).toBeGreaterThan(0);
    expect(refused.stderr).toMatch(/--yes/);
    expect(await hostState()).toBe(before);

    const dry = await run([...args(), '--dry-run', '--json']);
    expect(dry.exitCode).toBe(0);
    const lines = dry.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'plan' });
    expect(await hostState()).toBe(before);

    const readonly = await run([...args(), '--readonly', '--yes']);
    expect(readonly.exitCode).toBe(2);
    expect(await hostState()).toBe(before);
  });

  it('job --abort and resume follow the same rules', async () => {
    // a slow active commit that stays running
    const start = await lab.virsh('blockcommit', domain, 'vda', '--active', '--bandwidth', '1');
    expect(start.exitCode).toBe(0);
    const before = await hostState();
    const refused = await run(['job', domain, 'vda', '--abort']);
    expect(refused.exitCode).toBe(2);
    expect(await hostState()).toBe(before);
    const dry = await run(['job', domain, 'vda', '--abort', '--dry-run', '--json']);
    expect(dry.exitCode).toBe(0);
    expect(JSON.parse(dry.stdout.trim().split('\n')[0]!)).toMatchObject({ type: 'plan' });
    const done = await run(['job', domain, 'vda', '--abort', '--yes', '--json']);
    expect(done.exitCode).toBe(0);
    const lines = done.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; status?: string });
    expect(lines[0]!.type).toBe('plan');
    expect(lines.some((l) => l.type === 'step')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'done' });
    expect((await lab.virsh('blockjob', domain, 'vda', '--raw')).stdout).not.toMatch(/cur=/);

    // an interrupted rename, then resume without --yes: refused, nothing changed
    const killed = await run(['edit', domain, 'second', '--rename', 'half', '--force', '--yes'], { VIRTSNAP_TEST_KILL_AFTER_STEP: '1' });
    expect(killed.exitCode, killed.stderr).not.toBe(0);
    const journal = JSON.parse((await run(['journal', '--json'])).stdout) as { flows: { id: string; status: string }[] };
    const open = journal.flows.find((f) => f.status === 'unfinished')!;
    expect(open).toBeDefined();
    const mid = await hostState();
    const resumeRefused = await run(['resume', open.id]);
    expect(resumeRefused.exitCode).toBe(2);
    expect(await hostState()).toBe(mid);
    const resumed = await run(['resume', open.id, '--yes']);
    expect(resumed.exitCode).toBe(0);
    expect((await lab.virsh('snapshot-list', domain, '--name')).stdout).toMatch(/^half$/m);
  });

  it('with --yes --json every mutating subcommand prints the plan, its steps and the result as JSON lines', async () => {
    // a domain of its own, on plain images (the one above now has a no-metadata overlay)
    const fresh = (await lab.newDomain()).name;
    expect((await lab.virsh('snapshot-create-as', fresh, 'base')).exitCode).toBe(0);
    for (const args of [
      ['create', fresh, 'json-made'],
      ['current', fresh, 'base'],
      ['edit', fresh, 'json-made', '--description', 'described'],
      ['revert', fresh, 'base', '--no-safety-snapshot'],
      ['delete', fresh, 'json-made'],
    ]) {
      const r = await run([...args, '--yes', '--json']);
      expect(r.exitCode, `${args.join(' ')}: ${r.stdout} ${r.stderr}`).toBe(0);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; status?: string });
      expect(lines[0]!.type, `${args.join(' ')}: ${r.stdout}`).toBe('plan');
      expect(lines.filter((l) => l.type === 'step').length).toBeGreaterThan(0);
      expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'done' });
    }
  });
});
