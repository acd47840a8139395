// From a key to a store action: input modes first (search box, help filter), then the keymap.

import type { AppState } from '../src/store/app-store.js';
import { findBinding, type ActionId } from './keymap.js';
import { focusedField } from '../src/store/create-form.js';
import type { TerminalHandoff } from '../src/engine/editor.js';
import { isPrintable } from './key-chunks.js';

const PAGE = 10;

/** Space toggles flags and cycles choices; in text fields it is a character. */
function isToggle(state: AppState): boolean {
  const kind = state.create ? focusedField(state.create.form).kind : null;
  return kind === 'flag' || kind === 'choice';
}

export interface DispatchContext {
  state: AppState;
  quit: () => void;
  /** Hands the terminal to an editor and takes it back. */
  handoff: TerminalHandoff;
}

/** Returns true when the key did something. */
const isText = (name: string, input: string) => name === input && isPrintable(input);

export function dispatchKey(name: string, input: string, { state, quit, handoff }: DispatchContext): boolean {
  if (state.editorOpen) return false;
  if (state.inputMode === 'prompt') {
    if (name === 'escape') state.promptCancel();
    else if (name === 'return') void state.promptSubmit();
    else if (name === 'backspace') state.promptType(null);
    else if (isText(name, input)) state.promptType(input);
    else return false;
    return true;
  }
  if (state.inputMode === 'decide') {
    if (name === 'escape') state.decideKeep();
    else if (name === 'return') state.decideAccept();
    else if (name === 'tab' || name === 'left' || name === 'right') state.decideToggle();
    else return false;
    return true;
  }
  if (state.inputMode === 'create') {
    if (name === 'escape') state.createCancel();
    else if (name === 'return') void state.createSubmit();
    else if (name === 'up') state.createMove(-1);
    else if (name === 'down' || name === 'tab') state.createMove(1);
    else if (name === 'left') state.createChange(-1);
    else if (name === 'right') state.createChange(1);
    else if (name === 'backspace') state.createType(null);
    else if (name === ' ' && state.create && isToggle(state)) state.createChange(1);
    else if (input && name === input && isPrintable(input)) state.createType(input);
    else return false;
    return true;
  }
  if (state.inputMode === 'confirm') {
    if (name === 'escape') state.confirmCancel();
    else if (name === 'return') void state.confirmAccept();
    else if (name === 'tab' || name === 'left' || name === 'right') state.confirmToggleFocus();
    else if (name === 'backspace') state.eraseInput();
    else if (input && name === input && isPrintable(input)) state.typeInput(input);
    else return false;
    return true;
  }
  if (state.inputMode !== 'normal') {
    if (name === 'escape') state.cancelInput();
    else if (name === 'return') state.confirmInput();
    else if (name === 'backspace') state.eraseInput();
    else if (state.inputMode === 'help-filter' && name === '?') state.toggleHelp();
    else if (input && name === input && isPrintable(input)) state.typeInput(input);
    else return false;
    return true;
  }
  const binding = findBinding(name);
  if (!binding || binding.disabledReason?.(state)) return false;
  const xmlShown = state.view === 'xml';
  const actions: Record<ActionId, () => void> = {
    up: () => state.moveSelection(-1),
    down: () => state.moveSelection(1),
    'page-up': () => (xmlShown ? state.scrollXml(-PAGE) : state.moveSelection(-PAGE)),
    'page-down': () => (xmlShown ? state.scrollXml(PAGE) : state.moveSelection(PAGE)),
    top: () => state.moveSelection(-1e9),
    bottom: () => state.moveSelection(1e9),
    focus: () => state.toggleFocus(),
    open: () => state.focusSnapshots(),
    search: () => state.startSearch(),
    'next-match': () => state.jumpToMatch(1),
    'previous-match': () => state.jumpToMatch(-1),
    clear: () => (state.view !== 'details' ? state.setView('details') : state.cancelInput()),
    'view-xml': () => state.setView('xml'),
    'view-disks': () => state.setView('disks'),
    create: () => void state.openCreate(),
    'edit-xml': () => void state.editXml(handoff),
    rename: () => state.openRenamePrompt(),
    describe: () => state.openDescriptionPrompt(),
    'set-current': () => void state.setCurrent(),
    revert: () => void state.openRevert(),
    delete: () => void state.openDelete(false),
    'delete-tree': () => void state.openDelete(true),
    jobs: () => state.toggleJobs(),
    'abort-job': () => state.openAbortJob(),
    'pivot-job': () => void state.pivotJob(),
    refresh: () => void state.refresh(),
    log: () => state.toggleLog(),
    help: () => state.toggleHelp(),
    quit,
  };
  actions[binding.action]();
  return true;
}
