// Running a flow plan through the step machine with the durable journal, and picking up a flow
// the journal records as unfinished: continue it, roll it back, or mark it resolved.
//
// A flow that fails before any step changed the host is closed in the journal as failed (there
// is nothing to continue or undo). One that fails or stops after a change is left open: it is
// reported as unfinished until it is resumed, rolled back or marked resolved.

import type { Host } from '../host.js';
import type { FlowPlan } from './flow-plan.js';
import { Journal, newFlowId, type FlowRecord } from './journal.js';
import { lockDomain } from './domain-lock.js';
import type { FlowResult, JournalEntry } from './step-machine.js';
import { leftHostUnchanged } from './host-unchanged.js';

export interface FlowRunOutcome extends FlowResult {
  flowId: string;
  /** True when the flow stopped with the host changed part-way: the journal reports it until resolved. */
  unfinished: boolean;
}

export interface RunFlowOptions {
  journal: Journal;
  /** Where the per-domain lock files live (default: $XDG_RUNTIME_DIR/virtsnap/locks). */
  lockDir?: string;
  signal?: AbortSignal;
  /** Every journal entry as it is written (the CLI's --json step events, the TUI's dialog). */
  onEntry?: (entry: JournalEntry) => void;
}

/**
 * For the tests of interrupted flows only: VIRTSNAP_TEST_KILL_AFTER_STEP=ID (or a 1-based step
 * number) kills this process with SIGKILL right after that step is journaled as done,
 * VIRTSNAP_TEST_KILL_DURING_STEP=ID right after it is journaled as started, and in a rollback
 * VIRTSNAP_TEST_KILL_DURING_UNDO=ID / VIRTSNAP_TEST_KILL_AFTER_UNDO=ID right after its undo is
 * journaled as started / done.
 */
function testKillHook<C>(plan: FlowPlan<C>): ((entry: JournalEntry) => void) | null {
  const after = process.env.VIRTSNAP_TEST_KILL_AFTER_STEP;
  const during = process.env.VIRTSNAP_TEST_KILL_DURING_STEP;
  const duringUndo = process.env.VIRTSNAP_TEST_KILL_DURING_UNDO;
  const afterUndo = process.env.VIRTSNAP_TEST_KILL_AFTER_UNDO;
  if (!after && !during && !duringUndo && !afterUndo) return null;
  const ids = plan.machine.plan().map((s) => s.id);
  const resolve = (v: string | undefined) => (v === undefined || v === '' ? undefined : /^\d+$/.test(v) ? ids[Number(v) - 1] : v);
  const kills: Partial<Record<JournalEntry['event'], string | undefined>> = {
    done: resolve(after),
    started: resolve(during),
    'undo-started': resolve(duringUndo),
    'undo-done': resolve(afterUndo),
  };
  return (entry) => {
    if (entry.step !== null && kills[entry.event] === entry.step) process.kill(process.pid, 'SIGKILL');
  };
}

function attach<C>(plan: FlowPlan<C>, id: string, options: RunFlowOptions): void {
  const kill = testKillHook(plan);
  plan.machine.addJournalSink((entry) => {
    options.journal.step(id, entry);
    options.onEntry?.(entry);
    kill?.(entry);
  });
}

function close<C>(plan: FlowPlan<C>, id: string, journal: Journal, result: FlowResult, mutatedBefore: boolean): boolean {
  if (result.status === 'done') {
    journal.end(id, 'done');
    return false;
  }
  const changed = mutatedBefore || result.steps.some((s) => s.status === 'done' && s.mutates);
  // A failing step may itself have changed the host before it failed: it stays in doubt.
  const failedMutating = result.failedStep?.mutates ?? false;
  if ((!changed && !failedMutating) || leftHostUnchanged(result.error)) {
    const message = result.error instanceof Error ? result.error.message : result.error ? String(result.error) : null;
    journal.end(id, result.status === 'stopped' ? 'stopped' : 'failed', message);
    return false;
  }
  return true;
}

/** The domain's lock for the length of a flow: a second virtsnap on the same domain is refused. */
async function locked<C, T>(plan: FlowPlan<C>, options: RunFlowOptions, body: () => Promise<T>): Promise<T> {
  const lock = lockDomain({ uri: plan.uri, domain: plan.domain, flow: plan.kind, title: plan.title }, options.lockDir);
  try {
    return await body();
  } finally {
    lock.release();
  }
}

/** Runs a plan from its first step, journaled. Refused plans throw before anything is written. */
export async function runFlow<C>(plan: FlowPlan<C>, options: RunFlowOptions): Promise<FlowRunOutcome> {
  if (plan.refusal) throw new Error(plan.refusal);
  return locked(plan, options, async () => {
    const id = newFlowId();
    options.journal.begin({ id, uri: plan.uri, domain: plan.domain, kind: plan.kind, title: plan.title, params: plan.params, steps: plan.machine.plan() });
    attach(plan, id, options);
    const result = await plan.machine.run(plan.context, { signal: options.signal });
    const unfinished = close(plan, id, options.journal, result, false);
    if (result.status === 'done') await plan.afterDone?.();
    return { ...result, flowId: id, unfinished };
  });
}

/** Continues an unfinished flow: done steps are skipped, the one in doubt is checked on the host first. */
export async function continueFlow<C>(plan: FlowPlan<C>, record: FlowRecord, options: RunFlowOptions): Promise<FlowRunOutcome> {
  assertSameSteps(plan, record);
  return locked(plan, options, async () => {
    attach(plan, record.id, options);
    const result = await plan.machine.run(plan.context, { signal: options.signal, done: new Set(record.done), inDoubt: record.inDoubt });
    const unfinished = close(plan, record.id, options.journal, result, record.done.length > 0);
    if (result.status === 'done') await plan.afterDone?.();
    return { ...result, flowId: record.id, unfinished };
  });
}

/**
 * Rolls an unfinished flow back: the undos of its done steps, newest first. A step in doubt is
 * first checked on the host: undone when its effect is there (or cannot be told), left alone
 * when it is not.
 */
export async function rollbackFlow<C>(plan: FlowPlan<C>, record: FlowRecord, options: RunFlowOptions): Promise<FlowRunOutcome> {
  assertSameSteps(plan, record);
  return locked(plan, options, async () => {
    const done = new Set(record.done);
    if (record.inDoubt && (await plan.machine.effectPresent(plan.context, record.inDoubt)) !== false) done.add(record.inDoubt);
    attach(plan, record.id, options);
    const result = await plan.machine.rollback(plan.context, done);
    if (result.status === 'rolled-back') options.journal.end(record.id, 'rolled-back');
    return { ...result, flowId: record.id, unfinished: result.status !== 'rolled-back' };
  });
}

/** The operator says the host is as it should be: the flow stops being reported. */
export function markResolved(journal: Journal, record: FlowRecord, detail = 'marked resolved by the operator'): void {
  journal.end(record.id, 'resolved', detail);
}

function assertSameSteps<C>(plan: FlowPlan<C>, record: FlowRecord): void {
  const now = plan.machine.plan().map((s) => s.id).join('\n');
  const then = record.begin.steps.map((s) => s.id).join('\n');
  if (now !== then) throw new Error(`flow ${record.id}: the rebuilt plan has other steps than the journal records; resolve it by hand`);
}

export type { Host };
