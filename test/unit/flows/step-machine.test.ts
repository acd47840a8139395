import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../../src/engine/flows/journal.js';
import { continueFlow, rollbackFlow, runFlow } from '../../../src/engine/flows/flow-run.js';
import { HostUnchangedError, leftHostUnchanged } from '../../../src/engine/flows/host-unchanged.js';
import type { FlowPlan } from '../../../src/engine/flows/flow-plan.js';
import {
  formatPlannedCommand,
  plannedVirsh,
  StepMachine,
  type FlowSnapshot,
  type StepDefinition,
} from '../../../src/engine/flows/step-machine.js';
import { virshCommands } from '../../../src/engine/virsh/commands.js';

interface Ctx {
  ran: string[];
  failAt?: string;
  skip?: Set<string>;
}

function step(id: string, extra: Partial<StepDefinition<Ctx>> = {}): StepDefinition<Ctx> {
  return {
    id,
    title: `do ${id}`,
    leavesState: `after ${id}`,
    skipIf: (ctx) => (ctx.skip?.has(id) ? `no need for ${id}` : null),
    run: async (ctx, journal) => {
      if (ctx.failAt === id) throw new Error(`${id} broke`);
      ctx.ran.push(id);
      journal.note(`${id} ran`);
    },
    ...extra,
  };
}

