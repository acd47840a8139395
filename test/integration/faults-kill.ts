// The SIGKILL fault matrix, shared by the faults-kill-*.test.ts files: each flow is planned
// (`--dry-run --json` lists its step ids), then run once per step with the built CLI killed
// (SIGKILL, VIRTSNAP_TEST_KILL_AFTER_STEP) right after that step is journaled done, or
// (VIRTSNAP_TEST_KILL_DURING_STEP) right after it is journaled started, so that resume finds it in
// doubt and must check the host before running it, on a fresh domain with known data, and
// picked up again with `resume --yes` or `resume --rollback --yes`.
// After each: the journal closed as done / rolled-back, the domain consistent (faults.ts), and
// the data regions read back where the flow's meaning says they must be.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import type { Lab } from './lab.js';
import { flushDisk, guestWrite } from './qemu-checks.js';
import {
  addChecks,
  BIN,
  freshState,
  inconsistencies,
  journalFlows,
  planSteps,
  recordFault,
  virtsnap,
  type DataCheck,
  type FaultRecord,
  type Region,
} from './faults.js';

export type PickUp = 'resume' | 'rollback';

export interface KillCase<C> {
  flow: string;
  /** A fresh domain with known data, and what the checks need to know about it. */
  setup(lab: Lab): Promise<C & { domain: string }>;
  /** The CLI arguments of the flow (without --yes, --json, --dry-run). */
  args(lab: Lab, ctx: C & { domain: string }): string[];
  /** The domain states accepted after the pick-up. */
  states?(pickUp: PickUp): string[];
  /** Flow-specific checks after the pick-up: problems, and the data read back. */
  verify(lab: Lab, ctx: C & { domain: string }, pickUp: PickUp): Promise<{ problems: string[]; data: DataCheck }>;
}

/** Writes each region into the running domain's vda through QEMU, and flushes. */
export async function writeRegions(lab: Lab, domain: string, regions: Region[]): Promise<void> {
  for (const r of regions) await guestWrite(lab, domain, r.pattern, `${r.offsetMiB}M`, `${r.lengthMiB}M`);
  await flushDisk(lab, domain);
}

/** A disk-only external snapshot of both disks, with plain virsh. */
export async function virshSnapshot(lab: Lab, domain: string, name: string): Promise<void> {
  const r = await lab.virsh('snapshot-create-as', domain, name, '--disk-only', '--atomic');
  if (r.exitCode !== 0) throw new Error(`snapshot-create-as ${name}: ${r.stderr}`);
}

export async function topOf(lab: Lab, domain: string, disk = 'vda'): Promise<string> {
  const { stdout } = await lab.virsh('domblklist', domain);
  return new RegExp(`^\\s*${disk}\\s+(\\S.*)$`, 'm').exec(stdout)?.[1]?.trim() ?? '';
}

/** Destroys and forgets a domain the matrix is done with, so that the lab stays light. */
export async function discard(lab: Lab, domain: string): Promise<void> {
  await lab.virsh('destroy', domain);
  await lab.virsh('undefine', domain, '--snapshots-metadata', '--checkpoints-metadata');
}

/** Files in the lab's img dir whose names contain `part`. */
export function imgFiles(lab: Lab, part: string): string[] {
  return readdirSync(join(lab.dir, 'img')).filter((f) => f.includes(part));
}

/**
 * Runs `kase` killed after each of its steps and picked up with `pickUp`. Returns the records;
 * the caller asserts that all are consistent and lost nothing (one failing step does not hide
 * the others).
 */
