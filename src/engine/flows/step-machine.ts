// A flow is a list of named steps run in order. Before it runs, its plan (each step with the
// commands it will run) can be shown and confirmed; while it runs, every change of a step's
// status is published and written to a journal, so that a flow that stops half-way says
// exactly what was done and what state that leaves.
//
// Generic on purpose: edit, rename, revert, delete and block-job flows all use it. A step's
// `run` receives the flow's context object (whatever the flow needs) and a handle to add
// notes to the journal.

import { appendFileSync } from 'node:fs';
import type { VirshCommand } from '../virsh/commands.js';

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';
export type FlowStatus = 'planned' | 'running' | 'done' | 'failed' | 'stopped';

/** A command a step will run, for display in the plan (`virsh snapshot-create --domain=…`). */
export interface PlannedCommand {
  program: string;
  args: readonly string[];
  /** True when it changes the host. */
  mutates: boolean;
}

export function plannedVirsh(command: VirshCommand): PlannedCommand {
  return { program: 'virsh', args: command.args, mutates: command.mutates };
}

/** `virsh snapshot-create '--domain=my vm' …`: a plan line an operator could paste into a shell. */
export function formatPlannedCommand(command: PlannedCommand): string {
  return [command.program, ...command.args].map(shellQuoteForDisplay).join(' ');
}

function shellQuoteForDisplay(word: string): string {
  return /^[A-Za-z0-9_\-+=.,:/@%]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface StepJournal {
  /** Adds a line to the journal under the running step (what was found, what was written where). */
  note(text: string): void;
}

export interface StepDefinition<C> {
  /** Stable identifier, unique within the flow (`redefine-new`, `repoint-child:s3`). */
  id: string;
  /** What the step does, in words an operator reads in the plan. */
  title: string;
  commands?: readonly PlannedCommand[];
  /** The state the host is left in if the flow stops right after this step (crash-safety notes). */
  leavesState?: string;
  /** Returns a reason to skip the step at run time, or null to run it. */
  skipIf?: (context: C) => string | null;
  run(context: C, journal: StepJournal): Promise<void>;
}

export interface StepState {
  id: string;
  title: string;
  status: StepStatus;
  commands: readonly PlannedCommand[];
  leavesState: string | null;
  /** The failure message, or the reason it was skipped. */
  message: string | null;
}

export type JournalEvent = 'started' | 'done' | 'failed' | 'skipped' | 'note' | 'stopped';

export interface JournalEntry {
  /** ISO time. */
  at: string;
  flow: string;
  step: string | null;
  event: JournalEvent;
  detail: string | null;
}

export interface FlowSnapshot {
  flow: string;
  status: FlowStatus;
  steps: StepState[];
  journal: JournalEntry[];
}

export interface FlowResult extends FlowSnapshot {
  /** The step that failed, if any. */
  failedStep: StepState | null;
  error: unknown;
  /** What the host holds now: the `leavesState` of the last step that completed, when the flow did not finish. */
  leftState: string | null;
}

export type JournalSink = (entry: JournalEntry) => void;

/** A sink appending one JSON object per line: the journal survives the process. */
export function fileJournalSink(path: string): JournalSink {
  return (entry) => appendFileSync(path, `${JSON.stringify(entry)}\n`);
}

export interface FlowRunOptions {
  /** Checked between steps: an aborted flow stops before its next step and reports `stopped`. */
  signal?: AbortSignal;
}

export class StepMachine<C> {
  private readonly steps: StepState[];
  private readonly journalEntries: JournalEntry[] = [];
  private readonly listeners = new Set<(snapshot: FlowSnapshot) => void>();
  private readonly sinks: JournalSink[] = [];
  private status: FlowStatus = 'planned';

  constructor(
    /** The flow's name in the journal (`rename`, `edit`, `block-commit`). */
    readonly flow: string,
    private readonly definitions: readonly StepDefinition<C>[],
  ) {
    const ids = new Set<string>();
    for (const step of definitions) {
      if (ids.has(step.id)) throw new Error(`flow ${flow}: two steps are named ${step.id}`);
      ids.add(step.id);
    }
    this.steps = definitions.map((step) => ({
      id: step.id,
      title: step.title,
      status: 'pending',
      commands: step.commands ?? [],
      leavesState: step.leavesState ?? null,
      message: null,
    }));
  }

  /** The steps and their commands, for showing before anything runs. */
  plan(): StepState[] {
    return this.steps.map((step) => ({ ...step }));
  }

  snapshot(): FlowSnapshot {
    return { flow: this.flow, status: this.status, steps: this.plan(), journal: [...this.journalEntries] };
  }

  /** Called after every change (step status, journal line). Returns the unsubscribe function. */
  subscribe(listener: (snapshot: FlowSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Also send journal entries here (a file, a log pane); entries written so far are replayed. */
  addJournalSink(sink: JournalSink): void {
    for (const entry of this.journalEntries) sink(entry);
    this.sinks.push(sink);
  }

  /** Runs the steps once, in order; stops at the first failure. Never throws for a step failure. */
  async run(context: C, options: FlowRunOptions = {}): Promise<FlowResult> {
    if (this.status !== 'planned') throw new Error(`flow ${this.flow} has already run`);
    this.status = 'running';
    let lastLeft: string | null = null;
    let completedAny = false;
    for (const [index, definition] of this.definitions.entries()) {
      const state = this.steps[index]!;
      if (options.signal?.aborted) {
        this.status = 'stopped';
        this.record(null, 'stopped', `stopped before ${state.id}`);
        return this.result(null, options.signal.reason, completedAny ? lastLeft : null);
      }
      const skip = definition.skipIf?.(context) ?? null;
      if (skip !== null) {
        this.setStep(state, 'skipped', skip);
        this.record(state.id, 'skipped', skip);
        continue;
      }
      this.setStep(state, 'running', null);
      this.record(state.id, 'started', null);
      try {
        await definition.run(context, { note: (text) => this.record(state.id, 'note', text) });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.setStep(state, 'failed', message);
        this.record(state.id, 'failed', message);
        this.status = 'failed';
        return this.result(state, error, completedAny ? lastLeft : null);
      }
      this.setStep(state, 'done', null);
      this.record(state.id, 'done', null);
      completedAny = true;
      if (state.leavesState !== null) lastLeft = state.leavesState;
    }
    this.status = 'done';
    this.emit();
    return this.result(null, null, null);
  }

  private result(failedStep: StepState | null, error: unknown, leftState: string | null): FlowResult {
    this.emit();
    return { ...this.snapshot(), failedStep: failedStep ? { ...failedStep } : null, error, leftState };
  }

  private setStep(state: StepState, status: StepStatus, message: string | null): void {
    state.status = status;
    state.message = message;
  }

  private record(step: string | null, event: JournalEvent, detail: string | null): void {
    const entry: JournalEntry = { at: new Date().toISOString(), flow: this.flow, step, event, detail };
    this.journalEntries.push(entry);
    for (const sink of this.sinks) sink(entry);
    this.emit();
  }

  private emit(): void {
    const snapshot = this.snapshot();
    for (const listener of this.listeners) listener(snapshot);
  }
}
