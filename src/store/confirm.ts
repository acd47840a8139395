// The confirmation dialog of a destructive flow, as state: what is typed, which button has
// focus (Cancel, by default), and how the run went.

import type { FlowPlan } from '../engine/flows/flow-plan.js';
import type { StepState } from '../engine/flows/step-machine.js';

export interface ConfirmDialog {
  plan: FlowPlan;
  typed: string;
  focus: 'cancel' | 'confirm';
  phase: 'confirming' | 'running' | 'failed';
  steps: StepState[];
  error: string | null;
  /** Shown when Enter was pressed before the typed name matched. */
  hint: string | null;
}

export function openDialog(plan: FlowPlan): ConfirmDialog {
  return { plan, typed: '', focus: 'cancel', phase: 'confirming', steps: plan.machine.plan(), error: null, hint: null };
}

/** Whether Enter runs the flow now. */
export function acceptsNow(dialog: ConfirmDialog): boolean {
  if (dialog.phase !== 'confirming') return false;
  const confirmation = dialog.plan.confirmation;
  return confirmation.kind === 'choice' ? dialog.focus === 'confirm' : dialog.typed === confirmation.text;
}
