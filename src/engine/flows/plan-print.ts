// The one printer of flow plans, for the CLI (text and JSON) and the TUI (the same lines in the
// confirmation dialog): steps with their commands, files and undos, then what changes, the
// downtime, warnings, the files left behind, and a refusal when the plan must not run.

import type { FlowPlan } from './flow-plan.js';
import type { JournalEntry, PlannedCommand, StepState } from './step-machine.js';
import { shellCommandLine } from '../../format/shell-quote.js';

/** A command as an operator would type it: virsh gets the connection's `-c URI`. */
export function commandLine(command: PlannedCommand, uri: string | null): string {
  const words = command.program === 'virsh' && uri ? ['virsh', '-c', uri, ...command.args] : [command.program, ...command.args];
  return shellCommandLine(words);
}

export interface PlanJson {
  kind: string;
  title: string;
  uri: string;
  domain: string;
  refusal: string | null;
  steps: {
    id: string;
    title: string;
    status: StepState['status'];
    commands: string[][];
    creates: string[];
    removes: string[];
    undo: { title: string; commands: string[][] } | null;
  }[];
  consequences: string[];
  downtime: string;
  warnings: string[];
  filesLeft: string[];
  confirmation: FlowPlan['confirmation'];
}

const argvOf = (c: PlannedCommand) => [c.program, ...c.args];

export function planJson<C>(plan: FlowPlan<C>): PlanJson {
  return {
    kind: plan.kind,
    title: plan.title,
    uri: plan.uri,
    domain: plan.domain,
    refusal: plan.refusal,
    steps: plan.machine.plan().map((s) => ({
      id: s.id,
      title: s.title,
      status: s.status,
      commands: s.commands.map(argvOf),
      creates: [...s.creates],
      removes: [...s.removes],
      undo: s.undo ? { title: s.undo.title, commands: s.undo.commands.map(argvOf) } : null,
    })),
    consequences: plan.consequences,
    downtime: plan.downtime,
    warnings: plan.warnings,
    filesLeft: plan.filesLeft,
    confirmation: plan.confirmation,
  };
}

/** The plan as lines of text (no trailing newline on each). */
export function planLines<C>(plan: FlowPlan<C>, options: { commands?: boolean } = {}): string[] {
  const lines = [plan.title];
  if (plan.refusal) lines.push(`Refused: ${plan.refusal}`);
  for (const c of plan.consequences) lines.push(`  ${c}`);
  lines.push(`Downtime: ${plan.downtime}`);
  lines.push('Steps:');
  plan.machine.plan().forEach((step, index) => {
    lines.push(`  ${index + 1}. ${step.title}`);
    if (options.commands !== false) for (const c of step.commands) lines.push(`       $ ${commandLine(c, plan.uri)}`);
    for (const f of step.creates) lines.push(`       creates ${f}`);
    for (const f of step.removes) lines.push(`       removes ${f}`);
    if (step.undo) lines.push(`       undo: ${step.undo.title}`);
  });
  if (plan.warnings.length) {
    lines.push('Warnings:');
    for (const w of plan.warnings) lines.push(`  ! ${w}`);
  }
  if (plan.filesLeft.length) {
    lines.push('Left behind:');
    for (const f of plan.filesLeft) lines.push(`  ${f}`);
  }
  return lines;
}

export function formatPlanText<C>(plan: FlowPlan<C>): string {
  return `${planLines(plan).join('\n')}\n`;
}

/** One journal entry as a progress line (`done: revert the domain`). */
export function stepEventLine(entry: JournalEntry, steps: readonly StepState[]): string | null {
  const title = steps.find((s) => s.id === entry.step)?.title ?? entry.step ?? '';
  switch (entry.event) {
    case 'started':
      return `... ${title}`;
    case 'done':
      return `done: ${title}${entry.detail ? ` (${entry.detail})` : ''}`;
    case 'failed':
      return `FAILED: ${title}: ${entry.detail ?? ''}`;
    case 'skipped':
      return `skipped: ${title} (${entry.detail ?? ''})`;
    case 'note':
      return `    ${entry.detail ?? ''}`;
    case 'stopped':
      return `stopped: ${entry.detail ?? ''}`;
    case 'undo-started':
      return `... undo: ${entry.detail ?? title}`;
    case 'undo-done':
      return `undone: ${title}`;
    case 'undo-failed':
      return `UNDO FAILED: ${title}: ${entry.detail ?? ''}`;
    default:
      return null;
  }
}
