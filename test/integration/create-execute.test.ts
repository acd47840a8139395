// Running plans: the cleanup rule on its own, and executePlan on the test driver.

import { describe, expect, it } from 'vitest';
import { openHost } from '../../src/engine/connect.js';
import { readPlannerDomain, systemPlannerEnvironment } from '../../src/engine/create/domain-facts.js';
import { CreateFailedError, executePlan, PlanNotRunnableError, sortOutFiles } from '../../src/engine/create/execute.js';
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
      expect(host.runner.log.since(mark)[0]!.args).toEqual(plan.commands[0]);
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
