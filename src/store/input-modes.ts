// Text inputs: which one the keys edit now (the search box, the help filter, the prompt, the
// create form's focused text field, a confirmation's typed name), and editing it as readline
// does through the one line editor.

import { selectedDomain, selectedSnapshotName, type AppState, type InputActions } from './app-state.js';
import { CONFIRMATION_FIELD } from './confirm.js';
import { textValue, withTextValue } from './create-form.js';
import { editLine, insertText, type LineEditAction, type LineInput } from './line-edit.js';
import { keepSelection } from './navigation.js';
import type { SliceContext } from './slice.js';

interface TextTarget {
  line: LineInput;
  store(line: LineInput): void;
}

/** The text input that has the keys now, or null. */
export function activeTextInput(ctx: SliceContext): TextTarget | null {
  const { get, set, loaders } = ctx;
  const state = get();
  switch (state.inputMode) {
    case 'search':
      if (state.focus === 'domains') {
        return {
          line: { text: state.domainFilter, cursor: state.searchCursor },
          store(line) {
            const before = selectedDomain(get())?.name;
            set({ domainFilter: line.text, searchCursor: line.cursor });
            // The selected domain stays selected while it matches; otherwise the first match.
            keepSelection(get, set, before, selectedSnapshotName(get()));
            if (selectedDomain(get())?.name !== before) {
              set({ snapshotIndex: 0, xmlScroll: 0 });
              loaders.selectDomain(get().domainIndex);
            }
          },
        };
      }
      return {
        line: { text: state.treeSearch, cursor: state.searchCursor },
        store(line) {
          set({ treeSearch: line.text, searchCursor: line.cursor });
          get().jumpToMatch(1);
        },
      };
    case 'help-filter':
      return {
        line: { text: state.helpFilter, cursor: state.searchCursor },
        store: (line) => set({ helpFilter: line.text, searchCursor: line.cursor, helpScroll: 0 }),
      };
    case 'prompt': {
      const prompt = state.prompt;
      if (!prompt) return null;
      return {
        line: { text: prompt.value, cursor: prompt.cursor },
        store: (line) => set({ prompt: { ...prompt, value: line.text, cursor: line.cursor } }),
      };
    }
    case 'create': {
      const dialog = state.create;
      if (!dialog || dialog.phase !== 'editing') return null;
      const value = textValue(dialog.form);
      if (value === null) return null;
      return {
        line: { text: value, cursor: Math.min(dialog.form.cursor, value.length) },
        store: (line) => get().createReplace(withTextValue(dialog.form, line)),
      };
    }
    case 'confirm': {
      const dialog = state.confirm;
      if (!dialog || dialog.phase !== 'confirming' || dialog.plan.confirmation.kind !== 'type-name' || dialog.field !== CONFIRMATION_FIELD) return null;
      return {
        line: { text: dialog.typed, cursor: dialog.cursor },
        store: (line) => set({ confirm: { ...dialog, typed: line.text, cursor: line.cursor, hint: null } }),
      };
    }
    default:
      return null;
  }
}

export function inputSlice(ctx: SliceContext): InputActions {
  const { get, set, loaders } = ctx;
  return {
    typeText(text) {
      const state: AppState = get();
      // A confirmation's name field takes typing wherever the dialog's focus was.
      if (state.inputMode === 'confirm') return state.confirmType(text);
      const target = activeTextInput(ctx);
      if (target) target.store(insertText(target.line, text));
    },
    editInput(action: LineEditAction) {
      const target = activeTextInput(ctx);
      if (!target) return false;
      const next = editLine(target.line, action);
      if (next.text !== target.line.text || next.cursor !== target.line.cursor) target.store(next);
      return true;
    },
    confirmInput() {
      if (get().inputMode === 'confirm') return void get().confirmAccept();
      set({ inputMode: 'normal' });
    },
    cancelInput() {
      const state = get();
      if (state.inputMode === 'confirm') return state.confirmCancel();
      if (state.inputMode === 'help-filter') return set({ inputMode: 'normal', helpFilter: '', helpOpen: false });
      if (state.focus === 'domains') {
        // Clearing the filter keeps the domain chosen through it.
        const chosen = selectedDomain(state)?.name;
        const snapshot = selectedSnapshotName(state);
        set({ inputMode: 'normal', domainFilter: '', searchCursor: 0 });
        keepSelection(get, set, chosen, snapshot);
        loaders.loadSelectedDetails();
      } else set({ inputMode: 'normal', treeSearch: '', searchCursor: 0 });
    },
  };
}
