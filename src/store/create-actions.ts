// The create form's actions: open it on the selected domain, edit it, and run its plan.
// The plan is recomputed on every change, so what is shown is what will run; it runs as the
// engine's create flow, journaled like every mutating flow.

import { readPlannerDomain } from '../engine/create/domain-facts.js';
import { createParams, createPlan, plannerEnvironmentFor } from '../engine/create/create-flow.js';
import { planSnapshot } from '../engine/create/planner.js';
import type { Plan } from '../engine/create/types.js';
import { Journal } from '../engine/flows/journal.js';
import { runFlow } from '../engine/flows/flow-run.js';
import type { Host } from '../engine/host.js';
import { describeError } from '../engine/error-report.js';
import { changeFocused, editText, focusedField, formRequest, moveFocus, newCreateForm, type CreateForm } from './create-form.js';

export interface CreateDialog {
  form: CreateForm;
  plan: Plan;
  phase: 'editing' | 'running' | 'failed';
  error: string | null;
}

export interface CreateActions {
  openCreate(): Promise<void>;
  createMove(delta: number): void;
  createChange(delta: number): void;
  createType(text: string | null): void;
  createSubmit(): Promise<void>;
  createCancel(): void;
}

/** What the actions read from the whole store. */
interface StoreView {
  create: CreateDialog | null;
  say(text: string, kind?: 'info' | 'error'): void;
  refresh(): Promise<void>;
}

export function createActions(
  host: Host,
  get: () => StoreView,
  set: (partial: { create: CreateDialog | null } | { create: CreateDialog | null; inputMode: 'normal' | 'create' }) => void,
  selectedDomainName: () => string | null,
  journal: Journal = new Journal(),
): CreateActions {
  const env = plannerEnvironmentFor(host.uri);
  const replan = (form: CreateForm): CreateDialog => ({ form, plan: planSnapshot(form.domain, formRequest(form), env), phase: 'editing', error: null });
  const update = (change: (form: CreateForm) => CreateForm) => {
    const dialog = get().create;
    if (dialog?.phase === 'editing') set({ create: replan(change(dialog.form)) });
  };

  return {
    async openCreate() {
      const name = selectedDomainName();
      if (!name) return;
      try {
        set({ create: replan(newCreateForm(await readPlannerDomain(host, name))), inputMode: 'create' });
      } catch (error) {
        get().say(describeError(error).message, 'error');
      }
    },
    createMove: (delta) => update((form) => moveFocus(form, delta)),
    createChange: (delta) => update((form) => changeFocused(form, delta)),
    createType: (text) => update((form) => editText(form, text)),
    async createSubmit() {
      const dialog = get().create;
      if (!dialog) return;
      if (dialog.phase === 'failed') return set({ create: { ...dialog, phase: 'editing', error: null } });
      if (dialog.phase !== 'editing' || focusedField(dialog.form).kind !== 'submit') return;
      if (dialog.plan.verdict !== 'ok') return set({ create: { ...dialog, phase: 'failed', error: dialog.plan.reason } });
      set({ create: { ...dialog, phase: 'running' } });
      const flow = createPlan(host, createParams(host, dialog.form.domain, dialog.plan));
      const outcome = await runFlow(flow, { journal }).catch((error: unknown) => ({ status: 'failed' as const, error }));
      if (outcome.status === 'done') {
        const { snapshot } = flow.context.result;
        set({ create: null, inputMode: 'normal' });
        get().say(snapshot ? `created snapshot “${snapshot.detail.name}”` : 'created (libvirt keeps no metadata for it)');
        await get().refresh();
        return;
      }
      // The form stays as typed: fix it and try again, or Esc.
      const { error } = outcome;
      set({ create: { ...dialog, phase: 'failed', error: error instanceof Error ? error.message : describeError(error).message } });
    },
    createCancel() {
      if (get().create?.phase === 'running') return;
      set({ create: null, inputMode: 'normal' });
    },
  };
}
