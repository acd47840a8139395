import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fileJournalSink,
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

  it('writes the journal to a file as JSON lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vs-journal-'));
    dirs.push(dir);
    const path = join(dir, 'journal.jsonl');
    const machine = new StepMachine<Ctx>('demo', [step('a'), step('b')]);
    machine.addJournalSink(fileJournalSink(path));
    await machine.run({ ran: [], failAt: 'b' });
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: string; event: string });
    expect(lines.map((l) => `${l.step}:${l.event}`)).toEqual(['a:started', 'a:note', 'a:done', 'b:started', 'b:failed']);
  });

  it('refuses two steps with the same id', () => {
    expect(() => new StepMachine<Ctx>('demo', [step('a'), step('a')])).toThrow(/two steps are named a/);
  });
});