export async function killMatrix<C>(lab: Lab, kase: KillCase<C>, pickUp: PickUp, when: 'after' | 'during' = 'after'): Promise<FaultRecord[]> {
  const records: FaultRecord[] = [];
  let steps: string[] | null = null;
  for (let i = 0; steps === null || i < steps.length; i++) {
    const ctx = await kase.setup(lab);
    const args = kase.args(lab, ctx);
    if (steps === null) steps = await planSteps(freshState(), args);
    const step = steps[i]!;
    const state = freshState();
    const started = Date.now();
    const problems: string[] = [];
    let data: DataCheck = { bytesVerified: 0, bytesLost: 0, problems: [] };
    let outcome: FaultRecord['outcome'] = 'failed';
    const hook: Record<string, string> = when === 'after' ? { VIRTSNAP_TEST_KILL_AFTER_STEP: step } : { VIRTSNAP_TEST_KILL_DURING_STEP: step };
    const run = await virtsnap(state, [...args, '--yes', '--json'], hook);
    if (run.signal !== 'SIGKILL') {
      // a step that is skipped on this domain (a freeze without an agent) is never journaled done
      const skipped = run.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .some((l) => {
          const e = JSON.parse(l) as { step?: string; event?: string };
          return e.step === step && e.event === 'skipped';
        });
      if (!skipped) problems.push(`not killed ${when} ${step}: exit ${String(run.exitCode)}: ${run.stderr.trim().split('\n').slice(0, 12).join(' / ')}`);
      await discard(lab, ctx.domain);
      if (skipped) continue;
      records.push(recordFault({ fault: 'sigkill', flow: kase.flow, step: `${when} ${step}`, outcome, consistent: false, bytesVerified: 0, bytesLost: 0, problems }));
      continue;
    }
    const [flow] = await journalFlows(state);
    if (flow?.status !== 'unfinished') problems.push(`the journal says ${flow?.status ?? 'nothing'} after the kill, not unfinished`);
    else if (when === 'after' && !flow.done.includes(step)) problems.push(`the journal does not list ${step} as done: done ${flow.done.join(', ')}`);
    else if (when === 'during' && flow.inDoubt !== step) problems.push(`the journal does not list ${step} in doubt: ${flow.inDoubt ?? 'none'}`);
    let rollbackRefused: string | undefined;
    if (flow) {
      let resume = await virtsnap(state, ['resume', flow.id, ...(pickUp === 'rollback' ? ['--rollback'] : []), '--yes']);
      let want = pickUp === 'rollback' ? 'rolled-back' : 'done';
      const undoImpossible = /cannot be undone/.exec(resume.stderr);
      if (pickUp === 'rollback' && resume.exitCode !== 0 && undoImpossible) {
        // A step with no undo (a pivot, forgotten metadata) stops the rollback before it changes
        // anything: the journal must still say unfinished, and going forward must finish it.
        rollbackRefused = resume.stderr.trim().split('\n')[0] ?? '';
        const still = (await journalFlows(state)).find((f) => f.id === flow.id);
        if (still?.status !== 'unfinished') problems.push(`after the refused rollback the journal says ${still?.status ?? 'nothing'}, not unfinished`);
        resume = await virtsnap(state, ['resume', flow.id, '--yes']);
        want = 'done';
      }
      if (resume.exitCode !== 0) problems.push(`resume${pickUp === 'rollback' ? ' --rollback' : ''} exited ${String(resume.exitCode)}: ${resume.stderr.trim() || resume.stdout.trim().split('\n').slice(-3).join(' / ')}`);
      const after = (await journalFlows(state)).find((f) => f.id === flow.id);
      if (after?.status !== want) problems.push(`the journal says ${after?.status ?? 'nothing'}, not ${want}`);
      else outcome = want === 'rolled-back' ? 'rolled-back' : 'resumed';
    }
    // QEMU keeps image metadata in its cache until a flush: flush before reading the files from outside
    if ((await lab.virsh('domstate', ctx.domain)).stdout.trim() === 'running') await flushDisk(lab, ctx.domain);
    // a rollback refused at a step with no undo was resumed instead: judge it as resumed
    const judged: PickUp = rollbackRefused ? 'resume' : pickUp;
    const inconsistent = await inconsistencies(lab, ctx.domain, { states: kase.states?.(judged) });
    const verdict = await kase.verify(lab, ctx, judged);
    data = addChecks(verdict.data);
    problems.push(...inconsistent, ...verdict.problems, ...data.problems);
    records.push(
      recordFault({
        fault: 'sigkill',
        flow: kase.flow,
        step: `${when} ${step}`,
        outcome,
        ...(rollbackRefused ? { rollbackRefused } : {}),
        consistent: inconsistent.length === 0 && verdict.problems.length === 0,
        bytesVerified: data.bytesVerified,
        bytesLost: data.bytesLost,
        problems,
        ms: Date.now() - started,
      }),
    );
    await discard(lab, ctx.domain);
  }
  return records;
}

/**
 * SIGKILL at moments spread over the flow's run instead of at journal events, so that some land
 * inside a step (a virsh command sent, its answer not yet journaled): the flow is run once
 * unkilled on a fresh domain to time its steps, then `points` times killed i/(points+1) of that
 * time after its first step event, each picked up with resume (when the journal has it unfinished) and checked as above.
 */