describe('StepMachine', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('shows its plan, with commands, before anything runs', () => {
    const cmd = virshCommands.deleteSnapshot('my vm', 'old', { metadata: true });
    const machine = new StepMachine<Ctx>('demo', [step('a', { commands: [plannedVirsh(cmd)] }), step('b')]);
    const plan = machine.plan();
    expect(plan.map((s) => [s.id, s.status])).toEqual([
      ['a', 'pending'],
      ['b', 'pending'],
    ]);
    expect(plan[0]!.commands).toEqual([{ program: 'virsh', args: ['snapshot-delete', '--domain=my vm', '--snapshotname=old', '--metadata'], mutates: true }]);
    expect(formatPlannedCommand(plan[0]!.commands[0]!)).toBe("virsh snapshot-delete '--domain=my vm' --snapshotname=old --metadata");
    expect(machine.snapshot().status).toBe('planned');
  });

  it('runs steps in order, journals each, and reports done', async () => {
    const machine = new StepMachine<Ctx>('demo', [step('a'), step('b'), step('c')]);
    const ctx: Ctx = { ran: [] };
    const result = await machine.run(ctx);
    expect(ctx.ran).toEqual(['a', 'b', 'c']);
    expect(result.status).toBe('done');
    expect(result.steps.map((s) => s.status)).toEqual(['done', 'done', 'done']);
    expect(result.failedStep).toBeNull();
    expect(result.leftState).toBeNull();
    expect(result.journal.map((e) => `${e.step}:${e.event}`)).toEqual([
      'a:started', 'a:note', 'a:done', 'b:started', 'b:note', 'b:done', 'c:started', 'c:note', 'c:done',
    ]);
    expect(result.journal[1]!.detail).toBe('a ran');
    await expect(machine.run(ctx)).rejects.toThrow(/already run/);
  });

  it('stops at the first failure and says what state the completed steps left', async () => {
    const machine = new StepMachine<Ctx>('demo', [step('a'), step('b'), step('c')]);
    const ctx: Ctx = { ran: [], failAt: 'b' };
    const result = await machine.run(ctx);
    expect(ctx.ran).toEqual(['a']);
    expect(result.status).toBe('failed');
    expect(result.steps.map((s) => s.status)).toEqual(['done', 'failed', 'pending']);
    expect(result.failedStep).toMatchObject({ id: 'b', message: 'b broke' });
    expect((result.error as Error).message).toBe('b broke');
    expect(result.leftState).toBe('after a');
  });

  it('a failure in the first step leaves nothing changed (no left state)', async () => {
    const result = await new StepMachine<Ctx>('demo', [step('a'), step('b')]).run({ ran: [], failAt: 'a' });
    expect(result.leftState).toBeNull();
    expect(result.steps.map((s) => s.status)).toEqual(['failed', 'pending']);
  });

  it('skips steps whose skipIf gives a reason, and records the reason', async () => {
    const ctx: Ctx = { ran: [], skip: new Set(['b']) };
    const result = await new StepMachine<Ctx>('demo', [step('a'), step('b'), step('c')]).run(ctx);
    expect(ctx.ran).toEqual(['a', 'c']);
    expect(result.steps[1]).toMatchObject({ status: 'skipped', message: 'no need for b' });
    expect(result.journal.find((e) => e.step === 'b')).toMatchObject({ event: 'skipped', detail: 'no need for b' });
  });

  it('stops between steps when aborted', async () => {
    const controller = new AbortController();
    const machine = new StepMachine<Ctx>('demo', [
      step('a', { run: async (ctx) => { ctx.ran.push('a'); controller.abort(new Error('operator stop')); } }),
      step('b'),
    ]);
    const ctx: Ctx = { ran: [] };
    const result = await machine.run(ctx, { signal: controller.signal });
    expect(ctx.ran).toEqual(['a']);
    expect(result.status).toBe('stopped');
    expect(result.steps.map((s) => s.status)).toEqual(['done', 'pending']);
    expect(result.leftState).toBe('after a');
    expect(result.journal.at(-1)).toMatchObject({ event: 'stopped', detail: 'stopped before b' });
  });

  it('publishes every change to subscribers, running status included', async () => {
    const seen: FlowSnapshot[] = [];
    const machine = new StepMachine<Ctx>('demo', [step('a')]);
    const unsubscribe = machine.subscribe((s) => seen.push(s));
    await machine.run({ ran: [] });
    unsubscribe();
    expect(seen.some((s) => s.status === 'running' && s.steps[0]!.status === 'running')).toBe(true);
    expect(seen.at(-1)!.status).toBe('done');
  });

  function tempJournal(rotateBytes?: number): Journal {
    const dir = mkdtempSync(join(tmpdir(), 'vs-journal-'));
    dirs.push(dir);
    return new Journal(dir, rotateBytes);
  }

  function flowPlan(ctx: Ctx, steps: StepDefinition<Ctx>[]): FlowPlan<Ctx> {
    return {
      kind: 'demo',
      title: 'a demo flow',
      uri: 'test:///demo',
      domain: 'dom',
      params: { n: 1 },
      machine: new StepMachine<Ctx>('demo', steps),
      context: ctx,
      consequences: [],
      downtime: 'none',
      warnings: [],
      confirmation: { kind: 'choice' },
      refusal: null,
      filesLeft: [],
    };
  }

  const mutating = (id: string, extra: Partial<StepDefinition<Ctx>> = {}) =>
    step(id, { commands: [plannedVirsh(virshCommands.startDomain('dom'))], ...extra });

  it('journals a flow durably: begin with its params and steps, every event, and its end', async () => {
    const journal = tempJournal();
    const outcome = await runFlow(flowPlan({ ran: [] }, [mutating('a'), step('b')]), { journal });
    expect(outcome.status).toBe('done');
    const raw = readFileSync(journal.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(raw[0]).toMatchObject({ event: 'begin', kind: 'demo', uri: 'test:///demo', domain: 'dom', params: { n: 1 } });
    expect((raw[0]!.steps as { id: string }[]).map((s) => s.id)).toEqual(['a', 'b']);
    expect(raw.slice(1).map((l) => `${String(l.step ?? '')}:${String(l.event)}`)).toEqual(['a:started', 'a:note', 'a:done', 'b:started', 'b:note', 'b:done', ':end']);
    expect(raw[1]).toMatchObject({ argv: [['virsh', 'start', '--domain=dom']] });
    expect(journal.unfinished()).toEqual([]);
  });

  it('a flow that fails after changing the host stays unfinished, with what is done and what remains', async () => {
    const journal = tempJournal();
    const outcome = await runFlow(flowPlan({ ran: [], failAt: 'b' }, [mutating('a'), mutating('b'), step('c')]), { journal });
    expect(outcome.unfinished).toBe(true);
    const [flow] = journal.unfinished('test:///demo');
    expect(flow!.done).toEqual(['a']);
    expect(flow!.remaining).toEqual(['b', 'c']);
    expect(flow!.failed).toEqual({ step: 'b', message: 'b broke' });
    expect(journal.unfinished('qemu:///system')).toEqual([]);
  });

  it('a flow that fails before any change is closed as failed, not left unfinished', async () => {
    const journal = tempJournal();
    const outcome = await runFlow(flowPlan({ ran: [], failAt: 'a' }, [step('a'), mutating('b')]), { journal });
    expect(outcome.unfinished).toBe(false);
    expect(journal.unfinished()).toEqual([]);
    expect(journal.flows()[0]!.end).toMatchObject({ status: 'failed', detail: 'a broke' });
  });

  it('a mutating step that fails saying the host is unchanged closes the flow as failed', async () => {
    const journal = tempJournal();
    const refusing = mutating('b', {
      run: async () => {
        throw new HostUnchangedError('b refused before changing anything');
      },
    });
    const outcome = await runFlow(flowPlan({ ran: [] }, [mutating('a'), refusing]), { journal });
    // a was done and changed the host; b says the host is as before the flow: nothing in doubt
    expect(outcome.unfinished).toBe(false);
    expect(journal.unfinished()).toEqual([]);
    expect(journal.flows()[0]!.end).toMatchObject({ status: 'failed', detail: 'b refused before changing anything' });
    // a plain error from the same step leaves the flow to resume
    const plain = await runFlow(flowPlan({ ran: [], failAt: 'b' }, [mutating('a'), mutating('b')]), { journal });
    expect(plain.unfinished).toBe(true);
    expect(leftHostUnchanged(new HostUnchangedError('x'))).toBe(true);
    expect(leftHostUnchanged(Object.assign(new Error('x'), { hostUnchanged: 'yes' }))).toBe(false);
    expect(leftHostUnchanged({ hostUnchanged: true })).toBe(false);
  });

  it('continues an unfinished flow without running done steps again, and checks the step in doubt first', async () => {
    const journal = tempJournal();
    await runFlow(flowPlan({ ran: [], failAt: 'b' }, [mutating('a'), mutating('b'), mutating('c')]), { journal });
    const [record] = journal.unfinished();
    // pretend b did take effect before the process died: started, no end
    journal.step(record!.id, { at: new Date().toISOString(), flow: 'demo', step: 'c', event: 'started', detail: null });
    const again = journal.find(record!.id)!;
    expect(again.inDoubt).toBe('c');
    const ctx: Ctx = { ran: [] };
    const outcome = await continueFlow(
      flowPlan(ctx, [mutating('a'), mutating('b'), mutating('c', { check: async () => null })]),
      again,
      { journal },
    );
    expect(outcome.status).toBe('done');
    expect(ctx.ran).toEqual(['b']);
    expect(journal.unfinished()).toEqual([]);
    expect(journal.find(record!.id)!.end?.status).toBe('done');
  });

  it('rolls back the done steps newest first through their undos, and stops at a step without one', async () => {
    const journal = tempJournal();
    await runFlow(flowPlan({ ran: [], failAt: 'c' }, [mutating('a'), mutating('b'), mutating('c')]), { journal });
    const undone: string[] = [];
    const undo = (id: string) => ({ title: `undo ${id}`, run: async () => void undone.push(id) });
    const record = journal.unfinished()[0]!;
    const outcome = await rollbackFlow(
      flowPlan({ ran: [] }, [mutating('a', { undo: undo('a') }), mutating('b', { undo: undo('b') }), mutating('c')]),
      record,
      { journal },
    );
    expect(outcome.status).toBe('rolled-back');
    expect(undone).toEqual(['b', 'a']);
    expect(journal.find(record.id)!.end?.status).toBe('rolled-back');

    await runFlow(flowPlan({ ran: [], failAt: 'c' }, [mutating('a'), mutating('b'), mutating('c')]), { journal });
    const second = journal.unfinished()[0]!;
    const stuck = await rollbackFlow(flowPlan({ ran: [] }, [mutating('a', { undo: undo('a') }), mutating('b'), mutating('c')]), second, { journal });
    expect(stuck.status).toBe('failed');
    expect(String((stuck.error as Error).message)).toMatch(/cannot be undone/);
    expect(journal.unfinished().map((f) => f.id)).toEqual([second.id]);
  });

  it('an undo cut short leaves its step in doubt: the host decides whether rolling back undoes it again, and whether continuing runs it again', async () => {
    // a, b done and c failed; then a rollback began b's undo and the process died there
    const interrupted = async () => {
      const journal = tempJournal();
      await runFlow(flowPlan({ ran: [], failAt: 'c' }, [mutating('a'), mutating('b'), mutating('c')]), { journal });
      const id = journal.unfinished()[0]!.id;
      journal.step(id, { at: new Date().toISOString(), step: 'b', event: 'undo-started', detail: 'undo b', argv: [] });
      const record = journal.unfinished()[0]!;
      expect(record.done).toEqual(['a']);
      expect(record.inDoubt).toBe('b');
      return { journal, record };
    };
    const undone: string[] = [];
    const undo = (id: string) => ({ title: `undo ${id}`, run: async () => void undone.push(id) });
    // b's effect found on the host (the undo had not got far): rolled back again, then a
    const plan = (bThere: boolean, ctx: Ctx = { ran: [] }) =>
      flowPlan(ctx, [
        mutating('a', { undo: undo('a') }),
        mutating('b', { undo: undo('b'), check: async (c) => (bThere || c.ran.includes('b') ? null : 'b is not there') }),
        mutating('c'),
      ]);
    let { journal, record } = await interrupted();
    expect((await rollbackFlow(plan(true), record, { journal })).status).toBe('rolled-back');
    expect(undone).toEqual(['b', 'a']);
    // b's effect gone (its undo had finished): not undone twice
    undone.length = 0;
    ({ journal, record } = await interrupted());
    expect((await rollbackFlow(plan(false), record, { journal })).status).toBe('rolled-back');
    expect(undone).toEqual(['a']);
    // continuing instead: b runs again when its effect is gone, and is kept when it is there
    ({ journal, record } = await interrupted());
    const gone: Ctx = { ran: [] };
    const cont = await continueFlow(plan(false, gone), record, { journal });
    expect(cont.error ?? null, String(cont.error)).toBeNull();
    expect(cont.status).toBe('done');
    expect(gone.ran).toEqual(['b', 'c']);
    ({ journal, record } = await interrupted());
    const there: Ctx = { ran: [] };
    expect((await continueFlow(plan(true, there), record, { journal })).status).toBe('done');
    expect(there.ran).toEqual(['c']);
  });

  it('rotates at its size limit and carries unfinished flows over', async () => {
    const journal = tempJournal(2000);
    await runFlow(flowPlan({ ran: [], failAt: 'b' }, [mutating('a'), mutating('b')]), { journal });
    const open = journal.unfinished()[0]!.id;
    for (let i = 0; i < 12; i++) await runFlow(flowPlan({ ran: [] }, [mutating('a')]), { journal });
    expect(readFileSync(join(journal.dir, 'journal.1.jsonl'), 'utf8').length).toBeGreaterThan(0);
    expect(journal.unfinished().map((f) => f.id)).toEqual([open]);
    expect(readFileSync(journal.path, 'utf8')).toContain(open);
  });

  it('skips a torn last line instead of failing to read the journal', async () => {
    const journal = tempJournal();
    await runFlow(flowPlan({ ran: [], failAt: 'b' }, [mutating('a'), mutating('b')]), { journal });
    const { appendFileSync } = await import('node:fs');
    appendFileSync(journal.path, '{"v":1,"id":"x","ev');
    expect(journal.unfinished()).toHaveLength(1);
  });

  it('refuses two steps with the same id', () => {
    expect(() => new StepMachine<Ctx>('demo', [step('a'), step('a')])).toThrow(/two steps are named a/);
  });
});
