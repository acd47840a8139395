// Running plans: the cleanup rule on its own, and executePlan on the test driver.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { continueFlow } from '../../src/engine/flows/flow-run.js';
import { rebuildFlow } from '../../src/engine/flows/flow-kinds.js';
import { Journal, newFlowId } from '../../src/engine/flows/journal.js';
import { openHost } from '../../src/engine/connect.js';
import { readPlannerDomain, systemPlannerEnvironment } from '../../src/engine/create/domain-facts.js';
import { CreateFailedError, PlanNotRunnableError, sortOutFiles } from '../../src/engine/create/execute.js';
import { createParams, createPlan, executePlan } from '../../src/engine/create/create-flow.js';
import { planSnapshot } from '../../src/engine/create/planner.js';
import type { PlannedFile } from '../../src/engine/create/types.js';

describe('sortOutFiles', () => {
  const files: PlannedFile[] = [
    { path: '/img/new-unused.qcow2', role: 'overlay', disk: 'vda', exists: false },
    { path: '/img/new-in-use.qcow2', role: 'overlay', disk: 'vdb', exists: false },
    { path: '/img/was-there.qcow2', role: 'overlay', disk: 'vdc', exists: true },
    { path: '/img/never-made.qcow2', role: 'overlay', disk: 'vdd', exists: false },
    { path: '/img/new.mem', role: 'memory', exists: false },
    { path: '/img/recorded.mem', role: 'memory', exists: false },
  ];
  const existsNow = new Set(['/img/new-unused.qcow2', '/img/new-in-use.qcow2', '/img/was-there.qcow2', '/img/new.mem', '/img/recorded.mem']);

  it('removes only what the run created and libvirt does not use; never what existed before', () => {
    const { remove, keep } = sortOutFiles(
      files,
      new Set(['/img/was-there.qcow2']),
      (p) => existsNow.has(p),
      new Set(['/img/new-in-use.qcow2', '/img/recorded.mem', '/img/was-there.qcow2']),
    );
    expect(remove.map((f) => f.path)).toEqual(['/img/new-unused.qcow2', '/img/new.mem']);
    expect(keep).toEqual([
      { path: '/img/new-in-use.qcow2', why: 'the domain now uses it' },
      { path: '/img/recorded.mem', why: 'the snapshot libvirt recorded refers to it' },
    ]);
  });

  it('keeps a file that existed before even when nothing uses it', () => {
    const { remove } = sortOutFiles(files, new Set(['/img/was-there.qcow2']), () => true, new Set());
    expect(remove.map((f) => f.path)).not.toContain('/img/was-there.qcow2');
  });
});

describe('executePlan on the test driver', () => {
  it('refuses a plan whose verdict is not ok, running nothing', async () => {
    const host = openHost({ uri: 'test:///default' });
    try {
      const plan = planSnapshot(await readPlannerDomain(host, 'test'), { name: 's', disks: [], flags: { live: true } }, systemPlannerEnvironment);
      expect(plan.verdict).not.toBe('ok');
      const mark = host.runner.log.lastSeq();
      await expect(executePlan(host, 'test', plan)).rejects.toBeInstanceOf(PlanNotRunnableError);
      expect(host.runner.log.since(mark)).toEqual([]);
    } finally {
      await host.close();
    }
  });

  it('runs the planned command and returns the snapshot libvirt made', async () => {
    const host = openHost({ uri: 'test:///default' });
    try {
      const plan = planSnapshot(await readPlannerDomain(host, 'test'), { name: 'x y', description: 'd', disks: [], flags: {} }, systemPlannerEnvironment);
      const mark = host.runner.log.lastSeq();
      const { snapshot } = await executePlan(host, 'test', plan);
      // a query that the name is free, then the planned command
      expect(host.runner.log.since(mark).filter((c) => c.args[0] !== 'snapshot-list')[0]!.args).toEqual(plan.commands[0]);
      expect(snapshot!.detail).toMatchObject({ name: 'x y', description: 'd', location: 'internal' });
      expect(await host.currentSnapshotName('test')).toBe('x y');
    } finally {
      await host.close();
    }
  });

  it("fails with libvirt's message when libvirt refuses (a name that exists)", async () => {
    const host = openHost({ uri: 'test:///default' });
    try {
      const facts = await readPlannerDomain(host, 'test');
      await executePlan(host, 'test', planSnapshot(facts, { name: 'dup', disks: [], flags: {} }, systemPlannerEnvironment));
      const again = planSnapshot(facts, { name: 'dup', disks: [], flags: {} }, systemPlannerEnvironment);
      const error = await executePlan(host, 'test', again).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CreateFailedError);
      expect((error as CreateFailedError).message).toMatch(/^creating the snapshot failed: .*dup/);
      expect((error as CreateFailedError).failedCommand).toEqual(again.commands[0]);
    } finally {
      await host.close();
    }
  });
});

