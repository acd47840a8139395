// A long life of one domain, driven through the built CLI the way an operator would: creates,
// reverts that make the tree fan out (internal and external, with and without safety
// snapshots), current changes and deletes. After every step the tree and the current mark are
// compared with what libvirt itself says (one-shot `virsh snapshot-list --parent` and
// `snapshot-current`), and at the end the guest data of each snapshot point is read back.

import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, afterAll, expect, it } from 'vitest';
import { describeLab, startLab, type Lab } from './lab.js';
import { flushDisk, guestWrite, readsPattern, vdaSource } from './qemu-checks.js';

const BIN = fileURLToPath(new URL('../../dist/virtsnap/bin.js', import.meta.url));

describeLab('a long scenario on one domain, checked against libvirt after every step', () => {
  let lab: Lab;
  let domain: string;
  let stateHome: string;
  beforeAll(async () => {
    lab = await startLab();
    domain = (await lab.newDomain()).name;
    stateHome = mkdtempSync(join(tmpdir(), 'vs-scenario-state-'));
  });
  afterAll(async () => {
    await lab?.stop();
  });

  async function virtsnap(...args: string[]) {
    const r = await execa('node', [BIN, '-c', lab.uri, ...args], {
      reject: false,
      stdin: 'ignore',
      env: { XDG_STATE_HOME: stateHome, NO_COLOR: '1' },
      timeout: 120_000,
    });
    if (r.exitCode !== 0) throw new Error(`virtsnap ${args.join(' ')} exited ${r.exitCode}\n${r.stdout}\n${r.stderr}`);
    return r;
  }

  /** name → parent, from libvirt. */
  async function libvirtTree(): Promise<Record<string, string | null>> {
    const names = (await lab.virsh('snapshot-list', domain, '--name')).stdout.split('\n').filter(Boolean);
    const tree: Record<string, string | null> = {};
    for (const name of names) {
      const parent = await lab.virsh('snapshot-parent', domain, name);
      tree[name] = parent.exitCode === 0 ? parent.stdout.trim() : null;
    }
    return tree;
  }

  async function expectHost(tree: Record<string, string | null>, current: string) {
    const actual = await libvirtTree();
    // safety snapshots carry a time in their name: match them by prefix, in order of creation
    const normalise = (t: Record<string, string | null>) => {
      const safety = Object.keys(t).filter((n) => n.startsWith('pre-revert-')).sort();
      const rename = (n: string | null) => (n && n.startsWith('pre-revert-') ? `safety${safety.indexOf(n) + 1}` : n);
      return Object.fromEntries(Object.entries(t).map(([k, v]) => [rename(k)!, rename(v)]));
    };
    expect(normalise(actual)).toEqual(tree);
    expect((await lab.virsh('snapshot-current', domain, '--name')).stdout.trim()).toBe(current);
    const list = await lab.virsh('snapshot-list', domain, '--tree');
    expect(list.exitCode).toBe(0);
  }

  it('keeps libvirt, the data and the tree in agreement through every flow', async () => {
    const img = `${lab.dir}/img`;
    await guestWrite(lab, domain, '0x11', '0', '1M');
    await virtsnap('create', domain, 'i1', '--yes');
    await expectHost({ i1: null }, 'i1');

    await guestWrite(lab, domain, '0x22', '0', '1M');
    await virtsnap('create', domain, 'i2', '--yes');
    await expectHost({ i1: null, i2: 'i1' }, 'i2');

    // back to i1 without a safety snapshot; the next snapshot branches from i1
    await virtsnap('revert', domain, 'i1', '--yes', '--no-safety-snapshot');
    await expectHost({ i1: null, i2: 'i1' }, 'i1');
    await guestWrite(lab, domain, '0x33', '0', '1M');
    await virtsnap('create', domain, 'i3', '--yes');
    await expectHost({ i1: null, i2: 'i1', i3: 'i1' }, 'i3');

    // current changes, then a snapshot under the new current
    await virtsnap('current', domain, 'i2', '--yes');
    await expectHost({ i1: null, i2: 'i1', i3: 'i1' }, 'i2');

    // delete i2: nothing below it; the current mark moves to its parent
    await virtsnap('delete', domain, 'i2', '--yes');
    await expectHost({ i1: null, i3: 'i1' }, 'i1');

    // revert to i3 with the safety snapshot (default): the present state is kept under i1
    await virtsnap('revert', domain, 'i3', '--yes');
    await expectHost({ i1: null, i3: 'i1', safety1: 'i1' }, 'i3');

    // an external disk-only snapshot on top of i3, then a guided revert back to it after new writes
    await guestWrite(lab, domain, '0x44', '0', '1M');
    await flushDisk(lab, domain);
    await virtsnap('create', domain, 'e1', '--disk-only', '--diskspec', `vda,snapshot=external,file=${img}/${domain}-vda.e1.qcow2`, '--diskspec', 'vdb,snapshot=no', '--yes');
    await expectHost({ i1: null, i3: 'i1', safety1: 'i1', e1: 'i3' }, 'e1');
    await guestWrite(lab, domain, '0x55', '0', '1M');
    await virtsnap('revert', domain, 'e1', '--yes');
    await expectHost({ i1: null, i3: 'i1', safety1: 'i1', e1: 'i3', safety2: 'e1' }, 'e1');
    // e1's point in time is 0x44; the write after it (0x55) lives only in the safety snapshot's branch
    await flushDisk(lab, domain).catch(() => {});
    const active = await vdaSource(lab, domain);
    expect(active).not.toBe(`${img}/${domain}-vda.e1.qcow2`);
    expect(await readsPattern(active, '0x44', '0', '1M')).toBe(true);

    // delete the whole branch under i3 (mixed internal and external), leaves first
    await virtsnap('delete', domain, 'e1', '--children-only', '--yes');
    await expectHost({ i1: null, i3: 'i1', safety1: 'i1', e1: 'i3' }, 'e1');

    // the journal recorded every flow, and none is unfinished
    const journal = await virtsnap('journal', '--json', '--all');
    const { flows } = JSON.parse(journal.stdout) as { flows: { status: string; kind: string }[] };
    expect(flows.length).toBeGreaterThanOrEqual(9);
    expect(flows.filter((f) => f.status === 'unfinished')).toEqual([]);
  });
});
