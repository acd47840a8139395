// The one step machine under every mutating flow (create, edit, rename, description, current,
// revert, delete, commit, pull, abort, pivot, and every later one).
//
// A flow is a list of named steps run in order. Before it runs, its plan (each step with the
// commands it will run, the files it creates and removes, its undo) is shown and confirmed;
// while it runs, every change of a step's status is published and written to the journal, so
// that a flow that stops half-way says exactly what was done and what state that leaves.
//
// The machine can also pick a flow up again (resume: steps the journal records as done are not
// run again, and a step that started but never finished is first checked on the host) and roll
// one back (the undos of the done steps, newest first).

import type { VirshCommand } from '../virsh/commands.js';
import { shellCommandLine } from '../../format/shell-quote.js';

export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'undone';
export type FlowStatus = 'planned' | 'running' | 'done' | 'failed' | 'stopped' | 'rolled-back';

/** A command a step runs, for display in the plan: a virsh command, qemu-img, or a file operation. */
export interface PlannedCommand {
  /** `virsh`, `qemu-img`, or `rm`/`mv` for file operations virtsnap does itself. */
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
  return shellCommandLine([command.program, ...command.args]);
}

export interface StepJournal {
  /** Adds a line to the journal under the running step (what was found, what was written where). */
  note(text: string): void;
}

export interface StepUndo<C> {
  /** What undoing does, in words (`delete the safety snapshot's metadata`). */
  title: string;
  commands?: readonly PlannedCommand[];
  run(context: C, journal: StepJournal): Promise<void>;
}

export interface StepDefinition<C> {
  /** Stable identifier, unique within the flow (`redefine-new`, `repoint-child:s3`). */
  id: string;
  /** What the step does, in words an operator reads in the plan. */
  title: string;
  commands?: readonly PlannedCommand[];
  /** Files the step creates. */
  creates?: readonly string[];
  /** Files the step removes. */
  removes?: readonly string[];
  /** The state the host is left in if the flow stops right after this step (crash-safety notes). */
  leavesState?: string;
  /** Returns a reason to skip the step at run time, or null to run it. */
  skipIf?: (context: C) => string | null;
  run(context: C, journal: StepJournal): Promise<void>;
  /**
   * Whether the step's effect is on the host: null when it is, else what is missing. Run after
   * the step (a step whose effect cannot be seen fails), and before a resumed flow runs again a
   * step that started but was never recorded as finished, so that nothing happens twice.
   */
  check?: (context: C) => Promise<string | null>;
  /** How to take the step back, where that is possible; a rollback runs these newest first. */
  undo?: StepUndo<C>;
}

export interface StepState {
  id: string;
  title: string;
  status: StepStatus;
  commands: readonly PlannedCommand[];
  creates: readonly string[];
  removes: readonly string[];
  leavesState: string | null;
  /** The undo's title and commands, when the step has one. */
  undo: { title: string; commands: readonly PlannedCommand[] } | null;
  /** Whether the step changes the host (a mutating command, or files created or removed). */
  mutates: boolean;
  /** The failure message, or the reason it was skipped. */
  message: string | null;
}

export type JournalEvent =
  | 'started'
  | 'done'
  | 'failed'
  | 'skipped'
  | 'note'
  | 'stopped'
  | 'undo-started'
  | 'undo-done'
  | 'undo-failed';

