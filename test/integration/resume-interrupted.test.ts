// Flows killed half-way, picked up again: the built CLI renames a snapshot with two children on
// a real QEMU guest and is SIGKILLed between two steps (VIRTSNAP_TEST_KILL_AFTER_STEP) or right
// after a step is journaled as started (VIRTSNAP_TEST_KILL_DURING_STEP). Then `virtsnap journal`
// shows the flow unfinished, commands that open the host say so, and `virtsnap resume`
// finishes it or rolls it back. Every result is checked with one-shot virsh. Each process has
// its own XDG_STATE_HOME, so each flow has a journal of its own. `npm run build` first.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from './built-cli.js';
import { describeLab, startLab, type Lab } from './lab.js';


interface FlowJson {
  id: string;
  status: string;
  kind: string;
  domain: string;
  uri: string;
  done: string[];
  remaining: string[];
  inDoubt: string | null;
}

describeLab('interrupted flows: journal and resume (real QEMU, the built CLI)', () => {
  let lab: Lab;
  const stateDirs: string[] = [];

  beforeAll(async () => {
    lab = await startLab();
  });

  afterAll(async () => {
    await lab?.stop();
    for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A private journal for one flow's processes. */
  function stateDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'vs-resume-state-'));
    stateDirs.push(dir);
    return dir;
  }

  const virtsnap = runCli;

  async function flows(state: string): Promise<FlowJson[]> {
    const r = await virtsnap(state, ['journal', '--json']);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    const parsed = JSON.parse(r.stdout) as { path: string; flows: FlowJson[] };
    expect(parsed.path).toBe(join(state, 'virtsnap', 'journal.jsonl'));
    return parsed.flows;
  }

  /** `NAME → PARENT` from libvirt's own listing, in a fresh virsh (names here have no spaces). */
  async function parentsOf(domain: string): Promise<Record<string, string>> {
    const { stdout } = await lab.virsh('snapshot-list', domain, '--parent');
    const out: Record<string, string> = {};
    for (const line of stdout.split('\n').filter((l) => l.trim())) {
      const cells = line.trim().split(/\s{2,}/);
      out[cells[0]!] = cells[3] ?? '';
    }
    return out;
  }

  const currentOf = async (domain: string) => (await lab.virsh('snapshot-current', domain, '--name')).stdout.trim();

  /** A running guest with external snapshots e1 → (e2, e3), e3 current: renaming e1 takes 5 steps. */
  async function domainWithChildren(): Promise<string> {
    const { name } = await lab.newDomain();
    const create = async (snap: string) => {
      const r = await lab.virsh('snapshot-create-as', name, snap, '--disk-only', '--atomic');
      expect(r.exitCode, r.stderr).toBe(0);
    };
    await create('e1');
    await create('e2');
    expect((await lab.virsh('snapshot-current', name, 'e1')).exitCode).toBe(0);
    await create('e3');
    expect(await parentsOf(name)).toEqual({ e1: '', e2: 'e1', e3: 'e1' });
    expect(await currentOf(name)).toBe('e3');
    return name;
  }

  const STEPS = ['redefine-new', 'repoint-child:e2', 'repoint-child:e3', 'forget-old', 'verify'];

  /** Starts `edit --rename e1 first --yes` and lets the test hook kill it. */
  async function killedRename(state: string, domain: string, hook: Record<string, string>) {
    const r = await virtsnap(state, ['edit', '-c', lab.uri, domain, 'e1', '--rename', 'first', '--yes', '--json'], hook);
    expect(r.signal, r.stderr).toBe('SIGKILL');
    const [flow] = await flows(state);
    expect(flow).toMatchObject({ status: 'unfinished', kind: 'rename', domain, uri: lab.uri });
    return { flow: flow!, stdout: r.stdout };
  }

  it('killed between two steps: the journal shows it unfinished, commands report it, and resume finishes it', async () => {
    const state = stateDir();
    const domain = await domainWithChildren();
    const blkBefore = (await lab.virsh('domblklist', domain, '--details')).stdout;

    const { flow } = await killedRename(state, domain, { VIRTSNAP_TEST_KILL_AFTER_STEP: '2' });
    expect(flow.done).toEqual(['redefine-new', 'repoint-child:e2']);
    expect(flow.remaining).toEqual(['repoint-child:e3', 'forget-old', 'verify']);
    expect(flow.inDoubt).toBeNull();
    // what the host holds now, as the step's leavesState says: both names, one child moved
    expect(await parentsOf(domain)).toEqual({ e1: '', first: '', e2: 'first', e3: 'e1' });

    const text = await virtsnap(state, ['journal']);
    expect(text.stdout).toContain(`Journal: ${join(state, 'virtsnap', 'journal.jsonl')}`);
    expect(text.stdout).toContain(`${flow.id}  unfinished  rename  ${domain}`);
    expect(text.stdout).toContain('2 of 5 steps done');

    // a command that opens the host reports the flow on stderr, and still does its job
    const list = await virtsnap(state, ['list', '-c', lab.uri]);
    expect(list.exitCode, `${list.stdout}\n${list.stderr}`).toBe(0);
    expect(list.stderr).toContain(`unfinished flow ${flow.id} (rename, ${domain}): 2 of 5 steps done; \`virtsnap resume ${flow.id}\``);
    expect(list.stdout).toContain(domain);

    // a prefix is enough; without a terminal it needs --yes
    const prefix = flow.id.slice(0, -2);
    const refused = await virtsnap(state, ['resume', prefix]);
    expect(refused.exitCode, `${refused.stdout}\n${refused.stderr}`).toBe(2);
    expect(refused.stdout).toMatch(/done: {6}2\. make 'first' the parent of 'e2'/);
    expect(refused.stdout).toMatch(/remaining: 3\. make 'first' the parent of 'e3'/);
    expect(await parentsOf(domain)).toEqual({ e1: '', first: '', e2: 'first', e3: 'e1' });

    const resumed = await virtsnap(state, ['resume', prefix, '--yes']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`Flow ${flow.id} finished.`);
    expect(await parentsOf(domain)).toEqual({ first: '', e2: 'first', e3: 'first' });
    expect(await currentOf(domain)).toBe('e3');
    expect((await lab.virsh('domblklist', domain, '--details')).stdout).toBe(blkBefore);
    expect((await flows(state))[0]).toMatchObject({ id: flow.id, status: 'done', done: STEPS });
    expect((await virtsnap(state, ['list', '-c', lab.uri])).stderr).not.toContain('unfinished flow');
    // an ended flow cannot be resumed again
    expect((await virtsnap(state, ['resume', flow.id, '--yes'])).exitCode).toBe(2);
  });

  it('killed between two steps and rolled back: every done step is undone, newest first', async () => {
    const state = stateDir();
    const domain = await domainWithChildren();
    const { flow } = await killedRename(state, domain, { VIRTSNAP_TEST_KILL_AFTER_STEP: 'repoint-child:e3' });
    expect(flow.done).toEqual(['redefine-new', 'repoint-child:e2', 'repoint-child:e3']);
    expect(await parentsOf(domain)).toEqual({ e1: '', first: '', e2: 'first', e3: 'first' });

    const dry = await virtsnap(state, ['resume', flow.id, '--rollback', '--dry-run']);
    expect(dry.exitCode, `${dry.stdout}\n${dry.stderr}`).toBe(0);
    expect(dry.stdout).toMatch(/Rolling back runs, newest first:\n {2}- make 'e1' the parent of 'e3' again\n {2}- make 'e1' the parent of 'e2' again\n {2}- forget 'first' again/);
    expect(await parentsOf(domain)).toEqual({ e1: '', first: '', e2: 'first', e3: 'first' });

    const back = await virtsnap(state, ['resume', flow.id, '--rollback', '--yes', '--json']);
    expect(back.exitCode, back.stderr).toBe(0);
    const lines = back.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; step?: string; event?: string; status?: string });
    expect(lines.filter((l) => l.event === 'undo-done').map((l) => l.step)).toEqual(['repoint-child:e3', 'repoint-child:e2', 'redefine-new']);
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'rolled-back' });
    expect(await parentsOf(domain)).toEqual({ e1: '', e2: 'e1', e3: 'e1' });
    expect(await currentOf(domain)).toBe('e3');
    expect((await flows(state))[0]).toMatchObject({ id: flow.id, status: 'rolled-back' });
  });

  it('a rollback killed after one undo, then during the next: resume --rollback finishes it, and nothing is undone twice', async () => {
    const state = stateDir();
    const domain = await domainWithChildren();
    const { flow } = await killedRename(state, domain, { VIRTSNAP_TEST_KILL_AFTER_STEP: 'repoint-child:e3' });
    expect(flow.done).toEqual(['redefine-new', 'repoint-child:e2', 'repoint-child:e3']);

    // killed right after e3 was given back to e1
    const first = await virtsnap(state, ['resume', flow.id, '--rollback', '--yes', '--json'], { VIRTSNAP_TEST_KILL_AFTER_UNDO: 'repoint-child:e3' });
    expect(first.signal, first.stderr).toBe('SIGKILL');
    expect((await flows(state))[0]).toMatchObject({ id: flow.id, status: 'unfinished', done: ['redefine-new', 'repoint-child:e2'], inDoubt: null });
    expect(await parentsOf(domain)).toEqual({ e1: '', first: '', e2: 'first', e3: 'e1' });

    // killed as e2's undo began: whether it got anywhere is for the host to say
    const second = await virtsnap(state, ['resume', flow.id, '--rollback', '--yes', '--json'], { VIRTSNAP_TEST_KILL_DURING_UNDO: 'repoint-child:e2' });
    expect(second.signal, second.stderr).toBe('SIGKILL');
    expect((await flows(state))[0]).toMatchObject({ id: flow.id, status: 'unfinished', done: ['redefine-new'], inDoubt: 'repoint-child:e2' });

    const back = await virtsnap(state, ['resume', flow.id, '--rollback', '--yes', '--json']);
    expect(back.exitCode, back.stderr).toBe(0);
    const lines = back.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; step?: string; event?: string; status?: string });
    // e2 still had 'first' as its parent: undone now; e3's undo is not run again
    expect(lines.filter((l) => l.event === 'undo-done').map((l) => l.step)).toEqual(['repoint-child:e2', 'redefine-new']);
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'rolled-back' });
    expect(await parentsOf(domain)).toEqual({ e1: '', e2: 'e1', e3: 'e1' });
    expect(await currentOf(domain)).toBe('e3');
    expect((await flows(state))[0]).toMatchObject({ id: flow.id, status: 'rolled-back' });
  });

  it('killed during a step: resume checks the step on the host first and does not run it twice', async () => {
    const state = stateDir();
    const domain = await domainWithChildren();
    const { flow } = await killedRename(state, domain, { VIRTSNAP_TEST_KILL_DURING_STEP: 'forget-old' });
    expect(flow.done).toEqual(['redefine-new', 'repoint-child:e2', 'repoint-child:e3']);
    expect(flow.inDoubt).toBe('forget-old');

    // the kill came as the step began; make it as if its command had gone through before the
    // process died. Run again, `snapshot-delete e1 --metadata` would now fail: e1 is gone.
    expect((await lab.virsh('snapshot-delete', domain, 'e1', '--metadata')).exitCode).toBe(0);

    const resumed = await virtsnap(state, ['resume', flow.id, '--yes', '--json', '--command-log']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const events = resumed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; step?: string; event?: string; detail?: string | null })
      .filter((l) => l.type === 'step');
    expect(events.filter((e) => e.step === 'forget-old')).toEqual([
      expect.objectContaining({ event: 'done', detail: 'found already done on the host when resuming' }),
    ]);
    expect(events.filter((e) => e.event !== 'note').map((e) => `${e.step}:${e.event}`)).toEqual(['forget-old:done', 'verify:started', 'verify:done']);
    expect(resumed.stderr).not.toMatch(/snapshot-delete/);
    expect(await parentsOf(domain)).toEqual({ first: '', e2: 'first', e3: 'first' });
    expect((await flows(state))[0]).toMatchObject({ status: 'done' });
  });

  it('killed during a step whose effect is not there: --rollback leaves it alone, resume runs it', async () => {
    const state = stateDir();
    const domain = await domainWithChildren();
    const { flow } = await killedRename(state, domain, { VIRTSNAP_TEST_KILL_DURING_STEP: 'repoint-child:e2' });
    expect(flow.done).toEqual(['redefine-new']);
    expect(flow.inDoubt).toBe('repoint-child:e2');
    expect(await parentsOf(domain)).toEqual({ e1: '', first: '', e2: 'e1', e3: 'e1' });

    const back = await virtsnap(state, ['resume', flow.id, '--rollback', '--yes', '--json']);
    expect(back.exitCode, back.stderr).toBe(0);
    const undone = back.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step?: string; event?: string })
      .filter((l) => l.event === 'undo-done')
      .map((l) => l.step);
    // checked on the host first: e2 still hangs under e1, so there is nothing of it to undo
    expect(undone).toEqual(['redefine-new']);
    expect(await parentsOf(domain)).toEqual({ e1: '', e2: 'e1', e3: 'e1' });
    expect(await currentOf(domain)).toBe('e3');

    // the same kill on a fresh guest, continued this time: the step in doubt is run
    const state2 = stateDir();
    const domain2 = await domainWithChildren();
    const second = await killedRename(state2, domain2, { VIRTSNAP_TEST_KILL_DURING_STEP: 'repoint-child:e2' });
    const resumed = await virtsnap(state2, ['resume', second.flow.id, '--yes', '--json']);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const events = resumed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; step?: string; event?: string })
      .filter((l) => l.type === 'step')
      .map((e) => `${e.step}:${e.event}`);
    expect(events.slice(0, 2)).toEqual(['repoint-child:e2:started', 'repoint-child:e2:done']);
    expect(await parentsOf(domain2)).toEqual({ first: '', e2: 'first', e3: 'first' });
  });
});