describe('the create flow is journaled', () => {
  const tempJournal = () => new Journal(mkdtempSync(join(tmpdir(), 'vs-create-journal-')));

  it('writes begin, each step event and end; a refused create closes the flow as failed', async () => {
    const host = openHost({ uri: 'test:///default' });
    try {
      const journal = tempJournal();
      const facts = await readPlannerDomain(host, 'test');
      const plan = planSnapshot(facts, { name: 'journaled', disks: [], flags: {} }, systemPlannerEnvironment);
      await executePlan(host, 'test', plan, { journal });
      const [flow] = journal.flows();
      expect(flow!.begin).toMatchObject({ kind: 'create', domain: 'test', uri: 'test:///default', title: 'Create snapshot “journaled” of test' });
      expect(flow!.begin.steps).toEqual([expect.objectContaining({ id: 'create', argv: [['virsh', ...plan.commands[0]!]] })]);
      expect(flow!.events.map((e) => [e.step, e.event])).toEqual([
        ['create', 'started'],
        ['create', 'done'],
      ]);
      expect(flow!.end).toMatchObject({ status: 'done' });

      // the same name again: refused before libvirt is asked, the host is as it was, nothing left open
      await expect(executePlan(host, 'test', plan, { journal })).rejects.toBeInstanceOf(CreateFailedError);
      const second = journal.flows()[1]!;
      expect(second.events.map((e) => [e.step, e.event])).toEqual([
        ['create', 'started'],
        ['create', 'failed'],
      ]);
      expect(second.end).toMatchObject({ status: 'failed' });
      expect(second.end!.detail).toMatch(/already has a snapshot named “journaled”/);
      expect(journal.unfinished()).toEqual([]);
    } finally {
      await host.close();
    }
  });

  it('a create in doubt after a crash is checked on the host: resumed, it does not create twice', async () => {
    const host = openHost({ uri: 'test:///default' });
    try {
      const journal = tempJournal();
      const facts = await readPlannerDomain(host, 'test');
      const resume = async (name: string, effectTaken: boolean) => {
        const plan = planSnapshot(facts, { name, disks: [], flags: {} }, systemPlannerEnvironment);
        const flow = createPlan(host, createParams(host, facts, plan));
        // what a process killed during the step leaves: begin, the step started, no end
        const id = newFlowId();
        journal.begin({ id, uri: flow.uri, domain: flow.domain, kind: flow.kind, title: flow.title, params: flow.params, steps: flow.machine.plan() });
        journal.step(id, { at: new Date().toISOString(), flow: 'create', step: 'create', event: 'started', detail: null });
        if (effectTaken) await host.run({ args: plan.commands[0]!, mutates: true });
        const record = journal.find(id)!;
        expect(record.inDoubt).toBe('create');
        const mark = host.runner.log.lastSeq();
        const outcome = await continueFlow(await rebuildFlow(host, record), record, { journal });
        expect(outcome.status).toBe('done');
        expect(journal.find(id)!.end).toMatchObject({ status: 'done' });
        return host.runner.log.since(mark).filter((c) => c.args[0] === 'snapshot-create-as').length;
      };
      // the snapshot was made before the crash: found done, not made again
      expect(await resume('made-before-crash', true)).toBe(0);
      // it was not: made now, once
      expect(await resume('not-made-before-crash', false)).toBe(1);
      const names = (await host.listSnapshots('test')).map((s) => s.name);
      expect(names.filter((n) => n === 'made-before-crash')).toHaveLength(1);
      expect(names.filter((n) => n === 'not-made-before-crash')).toHaveLength(1);
    } finally {
      await host.close();
    }
  });
});
