// Editing from the TUI: the whole XML in $EDITOR, the description, the current mark, and
// rename. The terminal is handed to the editor through a handoff the components provide;
// whatever the operator typed survives every problem until they choose to discard it.

import type { TerminalHandoff } from '../engine/editor.js';
import { runEditor } from '../engine/editor.js';
import type { FlowPlan } from '../engine/flows/flow-plan.js';
import { planCurrent, planDescription } from '../engine/flows/metadata-flows.js';
import { runFlow } from '../engine/flows/flow-run.js';
import type { Journal } from '../engine/flows/journal.js';
import type { FlowPlan as AnyFlowPlan } from '../engine/flows/flow-plan.js';
import { describeProblem, runEditLoop, SnapshotEditSession, type ProblemDecision } from '../engine/flows/edit-session.js';
import { planRename } from '../engine/flows/rename-flow.js';
import type { Host } from '../engine/host.js';
import { describeError } from '../engine/error-report.js';
import { openDialog, type ConfirmDialog } from './confirm.js';
import { editLine, insertText } from './line-edit.js';

export interface TextPrompt {
  purpose: 'rename' | 'description';
  title: string;
  value: string;
  /** Where the cursor is in `value`. */
  cursor: number;
}

export interface EditDecision {
  message: string;
  file: string;
  focus: 're-edit' | 'discard';
  resolve: (decision: ProblemDecision) => void;
}

export interface EditActions {
  editXml(handoff: TerminalHandoff): Promise<void>;
  decideToggle(): void;
  decideAccept(): void;
  /** Esc: keep the text in its file and stop asking. */
  decideKeep(): void;
  openRenamePrompt(): void;
  openDescriptionPrompt(): Promise<void>;
  promptType(text: string | null): void;
  promptSubmit(): Promise<void>;
  promptCancel(): void;
  setCurrent(): Promise<void>;
}

interface StoreView {
  prompt: TextPrompt | null;
  decision: EditDecision | null;
  say(text: string, kind?: 'info' | 'error'): void;
  refresh(): Promise<void>;
}

type Patch = Partial<{
  prompt: TextPrompt | null;
  decision: EditDecision | null;
  editorOpen: boolean;
  confirm: ConfirmDialog | null;
  inputMode: 'normal' | 'prompt' | 'decide' | 'confirm';
}>;

/** The forced rename's warning, in the TUI's terms (no --force: typing the name forces it). */
export function internalRenameWarning(name: string): string {
  return (
    `“${name}” is an internal snapshot (or has internal parts): QEMU keeps the old name as the qcow2 tag and nothing can rename the tag, ` +
    'so a revert to the renamed snapshot would fail and leave the domain shut off. Type the new name below to rename it anyway.'
  );
}

/** An edit problem in the TUI's terms: where the CLI's text names a command, the TUI has a key. */
export function tuiProblemText(message: string): string {
  return message.replace(/rename with `virtsnap edit [^`]*--rename[^`]*`/, 'rename it with R in the tree');
}

