// Snapshot creation on real QEMU guests, one test per method libvirt 9.0 supports, through
// the execute API and the `virtsnap create` CLI. Every result is checked independently of
// virtsnap: qcow2 tags with `qemu-img info -U`, overlays with `qemu-img info
// --backing-chain`, the active images with `virsh domblklist`, the memory file on disk and
// the domain state with `virsh domstate --reason`.

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { execa } from 'execa';
import { main } from '../../src/cli.js';
import type { Host } from '../../src/engine/host.js';
import { readPlannerDomain, systemPlannerEnvironment } from '../../src/engine/create/domain-facts.js';
import { CreateFailedError } from '../../src/engine/create/execute.js';
import { executePlan } from '../../src/engine/create/create-flow.js';
import { Journal } from '../../src/engine/flows/journal.js';
import { planSnapshot } from '../../src/engine/create/planner.js';
import { parseDiskspec, parseMemspec } from '../../src/engine/create/spec-syntax.js';
import { VirshCommandError } from '../../src/engine/virsh/errors.js';
import type { CreateRequest, CreateRequestFlags, Plan } from '../../src/engine/create/types.js';
import { describeLab, type Lab } from './lab.js';
import { useLabHost } from './lab-host.js';
import { backingChain, qcow2Tags } from './qemu-checks.js';