export async function timedKills<C>(lab: Lab, kase: KillCase<C>, points: number): Promise<FaultRecord[]> {
  const records: FaultRecord[] = [];
  const first = await kase.setup(lab);
  const whole = await virtsnap(freshState(), [...kase.args(lab, first), '--yes', '--json']);
  if (whole.exitCode !== 0) throw new Error(`${kase.flow} fails unkilled: ${whole.stderr}`);
  // the steps' span, from the first step event to the last (the process's start-up is not the flow)
  const stamps = whole.stdout
    .split('\n')
    .filter((l) => l.startsWith('{"type":"step"'))
    .map((l) => Date.parse((JSON.parse(l) as { at: string }).at));
  const total = Math.max(1, (stamps.at(-1) ?? 0) - (stamps[0] ?? 0));
  await discard(lab, first.domain);
  for (let i = 1; i <= points; i++) {
    const ctx = await kase.setup(lab);
    const state = freshState();
    const delay = Math.round((total * i) / (points + 1));
    const started = Date.now();
    const child = execa('node', [BIN, ...kase.args(lab, ctx), '--yes', '--json'], {
      reject: false,
      stdin: 'ignore',
      env: { XDG_STATE_HOME: state, XDG_RUNTIME_DIR: join(state, 'run'), NO_COLOR: '1' },
      timeout: 120_000,
    });
    let timer: NodeJS.Timeout | undefined;
    // the clock starts at the first step event
    child.stdout?.on('data', (chunk: Buffer) => {
      if (timer === undefined && chunk.toString().includes('{"type":"step"')) timer = setTimeout(() => child.kill('SIGKILL'), delay);
    });
    const run = await child;
    clearTimeout(timer);
    const problems: string[] = [];
    let outcome: FaultRecord['outcome'] = 'failed';
    const [flow] = await journalFlows(state);
    let killedAt = 'before the journal';
    if (run.signal === 'SIGKILL' && flow?.status === 'unfinished') {
      killedAt = flow.inDoubt ? `in ${flow.inDoubt}` : `after ${flow.done.at(-1) ?? 'nothing'}`;
      const resume = await virtsnap(state, ['resume', flow.id, '--yes']);
      if (resume.exitCode !== 0) problems.push(`resume exited ${String(resume.exitCode)}: ${resume.stderr.trim()}`);
      const after = (await journalFlows(state)).find((f) => f.id === flow.id);
      if (after?.status !== 'done') problems.push(`the journal says ${after?.status ?? 'nothing'}, not done`);
      else outcome = 'resumed';
    } else if (run.signal !== 'SIGKILL' || flow?.status === 'done') {
      // it ended before the kill (or was killed after journaling its end): nothing to pick up
      await discard(lab, ctx.domain);
      continue;
    } else if (flow) {
      // killed before any step changed the host: the journal closed it, or it has no step yet
      killedAt = `before any step (${flow.status})`;
      if (flow.status !== 'failed' && flow.status !== 'unfinished') problems.push(`the journal says ${flow.status}`);
      const again = await virtsnap(state, [...kase.args(lab, ctx), '--yes']);
      if (again.exitCode !== 0) problems.push(`running it again: exit ${String(again.exitCode)}: ${again.stderr.trim()}`);
      else outcome = 'resumed';
    } else {
      const again = await virtsnap(state, [...kase.args(lab, ctx), '--yes']);
      if (again.exitCode !== 0) problems.push(`running it again: exit ${String(again.exitCode)}: ${again.stderr.trim()}`);
      else outcome = 'resumed';
    }
    if ((await lab.virsh('domstate', ctx.domain)).stdout.trim() === 'running') await flushDisk(lab, ctx.domain);
    const inconsistent = await inconsistencies(lab, ctx.domain, { states: kase.states?.('resume') });
    const verdict = await kase.verify(lab, ctx, 'resume');
    problems.push(...inconsistent, ...verdict.problems, ...verdict.data.problems);
    records.push(
      recordFault({
        fault: 'sigkill',
        flow: kase.flow,
        step: `${delay} ms into ${total} ms of steps (${killedAt})`,
        outcome,
        consistent: inconsistent.length === 0 && verdict.problems.length === 0,
        bytesVerified: verdict.data.bytesVerified,
        bytesLost: verdict.data.bytesLost,
        problems,
        ms: Date.now() - started,
      }),
    );
    await discard(lab, ctx.domain);
  }
  return records;
}

/** Fails with every step's problems at once. */
export function expectClean(records: FaultRecord[]): void {
  expect(records.length).toBeGreaterThan(0);
  const bad = records.filter((r) => r.problems.length > 0 || r.outcome === 'failed' || r.bytesLost > 0);
  expect(bad.map((r) => `${r.flow} killed ${r.step ?? '?'}, ${r.outcome}: ${r.problems.join('; ')}`)).toEqual([]);
}