export interface JournalEntry {
  /** ISO time. */
  at: string;
  /** The flow's kind (`revert`, `rename`, `block-commit`). */
  flow: string;
  step: string | null;
  event: JournalEvent;
  detail: string | null;
  /** The argv of the commands the step runs (`started` entries). */
  argv?: string[][];
  creates?: string[];
  removes?: string[];
  /** On a `failed` entry: whether the step took effect on the host is unknown (the connection dropped while it ran), so resume checks it on the host before running it again. */
  inDoubt?: boolean;
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

export interface FlowRunOptions {
  /** Checked between steps: an aborted flow stops before its next step and reports `stopped`. */
  signal?: AbortSignal;
  /** Resuming: steps the journal records as done; they are not run again. */
  done?: ReadonlySet<string>;
  /** Resuming: the step that started but has no recorded end; it is checked on the host first. */
  inDoubt?: string | null;
}

function describeStep<C>(step: StepDefinition<C>): StepState {
  const commands = step.commands ?? [];
  const creates = step.creates ?? [];
  const removes = step.removes ?? [];
  return {
    id: step.id,
    title: step.title,
    status: 'pending',
    commands,
    creates,
    removes,
    leavesState: step.leavesState ?? null,
    undo: step.undo ? { title: step.undo.title, commands: step.undo.commands ?? [] } : null,
    mutates: commands.some((c) => c.mutates) || creates.length > 0 || removes.length > 0,
    message: null,
  };
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export class StepMachine<C> {
  private readonly steps: StepState[];
  private readonly journalEntries: JournalEntry[] = [];
  private readonly listeners = new Set<(snapshot: FlowSnapshot) => void>();
  private readonly sinks: JournalSink[] = [];
  private status: FlowStatus = 'planned';

  constructor(
    /** The flow's kind in the journal (`rename`, `edit`, `block-commit`). */
    readonly flow: string,
    private readonly definitions: readonly StepDefinition<C>[],
  ) {
    const ids = new Set<string>();
    for (const step of definitions) {
      if (ids.has(step.id)) throw new Error(`flow ${flow}: two steps are named ${step.id}`);
      ids.add(step.id);
    }
    this.steps = definitions.map(describeStep);
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

  /** Also send journal entries here (the durable journal, a log pane); entries written so far are replayed. */
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
      if (options.done?.has(state.id)) {
        this.setStep(state, 'done', 'done before the flow was resumed');
        completedAny = true;
        if (state.leavesState !== null) lastLeft = state.leavesState;
        continue;
      }
      if (options.signal?.aborted) {
        this.status = 'stopped';
        this.record({ step: null, event: 'stopped', detail: `stopped before ${state.id}` });
        return this.result(null, options.signal.reason, completedAny ? lastLeft : null);
      }
      const skip = definition.skipIf?.(context) ?? null;
      if (skip !== null) {
        this.setStep(state, 'skipped', skip);
        this.record({ step: state.id, event: 'skipped', detail: skip });
        continue;
      }
      if (options.inDoubt === state.id && definition.check) {
        // It started before the interruption; if its effect is there, running it again would do it twice.
        const missing = await definition.check(context).catch((error: unknown) => `the check failed: ${errorText(error)}`);
        if (missing === null) {
          this.setStep(state, 'done', 'found done on the host');
          this.record({ step: state.id, event: 'done', detail: 'found already done on the host when resuming' });
          completedAny = true;
          if (state.leavesState !== null) lastLeft = state.leavesState;
          continue;
        }
      }
      this.setStep(state, 'running', null);
      this.record({
        step: state.id,
        event: 'started',
        detail: null,
        argv: state.commands.map((c) => [c.program, ...c.args]),
        creates: [...state.creates],
        removes: [...state.removes],
      });
      const journal = { note: (text: string) => this.record({ step: state.id, event: 'note', detail: text }) };
      try {
        await definition.run(context, journal);
        if (definition.check) {
          const missing = await definition.check(context);
          if (missing !== null) throw new Error(`the step ran, but its effect is not there: ${missing}`);
        }
      } catch (error) {
        const message = errorText(error);
        this.setStep(state, 'failed', message);
        // An error that cannot tell whether the host changed (ConnectionLostError) leaves the step in doubt.
        const effectUnknown = (error as { effectUnknown?: unknown } | null)?.effectUnknown === true;
        this.record({ step: state.id, event: 'failed', detail: message, ...(effectUnknown ? { inDoubt: true } : {}) });
        this.status = 'failed';
        return this.result(state, error, completedAny ? lastLeft : null);
      }
      this.setStep(state, 'done', null);
      this.record({ step: state.id, event: 'done', detail: null });
      completedAny = true;
      if (state.leavesState !== null) lastLeft = state.leavesState;
    }
    this.status = 'done';
    this.emit();
    return this.result(null, null, null);
  }

  /** Whether a step's effect is on the host: its check says so; null when it has no check or the check fails. */
  async effectPresent(context: C, stepId: string): Promise<boolean | null> {
    const definition = this.definitions.find((d) => d.id === stepId);
    if (!definition?.check) return null;
    try {
      return (await definition.check(context)) === null;
    } catch {
      return null;
    }
  }

  /**
   * Takes back the steps in `done` (the journal's record), newest first, through their undos.
   * Stops at a mutating step that has no undo: what came before it cannot be taken back safely
   * while its effect stands. Read-only steps need nothing.
   */
  async rollback(context: C, done: ReadonlySet<string>): Promise<FlowResult> {
    if (this.status !== 'planned') throw new Error(`flow ${this.flow} has already run`);
    this.status = 'running';
    for (const state of this.steps) if (done.has(state.id)) state.status = 'done';
    for (let index = this.definitions.length - 1; index >= 0; index--) {
      const definition = this.definitions[index]!;
      const state = this.steps[index]!;
      if (!done.has(state.id)) continue;
      if (!definition.undo) {
        if (!state.mutates) {
          this.setStep(state, 'undone', 'nothing to undo');
          continue;
        }
        const message = `“${state.title}” cannot be undone; the steps before it stay done`;
        this.record({ step: state.id, event: 'undo-failed', detail: message });
        this.status = 'failed';
        return this.result(state, new Error(message), state.leavesState);
      }
      this.record({
        step: state.id,
        event: 'undo-started',
        detail: definition.undo.title,
        argv: (definition.undo.commands ?? []).map((c) => [c.program, ...c.args]),
      });
      try {
        await definition.undo.run(context, { note: (text) => this.record({ step: state.id, event: 'note', detail: text }) });
      } catch (error) {
        const message = errorText(error);
        this.setStep(state, 'failed', `undo failed: ${message}`);
        this.record({ step: state.id, event: 'undo-failed', detail: message });
        this.status = 'failed';
        return this.result(state, error, state.leavesState);
      }
      this.setStep(state, 'undone', null);
      this.record({ step: state.id, event: 'undo-done', detail: null });
    }
    this.status = 'rolled-back';
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

  private record(fields: Omit<JournalEntry, 'at' | 'flow'>): void {
    const entry: JournalEntry = { at: new Date().toISOString(), flow: this.flow, ...fields };
    this.journalEntries.push(entry);
    for (const sink of this.sinks) sink(entry);
    this.emit();
  }

  private emit(): void {
    const snapshot = this.snapshot();
    for (const listener of this.listeners) listener(snapshot);
  }
}
