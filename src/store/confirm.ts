// The confirmation dialog of a destructive flow, as state: the flow's options (revert's end
// state, delete's scope, …) whose every change plans the flow again, which field has focus
// (the confirmation, with Cancel focused, by default), what is typed, how far the plan is
// scrolled, and how the run went.

import type { FlowPlan } from '../engine/flows/flow-plan.js';
import type { StepState } from '../engine/flows/step-machine.js';
import type { DeleteRequest } from '../engine/flows/delete.js';
import type { RevertRequest } from '../engine/flows/revert.js';

/** The requests a dialog can plan again when an option changes. */
export type FlowOptions =
  | { kind: 'revert'; request: Required<RevertRequest> }
  | { kind: 'delete'; request: Required<DeleteRequest> };

export interface OptionRow {
  id: string;
  label: string;
  kind: 'choice' | 'flag';
  /** For a choice: every value with its label, in order. */
  choices: { value: string; label: string }[];
  value: string | boolean;
}

/** The field ids besides the option rows: the scrollable plan, and the buttons or the name field. */
export const PLAN_FIELD = 'plan';
export const CONFIRMATION_FIELD = 'confirmation';

export interface FlowOutcomeView {
  flowId: string;
  /** The host was changed part-way: the journal reports the flow until it is resolved. */
  unfinished: boolean;
  /** What the host holds now, when the flow stopped after a step that says so. */
  leftState: string | null;
}

export interface ConfirmDialog {
  plan: FlowPlan;
  /** The request behind the plan, when the dialog offers options. */
  options: FlowOptions | null;
  /** The focused field: an option's id, PLAN_FIELD or CONFIRMATION_FIELD. */
  field: string;
  typed: string;
  /** Where the cursor is in `typed`. */
  cursor: number;
  focus: 'cancel' | 'confirm';
  phase: 'confirming' | 'running' | 'failed';
  steps: StepState[];
  /** Progress lines of the run (the plan printer's step event lines). */
  progress: string[];
  error: string | null;
  outcome: FlowOutcomeView | null;
  /** Shown when Enter cannot run the flow now: the name does not match, the plan is refused, … */
  hint: string | null;
  /** A new plan is being made for changed options: nothing may run until it is there. */
  replanning: boolean;
  /** Planning with the changed options failed: libvirt's message; the old plan must not run. */
  planError: string | null;
  /** First line of the plan shown; `follow` keeps the end in view (while it runs). */
  scroll: number;
  follow: boolean;
  /** The most the plan can scroll, as last laid out. */
  maxScroll: number;
}

export function openDialog(plan: FlowPlan, options: FlowOptions | null = null): ConfirmDialog {
  return {
    plan,
    options,
    field: CONFIRMATION_FIELD,
    typed: '',
    cursor: 0,
    focus: 'cancel',
    phase: 'confirming',
    steps: plan.machine.plan(),
    progress: [],
    error: null,
    outcome: null,
    hint: null,
    replanning: false,
    planError: null,
    scroll: 0,
    follow: false,
    maxScroll: 0,
  };
}

const REVERT_AFTER = [
  { value: 'snapshot', label: 'as the snapshot was' },
  { value: 'running', label: 'running' },
  { value: 'paused', label: 'paused' },
];
const DELETE_SCOPES = [
  { value: 'single', label: 'it (children move up)' },
  { value: 'children', label: 'it and descendants' },
  { value: 'children-only', label: 'only descendants' },
];

export function optionRows(options: FlowOptions | null): OptionRow[] {
  if (!options) return [];
  if (options.kind === 'revert') {
    const r = options.request;
    return [
      { id: 'after', label: 'ends', kind: 'choice', choices: REVERT_AFTER, value: r.after },
      { id: 'safetySnapshot', label: 'safety snapshot of the present state first', kind: 'flag', choices: [], value: r.safetySnapshot },
      { id: 'force', label: '--force (where libvirt asks for it)', kind: 'flag', choices: [], value: r.force },
    ];
  }
  const r = options.request;
  return [
    { id: 'scope', label: 'delete', kind: 'choice', choices: DELETE_SCOPES, value: r.scope },
    { id: 'metadataOnly', label: 'metadata only (images and files stay)', kind: 'flag', choices: [], value: r.metadataOnly },
    { id: 'deleteFiles', label: 'also delete the files left behind', kind: 'flag', choices: [], value: r.deleteFiles },
  ];
}

/** The options with one row changed: a flag flips, a choice moves by `delta` (wrapping). */
export function changeOption(options: FlowOptions, id: string, delta: 1 | -1): FlowOptions {
  const row = optionRows(options).find((r) => r.id === id);
  if (!row) return options;
  let value: string | boolean;
  if (row.kind === 'flag') value = !row.value;
  else {
    const at = row.choices.findIndex((c) => c.value === row.value);
    value = row.choices[(at + delta + row.choices.length) % row.choices.length]!.value;
  }
  return { ...options, request: { ...options.request, [id]: value } } as FlowOptions;
}

/** Every focusable field in order: the options, the plan, the confirmation. */
export function dialogFields(dialog: Pick<ConfirmDialog, 'options'>): string[] {
  return [...optionRows(dialog.options).map((r) => r.id), PLAN_FIELD, CONFIRMATION_FIELD];
}

export function moveField(dialog: ConfirmDialog, delta: number): ConfirmDialog {
  const fields = dialogFields(dialog);
  const at = Math.max(0, fields.indexOf(dialog.field));
  const field = fields[Math.max(0, Math.min(fields.length - 1, at + delta))]!;
  return { ...dialog, field, hint: null };
}

export function scrollBy(dialog: ConfirmDialog, delta: number): ConfirmDialog {
  const from = dialog.follow ? dialog.maxScroll : dialog.scroll;
  return { ...dialog, follow: false, scroll: Math.max(0, Math.min(dialog.maxScroll, from + delta)) };
}

/** Why Enter cannot run the flow now, or null when it can (the choice or the typed name decides). */
export function blockedReason(dialog: ConfirmDialog): string | null {
  if (dialog.replanning) return 'the plan is being made again for the changed options; a moment';
  if (dialog.planError) return `no plan for these options: ${dialog.planError}`;
  if (dialog.plan.refusal) return `refused: ${dialog.plan.refusal}`;
  return null;
}

/** Whether Enter runs the flow now. */
export function acceptsNow(dialog: ConfirmDialog): boolean {
  if (dialog.phase !== 'confirming' || dialog.field !== CONFIRMATION_FIELD || blockedReason(dialog) !== null) return false;
  const confirmation = dialog.plan.confirmation;
  return confirmation.kind === 'choice' ? dialog.focus === 'confirm' : dialog.typed === confirmation.text;
}
