// Flows in the TUI: the confirmation dialog of revert and delete (options that plan the flow
// again, the run with live progress, the failure and the state it leaves), the unfinished flows
// the journal reports for this host (continue, roll back, mark resolved, or later), and the
// journal itself, newest first.

import type { Host } from '../engine/host.js';
import type { FlowPlan } from '../engine/flows/flow-plan.js';
import { continueFlow, markResolved, rollbackFlow, runFlow, type FlowRunOutcome } from '../engine/flows/flow-run.js';
import { rebuildFlow } from '../engine/flows/flow-kinds.js';
import type { FlowRecord, Journal } from '../engine/flows/journal.js';
import { stepEventLine } from '../engine/flows/plan-print.js';
import type { JournalEntry, StepState } from '../engine/flows/step-machine.js';
import { planDelete } from '../engine/flows/delete.js';
import { surveyDelete, type DeleteSurvey } from '../engine/flows/delete-survey.js';
import { planRevert } from '../engine/flows/revert.js';
import { readRevertFacts, type RevertFacts } from '../engine/flows/revert-facts.js';
import { describeError } from '../engine/error-report.js';
import { editLine, insertText } from './line-edit.js';
import {
  blockedReason,
  changeOption,
  CONFIRMATION_FIELD,
  moveField,
  openDialog,
  optionRows,
  PLAN_FIELD,
  scrollBy,
  type ConfirmDialog,
  type FlowOptions,
} from './confirm.js';

export type FlowChoice = 'continue' | 'rollback' | 'resolve' | 'later';
/** In the order shown; the focus starts on `later`, which changes nothing. */
export const FLOW_CHOICES: readonly FlowChoice[] = ['continue', 'rollback', 'resolve', 'later'];

/** Unfinished flows of this host: found at start, or picked in the journal. */
export interface UnfinishedDialog {
  flows: FlowRecord[];
  index: number;
  focus: FlowChoice;
  phase: 'choosing' | 'running' | 'failed';
  /** The continue or roll back that runs (or ran last). */
  running: { action: 'continue' | 'rollback'; title: string } | null;
  steps: StepState[];
  progress: string[];
  error: string | null;
  leftState: string | null;
  hint: string | null;
  scroll: number;
  follow: boolean;
  maxScroll: number;
  /** Opened from the journal view: closing goes back there. */
  fromJournal: boolean;
}

export interface JournalView {
  /** Newest first. */
  flows: FlowRecord[];
  index: number;
  hint: string | null;
}

export interface FlowActions {
  openRevert(): Promise<void>;
  openDelete(withDescendants: boolean): Promise<void>;
  /** Tab / Shift-Tab: the next or previous field (options, plan, confirmation). */
  confirmMoveField(delta: 1 | -1): void;
  /** ↑/↓: between the options, or scrolling the plan when it is focused. */
  confirmArrow(delta: 1 | -1): void;
  /** ←/→: change the focused option, or choose Cancel or Proceed. */
  confirmChange(delta: 1 | -1): void;
  /** Space on an option; false when it is not one (space is then typed). */
  confirmToggle(): boolean;
  confirmScroll(delta: number): void;
  /** The dialog reports how far its plan can scroll at the size it is drawn. */
  confirmLayout(maxScroll: number): void;
  /** Types into the name field (null erases one character). */
  confirmType(text: string | null): void;
  confirmToggleFocus(): void;
  confirmAccept(): Promise<void>;
  confirmCancel(): void;

  /** Opens the unfinished-flows dialog when the journal has some for this host. */
  checkUnfinished(): void;
  flowsSelect(delta: number): void;
  flowsChoose(delta: 1 | -1): void;
  flowsAccept(): Promise<void>;
  flowsLater(): void;
  flowsScroll(delta: number): void;
  flowsLayout(maxScroll: number): void;

  openJournal(): void;
  journalMove(delta: number): void;
  journalAccept(): void;
  closeJournal(): void;
}

interface StoreView {
  readonly: boolean;
  confirm: ConfirmDialog | null;
  unfinished: UnfinishedDialog | null;
  journalView: JournalView | null;
  say(text: string, kind?: 'info' | 'error'): void;
  refresh(): Promise<void>;
}

