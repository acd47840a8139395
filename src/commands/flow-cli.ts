// How every mutating subcommand runs its flow, the same way for all of them:
//   --dry-run     print the plan and exit (0, or 2 when the plan is refused); nothing changes
//   -y, --yes     run without asking
//   --json        the plan, then one object per step event, then the result, one JSON per line
// Without --yes on a terminal it asks (Cancel is the default); without a terminal and without
// --yes it refuses with exit 2 and changes nothing. Exit codes: 0 done, 1 libvirt or host
// failure, 2 usage error or a refused plan.

import { Command, CommanderError } from 'commander';
import type { Host } from '../engine/host.js';
import type { FlowPlan } from '../engine/flows/flow-plan.js';
import { Journal } from '../engine/flows/journal.js';
import { runFlow, type FlowRunOutcome } from '../engine/flows/flow-run.js';
import { formatPlanText, planJson, stepEventLine } from '../engine/flows/plan-print.js';
import type { JournalEntry } from '../engine/flows/step-machine.js';
import { askOnTerminal } from './job-prompt.js';
import type { CliIo } from './context.js';
import type { FlowFlags } from './flow-options.js';

export { addFlowOptions, type FlowFlags } from './flow-options.js';

/** Ends the command with this exit code and no further message (what it had to say is printed). */
export function exitWith(code: number): never {
  throw new CommanderError(code, 'virtsnap.exit', '');
}

export interface Confirmer {
  /** Asks on the terminal; true to run. */
  confirm(plan: FlowPlan): Promise<boolean>;
}

export const terminalConfirmer: Confirmer = {
  async confirm(plan) {
    if (plan.confirmation.kind === 'type-name') {
      const answer = await askRaw(`Type “${plan.confirmation.text}” to confirm (anything else cancels): `);
      return answer === plan.confirmation.text;
    }
    const answer = await askOnTerminal('Proceed? [y/N] ', 'n');
    return answer === 'y' || answer === 'yes';
  },
};

async function askRaw(question: string): Promise<string> {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.on('SIGINT', () => resolve(''));
      rl.on('close', () => resolve(''));
      rl.question(question, (answer) => resolve(answer));
    });
  } finally {
    rl.close();
  }
}

export interface FlowCliOptions {
  io: CliIo;
  host: Host;
  flags: FlowFlags;
  journal?: Journal;
  confirmer?: Confirmer;
  /** Printed (text mode) after a flow that ran to its end. */
  describeDone?: (outcome: FlowRunOutcome) => string;
  /** Text printed (text mode) before the plan: a flow's own account (the create planner's verdict, method and XML). */
  header?: string;
  /** Fields added to the JSON plan line (the create planner's own plan, a block job's chain change). */
  planExtra?: Record<string, unknown>;
  /** Fields added to the JSON result line (what the flow produced). */
  resultExtra?: (outcome: FlowRunOutcome) => Record<string, unknown>;
}

function jsonLine(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value)}\n`);
}

/**
 * Shows the plan, asks or refuses as the flags say, runs it journaled, and reports. Returns
 * normally only when the flow ran to its end; every other ending exits with its code.
 */
export async function runPlanFromCli(plan: FlowPlan, options: FlowCliOptions): Promise<FlowRunOutcome> {
  const { io, flags } = options;
  await presentPlanFromCli(plan, options);
  const journal = options.journal ?? new Journal();
  const outcome = await runFlow(plan, { journal, onEntry: stepEventPrinter(io, flags, plan) });
  reportOutcome(io, flags, outcome, options.describeDone, options.resultExtra?.(outcome));
  if (outcome.status !== 'done') exitWith(1);
  return outcome;
}

/**
 * The first half of runPlanFromCli, for flows that run themselves (a block job followed with
 * progress): prints the plan, and returns only when it is to run; every other ending
 * (--dry-run, refusal, read-only, no terminal without --yes, declined) exits with its code.
 */
export async function presentPlanFromCli(plan: FlowPlan, options: FlowCliOptions): Promise<void> {
  const { io, flags, host } = options;
  if (flags.json) jsonLine(io, { type: 'plan', ...planJson(plan), ...options.planExtra });
  else io.stdout(`${options.header ?? ''}${formatPlanText(plan)}`);
  if (plan.refusal) {
    if (!flags.json) io.stderr(`virtsnap: refused: ${plan.refusal}\n`);
    exitWith(2);
  }
  if (flags.dryRun) exitWith(0);
  if (host.readonly) {
    io.stderr('virtsnap: the connection is read-only (--readonly): this plan changes the host, so nothing was run\n');
    exitWith(2);
  }
  if (!flags.yes) {
    if (!io.isTty) {
      io.stderr('virtsnap: not run: there is no terminal to confirm on; add --yes to run it, or --dry-run to only see the plan\n');
      exitWith(2);
    }
    const confirmer = options.confirmer ?? terminalConfirmer;
    if (!(await confirmer.confirm(plan))) {
      io.stderr('virtsnap: cancelled; nothing was changed\n');
      exitWith(2);
    }
  }
}

/** Each step event as it happens: a JSON line (--json) or a progress line on stderr. */
export function stepEventPrinter(io: CliIo, flags: FlowFlags, plan: FlowPlan): (entry: JournalEntry) => void {
  const steps = plan.machine.plan();
  return (entry) => {
    if (flags.json) jsonLine(io, { type: 'step', ...entry });
    else {
      const line = stepEventLine(entry, steps);
      if (line) io.stderr(`${line}\n`);
    }
  };
}

export function reportOutcome(
  io: CliIo,
  flags: FlowFlags,
  outcome: FlowRunOutcome,
  describeDone?: (o: FlowRunOutcome) => string,
  extra?: Record<string, unknown>,
): void {
  const error = outcome.error instanceof Error ? outcome.error.message : outcome.error ? String(outcome.error) : null;
  if (flags.json) {
    jsonLine(io, {
      type: 'result',
      status: outcome.status,
      flowId: outcome.flowId,
      unfinished: outcome.unfinished,
      failedStep: outcome.failedStep?.id ?? null,
      error,
      leftState: outcome.leftState,
      ...extra,
    });
    return;
  }
  if (outcome.status === 'done' || outcome.status === 'rolled-back') {
    io.stdout(describeDone ? describeDone(outcome) : `${outcome.status === 'done' ? 'Done' : 'Rolled back'} (flow ${outcome.flowId}).\n`);
    return;
  }
  const lines = [`virtsnap: ${outcome.failedStep ? `step “${outcome.failedStep.title}” failed: ${error ?? ''}` : `the flow ${outcome.status}${error ? `: ${error}` : ''}`}`];
  if (outcome.leftState) lines.push(`  the host now: ${outcome.leftState}`);
  if (outcome.unfinished) {
    lines.push(`  the flow is unfinished (${outcome.flowId}): \`virtsnap resume ${outcome.flowId}\` continues it, \`--rollback\` undoes what it did`);
  } else lines.push('  nothing was changed');
  io.stderr(`${lines.join('\n')}\n`);
}
