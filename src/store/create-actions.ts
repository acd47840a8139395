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
  /** How far the plan below the fields is scrolled, and the most it can be (as last laid out). */
  scroll: number;
  maxScroll: number;
}

export interface CreateActions {
  openCreate(): Promise<void>;
  createMove(delta: number): void;
  createChange(delta: number): void;
  createType(text: string | null): void;
  /** The form as the line editor left it (the focused text field edited). */
  createReplace(form: CreateForm): void;
  /** Scrolls the plan below the fields. */
  createScroll(delta: number): void;
  createLayout(maxScroll: number): void;
  createSubmit(): Promise<void>;
  createCancel(): void;
}

/** What the actions read from the whole store. */
interface StoreView {
  create: CreateDialog | null;
  say(text: string, kind?: 'info' | 'error'): void;
  refresh(): Promise<void>;
  selectByName(domain: string, snapshot?: string | null): void;
}

export function createActions(
  host: Host,
  get: () => StoreView,
  set: (partial: { create: CreateDialog | null } | { create: CreateDialog | null; inputMode: 'normal' | 'create' }) => void,
  selectedDomainName: () => string | null,
  journal: Journal = new Journal(),
): CreateActions {
  const env = plannerEnvironmentFor(host.uri);
  const replan = (form: CreateForm, previous?: CreateDialog): CreateDialog => ({
    form,
    plan: planSnapshot(form.domain, formRequest(form), env),
    phase: 'editing',
    error: null,
    scroll: previous?.scroll ?? 0,
    maxScroll: previous?.maxScroll ?? 0,
  });
  const update = (change: (form: CreateForm) => CreateForm) => {
    const dialog = get().create;
    if (dialog?.phase === 'editing') set({ create: replan(change(dialog.form), dialog) });
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
    createReplace: (form) => update(() => form),
    createScroll(delta) {
      const dialog = get().create;
      if (dialog) set({ create: { ...dialog, scroll: Math.max(0, Math.min(dialog.maxScroll, dialog.scroll + delta)) } });
    },
    createLayout(maxScroll) {
      const dialog = get().create;
      if (dialog && dialog.maxScroll !== maxScroll) set({ create: { ...dialog, maxScroll, scroll: Math.min(dialog.scroll, maxScroll) } });
    },
    async createSubmit() {
      const dialog = get().create;
      if (!dialog) return;
      if (dialog.phase === 'failed') return set({ create: { ...dialog, phase: 'editing', error: null } });
      if (dialog.phase !== 'editing') return;
      const kind = focusedField(dialog.form).kind;
      // Enter on a choice or a flag moves on; in a text field or on Create it creates.
      if (kind !== 'submit' && kind !== 'text') return set({ create: { ...dialog, form: moveFocus(dialog.form, 1) } });
      if (dialog.plan.verdict !== 'ok') return set({ create: { ...dialog, phase: 'failed', error: dialog.plan.reason } });
      set({ create: { ...dialog, phase: 'running' } });
      const flow = createPlan(host, createParams(host, dialog.form.domain, dialog.plan));
      const outcome = await runFlow(flow, { journal }).catch((error: unknown) => ({ status: 'failed' as const, error }));
      if (outcome.status === 'done') {
        const { snapshot } = flow.context.result;
        set({ create: null, inputMode: 'normal' });
        get().say(snapshot ? `created snapshot “${snapshot.detail.name}”` : 'created (libvirt keeps no metadata for it)');
        await get().refresh();
        // The new snapshot is what the operator looks at next.
        if (snapshot) get().selectByName(dialog.form.domain.name, snapshot.detail.name);
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
