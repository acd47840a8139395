// Editing from the TUI: the whole XML in $EDITOR, the description, the current mark, and
// rename. The terminal is handed to the editor through a handoff the components provide;
// whatever the operator typed survives every problem until they choose to discard it.

import type { TerminalHandoff } from '../engine/editor.js';
import { runEditor } from '../engine/editor.js';
import type { FlowPlan } from '../engine/flows/flow-plan.js';
import { editDescription, setCurrentSnapshot } from '../engine/flows/edit-operations.js';
import { describeProblem, runEditLoop, SnapshotEditSession, type ProblemDecision } from '../engine/flows/edit-session.js';
import { planRename } from '../engine/flows/rename-flow.js';
import type { Host } from '../engine/host.js';
import { describeError } from '../engine/error-report.js';
import { openDialog, type ConfirmDialog } from './confirm.js';

export interface TextPrompt {
  purpose: 'rename' | 'description';
  title: string;
  value: string;
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
  openDescriptionPrompt(): void;
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

export function editActions(
  host: Host,
  get: () => StoreView,
  set: (patch: Patch) => void,
  /** The selected domain and snapshot (and its loaded description, when known). */
  selection: () => { domain: string; snapshot: string; description: string | null | undefined } | null,
): EditActions {
  const fail = (error: unknown) => get().say(describeError(error).message, 'error');

  const rename = async (to: string) => {
    const picked = selection();
    if (!picked) return;
    const flow = await planRename(host, { domain: picked.domain, from: picked.snapshot, to, force: false });
    // A refused rename (an internal snapshot) can still be forced, but only by typing the new name.
    const forced = flow.refusal ? await planRename(host, { domain: picked.domain, from: picked.snapshot, to, force: true }) : flow;
    const plan: FlowPlan<Host> = {
      ...forced,
      warnings: [...(flow.refusal ? [`${flow.refusal} Type the new name to rename it anyway.`] : []), ...forced.warnings],
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
            set({ decision: { message: describeProblem(problem), file: session.file, focus: 're-edit', resolve }, inputMode: 'decide' }),
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
      if (picked) set({ prompt: { purpose: 'rename', title: `New name for “${picked.snapshot}”`, value: picked.snapshot }, inputMode: 'prompt' });
    },
    openDescriptionPrompt() {
      const picked = selection();
      if (!picked) return;
      set({ prompt: { purpose: 'description', title: `Description of “${picked.snapshot}” (empty removes it)`, value: picked.description ?? '' }, inputMode: 'prompt' });
    },
    promptType(text) {
      const prompt = get().prompt;
      if (prompt) set({ prompt: { ...prompt, value: text === null ? prompt.value.slice(0, -1) : prompt.value + text } });
    },
    async promptSubmit() {
      const prompt = get().prompt;
      const picked = selection();
      if (!prompt || !picked) return;
      set({ prompt: null, inputMode: 'normal' });
      try {
        if (prompt.purpose === 'rename') {
          if (prompt.value === '' || prompt.value === picked.snapshot) return get().say('rename cancelled: the name is unchanged');
          await rename(prompt.value);
        } else {
          const result = await editDescription(host, picked.domain, picked.snapshot, prompt.value === '' ? null : prompt.value);
          get().say(result.changed ? `description of “${picked.snapshot}” saved` : 'description unchanged');
          if (result.changed) await get().refresh();
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
        await setCurrentSnapshot(host, picked.domain, picked.snapshot);
        get().say(`“${picked.snapshot}” is now the current snapshot`);
        await get().refresh();
      } catch (error) {
        fail(error);
      }
    },
  };
}