/** target → source from `virsh domblklist --details` (live XML). */
async function activeImages(lab: Lab, domain: string): Promise<Record<string, string>> {
  const { stdout } = await lab.virsh('domblklist', domain, '--details');
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^\s*\S+\s+disk\s+(\S+)\s+(.+?)\s*$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

async function domState(lab: Lab, domain: string): Promise<string> {
  return (await lab.virsh('domstate', domain, '--reason')).stdout.trim();
}

function request(name: string, o: { memspec?: string; diskspecs?: string[]; flags?: CreateRequestFlags } = {}): CreateRequest {
  const r: CreateRequest = { name, disks: (o.diskspecs ?? []).map(parseDiskspec), flags: o.flags ?? {} };
  if (o.memspec) r.memory = parseMemspec(o.memspec);
  return r;
}

describeLab('snapshot creation on real QEMU', () => {
  let lab: Lab;
  let host: Host;
  useLabHost((started, connected) => {
    lab = started;
    host = connected;
  });

  async function plan(domain: string, r: CreateRequest): Promise<Plan> {
    return planSnapshot(await readPlannerDomain(host, domain), r, systemPlannerEnvironment);
  }

  const img = (file: string) => join(lab.dir, 'img', file);

  it('--dry-run --readonly plans an external snapshot and changes nothing', async () => {
    const { name, disks } = await lab.newDomain();
    const mem = img(`${name} dry.mem`);
    const overlay = img(`${name}-vda.dry.qcow2`);
    const filesBefore = readdirSync(img('')).sort();
    const run = async (...extra: string[]) => {
      let stdout = '';
      const exitCode = await main(
        ['create', name, 'dry', '--memspec', `file=${mem}`, '--diskspec', `vda,file=${overlay}`, '--diskspec', 'vdb,snapshot=no', '--dry-run', '--readonly', '-c', lab.uri, ...extra],
        { stdout: (t) => void (stdout += t), stderr: () => {}, isTty: false, env: {} },
      );
      return { stdout, exitCode };
    };
    const json = await run('--json');
    expect(json.exitCode).toBe(0);
    const p = JSON.parse(json.stdout) as Plan;
    expect(p.method).toBe('migrate+transaction');
    expect(p.files).toEqual([
      { path: mem, role: 'memory', exists: false },
      { path: overlay, role: 'overlay', disk: 'vda', exists: false },
    ]);
    expect(p.commands).toEqual([
      ['snapshot-create-as', `--domain=${name}`, '--name=dry', `--memspec=file=${mem},snapshot=external`, `--diskspec=vda,file=${overlay}`, '--diskspec=vdb,snapshot=no'],
    ]);
    const text = await run();
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain(`virsh -c '${lab.uri}' snapshot-create-as --domain=${name} --name=dry '--memspec=file=${mem},snapshot=external'`);
    // nothing happened: no file, no snapshot, same images, still running
    expect(readdirSync(img('')).sort()).toEqual(filesBefore);
    expect((await lab.virsh('snapshot-list', name, '--name')).stdout.trim()).toBe('');
    expect(await activeImages(lab, name)).toEqual({ vda: disks.vda, vdb: disks.vdb });
    expect(await domState(lab, name)).toMatch(/^running/);
  });

  it('internal, online (savevm): both images get the tag, the guest runs on', async () => {
    const { name, disks } = await lab.newDomain();
    const p = await plan(name, request('i1'));
    expect(p).toMatchObject({ verdict: 'ok', method: 'savevm', files: [] });
    const { snapshot } = await executePlan(host, name, p);
    expect(snapshot!.detail).toMatchObject({ name: 'i1', state: 'running', location: 'internal', memory: { mode: 'internal' } });
    expect(await qcow2Tags(disks.vda)).toEqual(['i1']);
    expect(await qcow2Tags(disks.vdb)).toEqual(['i1']);
    expect(await activeImages(lab, name)).toEqual({ vda: disks.vda, vdb: disks.vdb });
    expect(await domState(lab, name)).toMatch(/^running/);
    expect((await lab.virsh('snapshot-list', name, '--name')).stdout.trim()).toBe('i1');
  });

  it('internal, offline (qemu-img): tags in both images, the domain stays off', async () => {
    const { name, disks } = await lab.newDomain({ running: false });
    const p = await plan(name, request('off1', { flags: {} }));
    expect(p).toMatchObject({ verdict: 'ok', method: 'qemu-img' });
    const { snapshot } = await executePlan(host, name, p);
    expect(snapshot!.detail).toMatchObject({ name: 'off1', state: 'shutoff', location: 'internal' });
    expect(await qcow2Tags(disks.vda)).toEqual(['off1']);
    expect(await qcow2Tags(disks.vdb)).toEqual(['off1']);
    expect(await domState(lab, name)).toMatch(/^shut off/);
  });

  it('external disk-only --atomic (transaction): overlays on the old images, odd paths', async () => {
    const { name, disks } = await lab.newDomain();
    const vdaOverlay = img(`${name} vda, e1 ü.qcow2`);
    const vdbOverlay = img(`${name}-vdb.e1.qcow2`);
    const r = request('e1', {
      diskspecs: [`vda,snapshot=external,file=${vdaOverlay.replace(/,/g, ',,')}`, `vdb,file=${vdbOverlay}`],
      flags: { diskOnly: true, atomic: true },
    });
    const p = await plan(name, r);
    expect(p).toMatchObject({ verdict: 'ok', method: 'transaction' });
    expect(p.files.map((f) => [f.path, f.role, f.exists])).toEqual([
      [vdaOverlay, 'overlay', false],
      [vdbOverlay, 'overlay', false],
    ]);
    const { snapshot } = await executePlan(host, name, p);
    expect(snapshot!.detail).toMatchObject({ name: 'e1', state: 'disk-snapshot', location: 'external' });
    expect(await activeImages(lab, name)).toEqual({ vda: vdaOverlay, vdb: vdbOverlay });
    const chain = await backingChain(vdaOverlay);
    expect(chain.map((c) => c.filename)).toEqual([vdaOverlay, disks.vda]);
    expect(chain[0]!.format).toBe('qcow2');
    expect((await backingChain(vdbOverlay)).map((c) => c.filename)).toEqual([vdbOverlay, disks.vdb]);
    expect(await qcow2Tags(disks.vda)).toEqual([]);
    expect(await domState(lab, name)).toMatch(/^running/);
  });

  it('external memory + disks (migrate+transaction): memory file, overlays, guest resumed', async () => {
    const { name, disks } = await lab.newDomain();
    const mem = img(`${name}.m1.mem`);
    const r = request('m1', {
      memspec: `file=${mem},snapshot=external`,
      diskspecs: [`vda,file=${img(`${name}-vda.m1.qcow2`)}`, `vdb,file=${img(`${name}-vdb.m1.qcow2`)}`],
    });
    const p = await plan(name, r);
    expect(p).toMatchObject({ verdict: 'ok', method: 'migrate+transaction', pause: { kind: 'memory-copy' } });
    const { snapshot } = await executePlan(host, name, p);
    expect(snapshot!.detail).toMatchObject({ name: 'm1', state: 'running', location: 'external', memory: { mode: 'external', file: mem } });
    expect(statSync(mem).size).toBeGreaterThan(0);
    expect(await activeImages(lab, name)).toEqual({ vda: img(`${name}-vda.m1.qcow2`), vdb: img(`${name}-vdb.m1.qcow2`) });
    expect((await backingChain(img(`${name}-vda.m1.qcow2`)))[0]!.backing).toBe(disks.vda);
    expect(await domState(lab, name)).toMatch(/^running/);
  });

  it('external memory + disks --live through `virtsnap create`: refused unasked, run with --yes, journaled', async () => {
    const { name, disks } = await lab.newDomain();
    const mem = img(`${name}.l1.mem`);
    const create = async (...extra: string[]) => {
      let stdout = '';
      let stderr = '';
      const exitCode = await main(
        [
          'create', name, 'l1', '--live',
          '--memspec', `${mem},snapshot=external`,
          '--diskspec', `vda,file=${img(`${name}-vda.l1.qcow2`)}`,
          '--diskspec', `vdb,file=${img(`${name}-vdb.l1.qcow2`)}`,
          '-c', lab.uri, ...extra,
        ],
        { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTty: false, env: {} },
      );
      return { stdout, stderr, exitCode };
    };
    // no terminal, no --yes: the plan is printed, nothing is run
    const filesBefore = readdirSync(img('')).sort();
    const unasked = await create();
    expect(unasked.exitCode).toBe(2);
    expect(unasked.stderr).toMatch(/add --yes/);
    expect(readdirSync(img('')).sort()).toEqual(filesBefore);
    expect((await lab.virsh('snapshot-list', name, '--name')).stdout.trim()).toBe('');
    expect(await activeImages(lab, name)).toEqual({ vda: disks.vda, vdb: disks.vdb });

    const { stdout, stderr, exitCode } = await create('--yes');
    expect(exitCode).toBe(0);
    expect(stderr).toMatch(/^\.\.\. create snapshot “l1” of .* \(migrate\+transaction\)\ndone: create snapshot “l1”/);
    expect(stdout).toContain('  method:   migrate+transaction\n');
    expect(stdout).toContain(`       creates ${mem}\n`);
    expect(stdout).toContain("Created snapshot 'l1' (external, state running)");
    expect(statSync(mem).size).toBeGreaterThan(0);
    expect(await activeImages(lab, name)).toEqual({ vda: img(`${name}-vda.l1.qcow2`), vdb: img(`${name}-vdb.l1.qcow2`) });
    expect((await backingChain(img(`${name}-vdb.l1.qcow2`)))[0]!.backing).toBe(disks.vdb);
    expect(await domState(lab, name)).toMatch(/^running/);
    // the default journal (the tests' own state directory) has the flow, closed as done
    const flow = new Journal().flows().find((f) => f.begin.kind === 'create' && f.begin.domain === name)!;
    expect(flow.begin.steps[0]!.creates).toEqual([mem, img(`${name}-vda.l1.qcow2`), img(`${name}-vdb.l1.qcow2`)]);
    expect(flow.end).toMatchObject({ status: 'done' });
  });

  it('external memory with disks `no` (migrate): only the memory file, the images untouched', async () => {
    const { name, disks } = await lab.newDomain();
    const mem = img(`${name}.mo.mem`);
    const p = await plan(name, request('mo', { memspec: `file=${mem}`, diskspecs: ['vda,snapshot=no', 'vdb,snapshot=no'] }));
    expect(p).toMatchObject({ verdict: 'ok', method: 'migrate' });
    expect(p.files.map((f) => f.role)).toEqual(['memory']);
    const { snapshot } = await executePlan(host, name, p);
    expect(snapshot!.detail.memory).toEqual({ mode: 'external', file: mem });
    expect(statSync(mem).size).toBeGreaterThan(0);
    expect(await activeImages(lab, name)).toEqual({ vda: disks.vda, vdb: disks.vdb });
    expect(await qcow2Tags(disks.vda)).toEqual([]);
    expect(await domState(lab, name)).toMatch(/^running/);
  });

  it('manual disks (migrate, then left paused): the test resumes the domain', async () => {
    const { name, disks } = await lab.newDomain();
    const mem = img(`${name}.man.mem`);
    const p = await plan(name, request('man', { memspec: `file=${mem}`, diskspecs: ['vda,snapshot=manual', 'vdb,snapshot=manual'] }));
    expect(p).toMatchObject({ verdict: 'ok', pause: { kind: 'until-resumed' } });
    const { snapshot } = await executePlan(host, name, p);
    expect(snapshot!.detail.disks.map((d) => [d.name, d.mode])).toEqual([
      ['vda', 'manual'],
      ['vdb', 'manual'],
    ]);
    expect(statSync(mem).size).toBeGreaterThan(0);
    expect(await domState(lab, name)).toMatch(/^paused/);
    expect(await activeImages(lab, name)).toEqual({ vda: disks.vda, vdb: disks.vdb });
    expect((await lab.virsh('resume', name)).exitCode).toBe(0);
    expect(await domState(lab, name)).toMatch(/^running/);
  });

  it('a refused run leaves no file it created and keeps the files that were there before', async () => {
    const { name, disks } = await lab.newDomain();
    // Both overlays exist before the run (--reuse-external): vda's is a proper overlay, vdb's
    // is not an image at all, so QEMU refuses it after the memory file has been written.
    const vdaOverlay = img(`${name}-vda.f1.qcow2`);
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', disks.vda, '-F', 'qcow2', vdaOverlay]);
    const vdbOverlay = img(`${name}-vdb.f1.qcow2`);
    writeFileSync(vdbOverlay, 'not a disk image\n');
    const mem = img(`${name}.f1.mem`);
    const r = request('f1', {
      memspec: `file=${mem}`,
      diskspecs: [`vda,file=${vdaOverlay}`, `vdb,file=${vdbOverlay}`],
      flags: { reuseExternal: true },
    });
    const p = await plan(name, r);
    expect(p.verdict).toBe('ok');
    expect(p.files.map((f) => [f.role, f.exists])).toEqual([
      ['memory', false],
      ['overlay', true],
      ['overlay', true],
    ]);
    const before = { files: readdirSync(img('')).sort(), vda: readFileSync(vdaOverlay), vdb: readFileSync(vdbOverlay) };
    let failure: unknown;
    try {
      await executePlan(host, name, p);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(CreateFailedError);
    const failed = failure as CreateFailedError;
    expect(failed.failure).toBeInstanceOf(VirshCommandError);
    expect(failed.message).toMatch(/^creating the snapshot failed: /);
    expect(failed.message).toContain((failed.failure as VirshCommandError).libvirtMessage);
    // nothing this run created is left; the files that were there are there, unchanged
    expect(existsSync(mem)).toBe(false);
    expect(readdirSync(img('')).sort()).toEqual(before.files);
    expect(readFileSync(vdaOverlay).equals(before.vda)).toBe(true);
    expect(readFileSync(vdbOverlay).equals(before.vdb)).toBe(true);
    // libvirt 9.0 removed the memory file itself, so virtsnap had nothing left to remove or keep
    expect(failed.removed).toEqual([]);
    expect(failed.kept).toEqual([]);
    // libvirt recorded nothing and nothing of the run is left: the journal has nothing open
    expect(failed.hostUnchanged).toBe(true);
    const flow = new Journal().flows().find((f) => f.begin.kind === 'create' && f.begin.domain === name)!;
    expect(flow.end).toMatchObject({ status: 'failed' });
    // the domain still runs on its own images, and libvirt recorded no snapshot
    expect(await activeImages(lab, name)).toEqual({ vda: disks.vda, vdb: disks.vdb });
    expect((await lab.virsh('snapshot-list', name, '--name')).stdout.trim()).toBe('');
    expect(await domState(lab, name)).toMatch(/^running/);
  });

  it('a failed run never removes an overlay file that existed (empty) before it', async () => {
    const { name, disks } = await lab.newDomain();
    const preExisting = img(`${name}-vda.f2.qcow2`);
    writeFileSync(preExisting, '');
    // vdb's overlay cannot be created (no such directory): libvirt fails after the run began.
    const missing = img(`${name}-no-such-dir/vdb.f2.qcow2`);
    const p = await plan(name, request('f2', { diskspecs: [`vda,file=${preExisting}`, `vdb,file=${missing}`], flags: { diskOnly: true } }));
    expect(p.verdict).toBe('ok');
    const filesBefore = readdirSync(img('')).sort();
    let failure: unknown;
    try {
      await executePlan(host, name, p);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(CreateFailedError);
    expect((failure as CreateFailedError).removed).toEqual([]);
    expect(existsSync(missing)).toBe(false);
    // libvirt 9.0 itself unlinks the empty file it had taken for the new overlay (its own
    // cleanup of a failed snapshot); virtsnap removed nothing
    expect(existsSync(preExisting)).toBe(false);
    const after = readdirSync(img('')).sort();
    expect(after.filter((f) => !filesBefore.includes(f))).toEqual([]);
    expect(await activeImages(lab, name)).toEqual({ vda: disks.vda, vdb: disks.vdb });
  });
});