type Patch = Partial<{
  confirm: ConfirmDialog | null;
  unfinished: UnfinishedDialog | null;
  journalView: JournalView | null;
  inputMode: 'normal' | 'confirm' | 'flows' | 'journal';
}>;

const message = (error: unknown) => describeError(error).message;

export function flowActions(
  host: Host,
  journal: Journal,
  get: () => StoreView,
  set: (patch: Patch) => void,
  selection: () => { domain: string; snapshot: string } | null,
): FlowActions {
  /** Changes the open dialog, if it is still the one `plan` belongs to. */
  const updateConfirm = (change: (dialog: ConfirmDialog) => ConfirmDialog, plan?: FlowPlan) => {
    const dialog = get().confirm;
    if (dialog && (!plan || dialog.plan === plan)) set({ confirm: change(dialog) });
  };
  const updateFlows = (change: (dialog: UnfinishedDialog) => UnfinishedDialog) => {
    const dialog = get().unfinished;
    if (dialog) set({ unfinished: change(dialog) });
  };

  // What the host said when the dialog opened. Changing an option plans again from it: the
  // reads (7 virsh commands, and qemu-img for each image a revert checks) are not repeated, which
  // over a slow link is the difference between a toggle and a wait. Opening a dialog reads anew.
  let reading: { key: string; read: Promise<RevertFacts | DeleteSurvey> } | null = null;
  const readFor = <T extends RevertFacts | DeleteSurvey>(key: string, read: () => Promise<T>, fresh: boolean): Promise<T> => {
    if (fresh || reading?.key !== key) {
      const started = read();
      const entry = { key, read: started };
      reading = entry;
      // a failed read is not kept: the next change asks again
      started.catch(() => {
        if (reading === entry) reading = null;
      });
    }
    return reading!.read as Promise<T>;
  };
  const planFor = async (options: FlowOptions, fresh = false): Promise<FlowPlan> => {
    const { domain, snapshot } = options.request;
    if (options.kind === 'revert') {
      const facts = await readFor(`revert\0${domain}\0${snapshot}`, () => readRevertFacts(host, domain, snapshot), fresh);
      return (await planRevert(host, options.request, { facts })) as FlowPlan;
    }
    const survey = await readFor(`delete\0${domain}`, () => surveyDelete(host, domain), fresh);
    return (await planDelete(host, options.request, { survey })) as FlowPlan;
  };

  const open = async (options: FlowOptions) => {
    try {
      const plan = await planFor(options, true);
      set({ confirm: openDialog(plan, options), inputMode: 'confirm' });
    } catch (error) {
      get().say(message(error), 'error');
    }
  };

  // Each change plans again; only the newest answer is taken, and nothing runs meanwhile.
  let replanSeq = 0;
  const replan = async (options: FlowOptions) => {
    const seq = ++replanSeq;
    updateConfirm((d) => ({ ...d, options, replanning: true, hint: null }));
    try {
      const plan = await planFor(options);
      if (seq !== replanSeq) return;
      updateConfirm((d) => (d.phase === 'confirming' ? { ...d, plan, steps: plan.machine.plan(), replanning: false, planError: null } : d));
    } catch (error) {
      if (seq !== replanSeq) return;
      updateConfirm((d) => ({ ...d, replanning: false, planError: message(error) }));
    }
  };

  const changeFocusedOption = (delta: 1 | -1): boolean => {
    const dialog = get().confirm;
    if (!dialog || dialog.phase !== 'confirming' || !dialog.options) return false;
    if (!optionRows(dialog.options).some((r) => r.id === dialog.field)) return false;
    void replan(changeOption(dialog.options, dialog.field, delta));
    return true;
  };

  const closeConfirm = () => {
    const failed = get().confirm?.phase === 'failed';
    set({ confirm: null, inputMode: 'normal' });
    // A flow that failed part-way changed the host: show what is there now.
    if (failed) void get().refresh();
  };

  const progressLine = (entry: JournalEntry, steps: readonly StepState[]) => stepEventLine(entry, steps);

  // ——— unfinished flows ———

  const unfinishedOf = (): FlowRecord[] => journal.unfinished(host.uri);

  const openFlows = (flows: FlowRecord[], fromJournal: boolean, index = 0) => {
    set({
      unfinished: {
        flows,
        index,
        focus: 'later',
        phase: 'choosing',
        running: null,
        steps: [],
        progress: [],
        error: null,
        leftState: null,
        hint: null,
        scroll: 0,
        follow: false,
        maxScroll: 0,
        fromJournal,
      },
      inputMode: 'flows',
    });
  };

  const journalFlows = () => journal.flows().reverse();

  const closeFlows = () => {
    const dialog = get().unfinished;
    if (!dialog) return;
    if (dialog.fromJournal) {
      const flows = journalFlows();
      const view = get().journalView;
      const index = view ? Math.min(view.index, Math.max(0, flows.length - 1)) : 0;
      set({ unfinished: null, journalView: { flows, index, hint: null }, inputMode: 'journal' });
    } else set({ unfinished: null, inputMode: 'normal' });
  };

  /** After an action: the flows still open (those shown that the journal still reports). */
  const reloadFlows = (dialog: UnfinishedDialog): FlowRecord[] => {
    const open = new Map(journal.flows().filter((f) => f.end === null).map((f) => [f.id, f]));
    return dialog.flows.map((f) => open.get(f.id)).filter((f): f is FlowRecord => f !== undefined);
  };

  const runUnfinished = async (dialog: UnfinishedDialog, record: FlowRecord, action: 'continue' | 'rollback') => {
    if (get().readonly) {
      return updateFlows((d) => ({ ...d, hint: 'the connection is read-only (started with --readonly): only “mark resolved” is possible' }));
    }
    let plan: FlowPlan;
    try {
      plan = await rebuildFlow(host, record);
    } catch (error) {
      return updateFlows((d) => ({ ...d, hint: message(error) }));
    }
    const steps = plan.machine.plan();
    updateFlows((d) => ({
      ...d,
      phase: 'running',
      running: { action, title: record.begin.title },
      steps,
      progress: [],
      error: null,
      leftState: null,
      hint: null,
      follow: true,
    }));
    const unsubscribe = plan.machine.subscribe((snapshot) => updateFlows((d) => ({ ...d, steps: snapshot.steps })));
    const onEntry = (entry: JournalEntry) => {
      const line = progressLine(entry, steps);
      if (line !== null) updateFlows((d) => ({ ...d, progress: [...d.progress, line] }));
    };
    let outcome: FlowRunOutcome | { status: 'failed'; error: unknown; leftState: null };
    try {
      outcome =
        action === 'continue'
          ? await continueFlow(plan, record, { journal, onEntry })
          : await rollbackFlow(plan, record, { journal, onEntry });
    } catch (error) {
      outcome = { status: 'failed', error, leftState: null };
    } finally {
      unsubscribe();
    }
    void get().refresh();
    if (outcome.status === 'done' || outcome.status === 'rolled-back') {
      get().say(`${record.begin.title}: ${outcome.status === 'done' ? 'continued to its end' : 'rolled back'}`);
      const current = get().unfinished ?? dialog;
      const flows = reloadFlows(current);
      if (flows.length === 0) return closeFlows();
      return updateFlows((d) => ({ ...d, flows, index: Math.min(d.index, flows.length - 1), phase: 'choosing', focus: 'later' }));
    }
    updateFlows((d) => ({
      ...d,
      phase: 'failed',
      error: outcome.error ? message(outcome.error) : 'stopped',
      leftState: outcome.leftState,
      follow: true,
    }));
  };

  const selectedJournalFlow = (): FlowRecord | null => {
    const view = get().journalView;
    return view ? (view.flows[view.index] ?? null) : null;
  };

  return {
    openRevert() {
      const picked = selection();
      if (!picked) return Promise.resolve();
      return open({ kind: 'revert', request: { domain: picked.domain, snapshot: picked.snapshot, after: 'snapshot', force: false, safetySnapshot: true } });
    },
    openDelete(withDescendants) {
      const picked = selection();
      if (!picked) return Promise.resolve();
      return open({
        kind: 'delete',
        request: { domain: picked.domain, snapshot: picked.snapshot, scope: withDescendants ? 'children' : 'single', metadataOnly: false, deleteFiles: false },
      });
    },
    confirmMoveField(delta) {
      updateConfirm((d) => (d.phase === 'confirming' ? moveField(d, delta) : d));
    },
    confirmArrow(delta) {
      const dialog = get().confirm;
      if (!dialog) return;
      if (dialog.phase !== 'confirming') return updateConfirm((d) => scrollBy(d, delta));
      if (dialog.field === PLAN_FIELD) {
        // At either end of the plan the arrow leaves it, to the options above or the confirmation below.
        const atEdge = delta < 0 ? dialog.scroll <= 0 && !dialog.follow : dialog.follow || dialog.scroll >= dialog.maxScroll;
        if (!atEdge) return updateConfirm((d) => scrollBy(d, delta));
      }
      updateConfirm((d) => moveField(d, delta));
    },
    confirmChange(delta) {
      if (changeFocusedOption(delta)) return;
      const dialog = get().confirm;
      if (dialog?.phase === 'confirming' && dialog.field === CONFIRMATION_FIELD && dialog.plan.confirmation.kind === 'choice') {
        set({ confirm: { ...dialog, focus: delta > 0 ? 'confirm' : 'cancel', hint: null } });
      }
    },
    confirmToggle() {
      return changeFocusedOption(1);
    },
    confirmScroll(delta) {
      updateConfirm((d) => scrollBy(d, delta));
    },
    confirmLayout(maxScroll) {
      updateConfirm((d) => (d.maxScroll === maxScroll ? d : { ...d, maxScroll, scroll: Math.min(d.scroll, maxScroll) }));
    },
    confirmType(text) {
      updateConfirm((d) => {
        if (d.phase !== 'confirming' || d.plan.confirmation.kind !== 'type-name') return d;
        // Typing always goes to the name field, wherever the focus was.
        const line = text === null ? editLine({ text: d.typed, cursor: d.cursor }, 'erase-back') : insertText({ text: d.typed, cursor: d.cursor }, text);
        return { ...d, field: CONFIRMATION_FIELD, typed: line.text, cursor: line.cursor, hint: null };
      });
    },
    confirmToggleFocus() {
      const dialog = get().confirm;
      if (dialog?.phase === 'confirming' && dialog.plan.confirmation.kind === 'choice') {
        set({ confirm: { ...dialog, field: CONFIRMATION_FIELD, focus: dialog.focus === 'cancel' ? 'confirm' : 'cancel' } });
      }
    },
    async confirmAccept() {
      const dialog = get().confirm;
      if (!dialog || dialog.phase === 'running') return;
      if (dialog.phase === 'failed') return closeConfirm();
      if (dialog.field !== CONFIRMATION_FIELD) return set({ confirm: { ...dialog, field: CONFIRMATION_FIELD, hint: null } });
      const { confirmation } = dialog.plan;
      // Enter on Cancel cancels, whatever the plan says.
      if (confirmation.kind === 'choice' && dialog.focus === 'cancel') return closeConfirm();
      const blocked = blockedReason(dialog);
      if (blocked) return set({ confirm: { ...dialog, hint: `${blocked} — it cannot run; change an option or press Esc` } });
      if (confirmation.kind === 'type-name' && dialog.typed !== confirmation.text) {
        return set({ confirm: { ...dialog, hint: `type “${confirmation.text}” exactly, or Esc to cancel` } });
      }
      const { plan } = dialog;
      const steps = plan.machine.plan();
      const unsubscribe = plan.machine.subscribe((snapshot) => updateConfirm((d) => ({ ...d, steps: snapshot.steps }), plan));
      set({ confirm: { ...dialog, phase: 'running', progress: [], hint: null, follow: true } });
      const onEntry = (entry: JournalEntry) => {
        const line = progressLine(entry, steps);
        if (line !== null) updateConfirm((d) => ({ ...d, progress: [...d.progress, line] }), plan);
      };
      let result: FlowRunOutcome | { status: 'failed'; error: unknown };
      try {
        result = await runFlow(plan, { journal, onEntry });
      } catch (error) {
        result = { status: 'failed', error };
      } finally {
        unsubscribe();
      }
      if (result.status === 'done') {
        set({ confirm: null, inputMode: 'normal' });
        get().say(`${plan.title}: done`);
        await get().refresh();
        return;
      }
      const outcome = 'flowId' in result ? { flowId: result.flowId, unfinished: result.unfinished, leftState: result.leftState } : null;
      updateConfirm((d) => ({ ...d, phase: 'failed', error: result.error ? message(result.error) : 'stopped', outcome, follow: true }), plan);
    },
    confirmCancel() {
      if (get().confirm?.phase === 'running') return;
      closeConfirm();
    },

    checkUnfinished() {
      let flows: FlowRecord[];
      try {
        flows = unfinishedOf();
      } catch (error) {
        return get().say(`the flow journal cannot be read: ${message(error)}`, 'error');
      }
      if (flows.length > 0) openFlows(flows, false);
    },
    flowsSelect(delta) {
      updateFlows((d) =>
        d.phase === 'running' ? d : { ...d, index: Math.max(0, Math.min(d.flows.length - 1, d.index + delta)), phase: 'choosing', hint: null, scroll: 0, follow: false },
      );
    },
    flowsChoose(delta) {
      updateFlows((d) => {
        if (d.phase === 'running') return d;
        const at = FLOW_CHOICES.indexOf(d.focus);
        return { ...d, focus: FLOW_CHOICES[Math.max(0, Math.min(FLOW_CHOICES.length - 1, at + delta))]!, hint: null };
      });
    },
    async flowsAccept() {
      const dialog = get().unfinished;
      if (!dialog || dialog.phase === 'running') return;
      if (dialog.phase === 'failed') {
        // Back to the choices, with what the journal says now.
        const flows = reloadFlows(dialog);
        if (flows.length === 0) return closeFlows();
        return set({ unfinished: { ...dialog, flows, index: Math.min(dialog.index, flows.length - 1), phase: 'choosing', focus: 'later', scroll: 0, follow: false } });
      }
      const record = dialog.flows[dialog.index];
      if (!record || dialog.focus === 'later') return closeFlows();
      if (dialog.focus === 'resolve') {
        try {
          markResolved(journal, record);
        } catch (error) {
          return updateFlows((d) => ({ ...d, hint: message(error) }));
        }
        get().say(`${record.begin.title}: marked resolved`);
        const flows = reloadFlows(dialog);
        if (flows.length === 0) return closeFlows();
        return set({ unfinished: { ...dialog, flows, index: Math.min(dialog.index, flows.length - 1), focus: 'later', hint: null } });
      }
      await runUnfinished(dialog, record, dialog.focus);
    },
    flowsLater() {
      if (get().unfinished?.phase === 'running') return;
      closeFlows();
    },
    flowsScroll(delta) {
      updateFlows((d) => {
        const from = d.follow ? d.maxScroll : d.scroll;
        return { ...d, follow: false, scroll: Math.max(0, Math.min(d.maxScroll, from + delta)) };
      });
    },
    flowsLayout(maxScroll) {
      updateFlows((d) => (d.maxScroll === maxScroll ? d : { ...d, maxScroll, scroll: Math.min(d.scroll, maxScroll) }));
    },

    openJournal() {
      try {
        set({ journalView: { flows: journalFlows(), index: 0, hint: null }, inputMode: 'journal' });
      } catch (error) {
        get().say(`the flow journal cannot be read: ${message(error)}`, 'error');
      }
    },
    journalMove(delta) {
      const view = get().journalView;
      if (!view) return;
      const index = Math.max(0, Math.min(view.flows.length - 1, view.index + delta));
      set({ journalView: { ...view, index, hint: null } });
    },
    journalAccept() {
      const view = get().journalView;
      const record = selectedJournalFlow();
      if (!view || !record) return;
      if (record.end !== null) {
        return set({ journalView: { ...view, hint: `this flow ended (${record.end.status}): nothing to continue or roll back` } });
      }
      openFlows([record], true);
    },
    closeJournal() {
      set({ journalView: null, inputMode: 'normal' });
    },
  };
}