export function editActions(
  host: Host,
  get: () => StoreView,
  set: (patch: Patch) => void,
  /** The selected domain and snapshot (and its loaded description, when known). */
  selection: () => { domain: string; snapshot: string; description: string | null | undefined } | null,
  journal: Journal,
): EditActions {
  const fail = (error: unknown) => get().say(describeError(error).message, 'error');

  /** A metadata change as a journaled flow, like every change; throws libvirt's words on failure. */
  const runMetadataFlow = async <C,>(flow: AnyFlowPlan<C>): Promise<void> => {
    if (flow.refusal) throw new Error(flow.refusal);
    const outcome = await runFlow(flow, { journal });
    if (outcome.status !== 'done') throw outcome.error instanceof Error ? outcome.error : new Error(`${flow.title}: ${outcome.status}`);
  };

  const rename = async (to: string) => {
    const picked = selection();
    if (!picked) return;
    const flow = await planRename(host, { domain: picked.domain, from: picked.snapshot, to, force: false });
    // A refused rename (an internal snapshot) can still be forced, but only by typing the new name.
    const forced = flow.refusal ? await planRename(host, { domain: picked.domain, from: picked.snapshot, to, force: true }) : flow;
    // The CLI's refusal tells its reader to add --force; here typing the name is what forces it,
    // and the forced plan's own warning says the same once.
    const forcedWarnings = flow.refusal ? forced.warnings.filter((w) => !w.includes('(--force)')) : forced.warnings;
    const plan: FlowPlan<Host> = {
      ...forced,
      warnings: [...(flow.refusal ? [internalRenameWarning(picked.snapshot)] : []), ...forcedWarnings],
      confirmation: flow.refusal ? { kind: 'type-name', text: to } : { kind: 'choice' },
    };
    set({ confirm: openDialog(plan as FlowPlan), inputMode: 'confirm' });
  };

  return {
    async editXml(handoff) {
      const picked = selection();
      if (!picked) return;
      let session: SnapshotEditSession;
      try {
        session = await SnapshotEditSession.open(host, picked.domain, picked.snapshot);
      } catch (error) {
        return fail(error);
      }
      const outcome = await runEditLoop(session, {
        editor: async (file) => {
          set({ editorOpen: true });
          try {
            await runEditor(file, { handoff, blocking: true });
          } finally {
            set({ editorOpen: false });
          }
        },
        decide: (problem) =>
          new Promise<ProblemDecision>((resolve) =>
            set({ decision: { message: tuiProblemText(describeProblem(problem)), file: session.file, focus: 're-edit', resolve }, inputMode: 'decide' }),
          ),
      }).catch((error: unknown) => {
        fail(error);
        return null;
      });
      set({ decision: null, inputMode: 'normal' });
      if (!outcome) return;
      if (outcome.kind === 'applied') {
        get().say(outcome.unchanged ? `“${picked.snapshot}”: nothing changed` : `“${picked.snapshot}” redefined from your XML`);
        if (!outcome.unchanged) await get().refresh();
      } else if (outcome.kind === 'discarded') get().say('edit discarded; nothing was changed');
      else get().say(`nothing was changed; your text is kept in ${outcome.file}`, 'error');
    },
    decideToggle() {
      const decision = get().decision;
      if (decision) set({ decision: { ...decision, focus: decision.focus === 're-edit' ? 'discard' : 're-edit' } });
    },
    decideAccept() {
      const decision = get().decision;
      if (!decision) return;
      set({ decision: null });
      decision.resolve(decision.focus);
    },
    decideKeep() {
      const decision = get().decision;
      if (!decision) return;
      set({ decision: null });
      decision.resolve('keep');
    },
    openRenamePrompt() {
      const picked = selection();
      if (picked) set({ prompt: { purpose: 'rename', title: `New name for “${picked.snapshot}”`, value: picked.snapshot, cursor: picked.snapshot.length }, inputMode: 'prompt' });
    },
    async openDescriptionPrompt() {
      const picked = selection();
      if (!picked) return;
      // Edit the description libvirt has, not an empty one: after a change the details are read
      // again, and a prompt opened meanwhile would otherwise start empty and lose the old text.
      let description = picked.description;
      if (description === undefined) {
        try {
          description = (await host.snapshot(picked.domain, picked.snapshot)).detail.description;
        } catch (error) {
          return fail(error);
        }
      }
      const value = description ?? '';
      set({ prompt: { purpose: 'description', title: `Description of “${picked.snapshot}” (empty removes it)`, value, cursor: value.length }, inputMode: 'prompt' });
    },
    promptType(text) {
      const prompt = get().prompt;
      if (!prompt) return;
      const line = { text: prompt.value, cursor: prompt.cursor };
      const next = text === null ? editLine(line, 'erase-back') : insertText(line, text);
      set({ prompt: { ...prompt, value: next.text, cursor: next.cursor } });
    },
    async promptSubmit() {
      const prompt = get().prompt;
      const picked = selection();
      if (!prompt || !picked) return;
      set({ prompt: null, inputMode: 'normal' });
      try {
        if (prompt.purpose === 'rename') {
          if (prompt.value === '') {
            // Nothing was renamed: the prompt stays open with what was there, and says why.
            set({ prompt, inputMode: 'prompt' });
            return get().say('the new name is empty: type a name, or Esc to cancel', 'error');
          }
          if (prompt.value === picked.snapshot) return get().say('rename cancelled: the name is unchanged');
          await rename(prompt.value);
        } else {
          const flow = await planDescription(host, { domain: picked.domain, snapshot: picked.snapshot, description: prompt.value === '' ? null : prompt.value });
          if (flow.params.unchanged) return get().say('description unchanged');
          await runMetadataFlow(flow);
          get().say(`description of “${picked.snapshot}” saved`);
          await get().refresh();
        }
      } catch (error) {
        // The typed text goes back into the prompt: nothing the operator typed is lost.
        set({ prompt, inputMode: 'prompt' });
        fail(error);
      }
    },
    promptCancel() {
      set({ prompt: null, inputMode: 'normal' });
    },
    async setCurrent() {
      const picked = selection();
      if (!picked) return;
      try {
        const flow = await planCurrent(host, { domain: picked.domain, snapshot: picked.snapshot });
        if (flow.params.unchanged) return get().say(`“${picked.snapshot}” already is the current snapshot`);
        await runMetadataFlow(flow);
        get().say(`“${picked.snapshot}” is now the current snapshot`);
        await get().refresh();
      } catch (error) {
        fail(error);
      }
    },
  };
}
