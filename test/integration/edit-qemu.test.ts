// Snapshot editing and rename on real QEMU guests in a private libvirtd. Results are checked
// independently with one-shot virsh (lab.virsh) and qemu-img.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { openHost } from '../../src/engine/connect.js';
import { runEditor } from '../../src/engine/editor.js';
import { editDescription, setCurrentSnapshot } from '../../src/engine/flows/edit-operations.js';
import { runEditLoop, SnapshotEditSession } from '../../src/engine/flows/edit-session.js';
import type { FlowPlan } from '../../src/engine/flows/flow-plan.js';
import { runFlow } from '../../src/engine/flows/flow-run.js';
import { Journal } from '../../src/engine/flows/journal.js';
import { planRename, type RenameFlow } from '../../src/engine/flows/rename-flow.js';
import type { Host } from '../../src/engine/host.js';
import { virshCommands } from '../../src/engine/virsh/commands.js';
import { VirshCommandError } from '../../src/engine/virsh/errors.js';
import { qcow2Tags } from './qemu-checks.js';
import { describeLab, startLab, type Lab } from './lab.js';


describeLab('snapshot editing on real QEMU', () => {
  let lab: Lab;
  let host: Host;
  let scripts: string;
  let journal: Journal;
  const runRename = (flow: RenameFlow) => runFlow(flow as FlowPlan, { journal });

  beforeAll(async () => {
    lab = await startLab();
    host = openHost({ uri: lab.uri });
    scripts = mkdtempSync(join(tmpdir(), 'vs-edit-qemu-'));
    journal = new Journal(join(scripts, 'state'));
  });

  afterAll(async () => {
    await host?.close();
    await lab?.stop();
    if (scripts) rmSync(scripts, { recursive: true, force: true });
  });

  /** `NAME PARENT` pairs from libvirt's own listing, in a fresh virsh. */
  async function parentsOf(domain: string): Promise<Record<string, string>> {
    const { stdout } = await lab.virsh('snapshot-list', domain, '--parent');
    const out: Record<string, string> = {};
    for (const line of stdout.split('\n').filter((l) => l.trim())) {
      // columns: Name, Creation Time (3 words), State, Parent; names here have no spaces
      const cells = line.trim().split(/\s{2,}/);
      out[cells[0]!] = cells[3] ?? '';
    }
    return out;
  }

  const currentOf = async (domain: string) => (await lab.virsh('snapshot-current', domain, '--name')).stdout.trim();

  it('renames an external snapshot: children stay attached, the current mark stays, disks untouched', async () => {
    const { name } = await lab.newDomain();
    for (const snap of ['x1', 'x2', 'x3']) await host.createSnapshotAs(name, { name: snap, diskOnly: true, atomic: true });
    // x2 current, with child x3
    await setCurrentSnapshot(host, name, 'x2');
    expect(await currentOf(name)).toBe('x2');
    const blkBefore = (await lab.virsh('domblklist', name, '--details')).stdout;
    const x2Before = (await lab.virsh('snapshot-dumpxml', name, 'x2')).stdout;

    const flow = await planRename(host, { domain: name, from: 'x2', to: 'x2-renamed' });
    expect(flow.refusal).toBeNull();
    expect(flow.params.internal).toBe(false);
    expect(flow.params.forgetMode).toBe('metadata');
    const commands = flow.machine.plan().flatMap((s) => s.commands.map((c) => c.args.join(' ')));
    expect(commands).toEqual([
      `snapshot-create --domain=${name} --xmlfile=${flow.files.new} --redefine --current`,
      `snapshot-create --domain=${name} --xmlfile=${flow.files.children[0]!.new} --redefine`,
      `snapshot-delete --domain=${name} --snapshotname=x2 --metadata`,
      `snapshot-list --domain=${name} --parent`,
      `snapshot-current --domain=${name} --name`,
    ]);
    const result = await runRename(flow);
    expect(result.status).toBe('done');
    expect(result.journal.filter((e) => e.event === 'done').map((e) => e.step)).toEqual(['redefine-new', 'repoint-child:x3', 'forget-old', 'verify']);

    // independent checks
    expect(await parentsOf(name)).toEqual({ x1: '', 'x2-renamed': 'x1', x3: 'x2-renamed' });
    expect(await currentOf(name)).toBe('x2-renamed');
    expect((await lab.virsh('domblklist', name, '--details')).stdout).toBe(blkBefore);
    const x2After = (await lab.virsh('snapshot-dumpxml', name, 'x2-renamed')).stdout;
    expect(x2After.replace('<name>x2-renamed</name>', '<name>x2</name>')).toBe(x2Before);
    expect((await lab.virsh('snapshot-info', name, 'x2')).stderr).toMatch(/Domain snapshot not found|no domain snapshot with matching name/);
  });

  async function cli(args: string[]) {
    let stderr = '';
    let stdout = '';
    const code = await main(args, {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      isTty: false,
      env: { PATH: process.env.PATH },
    });
    return { code, stdout, stderr };
  }

  it('renames an external snapshot whose child is current, through the CLI: refused without --yes, done with it', async () => {
    const { name } = await lab.newDomain();
    for (const snap of ['e1', 'e2']) await host.createSnapshotAs(name, { name: snap, diskOnly: true, atomic: true });
    expect(await currentOf(name)).toBe('e2');
    const before = (await lab.virsh('snapshot-list', name, '--parent')).stdout;

    const refused = await cli(['edit', '-c', lab.uri, name, 'e1', '--rename', 'first overlay']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain(`Rename “e1” to “first overlay” in ${name}`);
    expect(refused.stderr).toMatch(/not run: there is no terminal to confirm on/);
    expect((await lab.virsh('snapshot-list', name, '--parent')).stdout).toBe(before);

    const r = await cli(['edit', '-c', lab.uri, name, 'e1', '--rename', 'first overlay', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Renamed 'e1' to 'first overlay'.\n");
    const listed = (await lab.virsh('snapshot-list', name, '--parent')).stdout;
    expect(listed).toMatch(/^ *e2 .* first overlay *$/m);
    expect(listed).not.toMatch(/^ *e1 /m);
    expect(await currentOf(name)).toBe('e2');
  });

  it('sets a description and the current mark through the CLI (--yes), and `current` moves the mark back', async () => {
    const { name } = await lab.newDomain();
    for (const snap of ['c1', 'c2']) await host.createSnapshotAs(name, { name: snap, diskOnly: true, atomic: true });
    const refused = await cli(['edit', '-c', lab.uri, name, 'c1', '--description', 'first & <best>', '--current']);
    expect(refused.code).toBe(2);
    expect((await lab.virsh('snapshot-dumpxml', name, 'c1')).stdout).not.toContain('<description>');

    const r = await cli(['edit', '-c', lab.uri, name, 'c1', '--description', 'first & <best>', '--current', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect((await lab.virsh('snapshot-dumpxml', name, 'c1')).stdout).toContain('<description>first &amp; &lt;best&gt;</description>');
    expect(await currentOf(name)).toBe('c1');

    const shown = await cli(['current', '-c', lab.uri, name]);
    expect(shown.stdout).toBe('c1\n');
    const back = await cli(['current', '-c', lab.uri, name, 'c2', '--yes']);
    expect(back.code, back.stderr).toBe(0);
    expect(await currentOf(name)).toBe('c2');
  });

  it('refuses to rename an internal snapshot, and changes nothing', async () => {
    const { name, disks } = await lab.newDomain({ running: false });
    await host.createSnapshotAs(name, { name: 'i1' });
    await host.createSnapshotAs(name, { name: 'i2' });
    const flow = await planRename(host, { domain: name, from: 'i1', to: 'i1-renamed' });
    expect(flow.params.internal).toBe(true);
    expect(flow.refusal).toMatch(/QEMU keeps the old name as the qcow2 tag.*shut off \(failed\)/);
    await expect(runRename(flow)).rejects.toThrow(/internal snapshot/);
    expect(await parentsOf(name)).toEqual({ i1: '', i2: 'i1' });
    expect(await qcow2Tags(disks.vda)).toEqual(['i1', 'i2']);
  });

  it('--force renames an internal snapshot; its qcow2 tag keeps the old name and a revert fails as documented', async () => {
    const { name, disks } = await lab.newDomain();
    await host.createSnapshotAs(name, { name: 'i1' });
    await host.createSnapshotAs(name, { name: 'i2' });
    const flow = await planRename(host, { domain: name, from: 'i1', to: 'i1-renamed', force: true });
    expect(flow.refusal).toBeNull();
    expect(flow.warnings.join(' ')).toMatch(/anyway \(--force\)/);
    expect((await runRename(flow)).status).toBe('done');
    expect(await parentsOf(name)).toEqual({ 'i1-renamed': '', i2: 'i1-renamed' });
    expect(await currentOf(name)).toBe('i2');
    expect(await qcow2Tags(disks.vda)).toEqual(['i1', 'i2']);

    const revert = await host.run(virshCommands.revertSnapshot(name, 'i1-renamed')).catch((e: unknown) => e);
    expect(revert).toBeInstanceOf(VirshCommandError);
    expect((revert as VirshCommandError).libvirtMessage).toMatch(/i1-renamed' does not exist/);
    expect((await lab.virsh('domstate', name, '--reason')).stdout.trim()).toBe('shut off (failed)');
  });

  it('edits a description and it round-trips, everything else unchanged', async () => {
    const { name } = await lab.newDomain();
    await host.createSnapshotAs(name, { name: 'd1', description: 'first words' });
    await host.createSnapshotAs(name, { name: 'd2' });
    const before = (await lab.virsh('snapshot-dumpxml', name, 'd1')).stdout;
    expect(await editDescription(host, name, 'd1', 'second <words> & "more"')).toMatchObject({ changed: true, previous: 'first words' });
    const after = (await lab.virsh('snapshot-dumpxml', name, 'd1')).stdout;
    expect(after).toContain('<description>second &lt;words&gt; &amp; &quot;more&quot;</description>');
    expect(after.replace(/<description>.*<\/description>/, '')).toBe(before.replace(/<description>.*<\/description>/, ''));
    expect(await parentsOf(name)).toEqual({ d1: '', d2: 'd1' });
    expect(await currentOf(name)).toBe('d2');

    await editDescription(host, name, 'd1', null);
    expect((await lab.virsh('snapshot-dumpxml', name, 'd1')).stdout).not.toContain('<description>');
  });

  it('keeps metadata added to the embedded domain through a whole-XML edit', async () => {
    const { name } = await lab.newDomain();
    await host.createSnapshotAs(name, { name: 'm1' });
    await host.createSnapshotAs(name, { name: 'm2' });
    const editor = join(scripts, 'add-metadata.sh');
    writeFileSync(
      editor,
      `#!/bin/sh\nset -e\nsed -i '0,/<\\/uuid>/s|</uuid>|</uuid>\\n    <metadata><vs:note xmlns:vs="https://example.org/virtsnap">kept \\&amp; sound</vs:note></metadata>|' "$1"\n`,
    );
    chmodSync(editor, 0o755);
    const session = await SnapshotEditSession.open(host, name, 'm1');
    const outcome = await runEditLoop(session, {
      editor: (file) => runEditor(file, { editor, env: { PATH: process.env.PATH } }),
      decide: async (problem) => {
        throw new Error(`unexpected problem: ${JSON.stringify(problem)}`);
      },
    });
    expect(outcome).toEqual({ kind: 'applied', unchanged: false });
    const after = (await lab.virsh('snapshot-dumpxml', name, 'm1')).stdout;
    expect(after).toMatch(/<metadata>\s*<vs:note xmlns:vs="https:\/\/example.org\/virtsnap">kept &amp; sound<\/vs:note>\s*<\/metadata>/);
    expect(await parentsOf(name)).toEqual({ m1: '', m2: 'm1' });
    expect(await currentOf(name)).toBe('m2');
  });
});
