// From a key to a store action: input modes first (search box, help filter), then the keymap.

import type { AppState } from '../src/store/app-store.js';
import { findBinding, findModalBinding, MODAL_KEYMAP, type ActionId, type ModalActionId, type ModalMode } from './keymap.js';
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

type ModalHandlers = Partial<Record<ModalActionId, () => boolean | void>>;

/** What each modal action does in each mode; a handler returning false leaves the key unused. */
function modalHandlers(mode: ModalMode, state: AppState): ModalHandlers {
  switch (mode) {
    case 'prompt':
      return { cancel: () => state.promptCancel(), accept: () => void state.promptSubmit(), erase: () => state.promptType(null) };
    case 'decide':
      return { cancel: () => state.decideKeep(), accept: () => state.decideAccept(), toggle: () => state.decideToggle() };
    case 'create':
      return {
        cancel: () => state.createCancel(),
        accept: () => void state.createSubmit(),
        up: () => state.createMove(-1),
        down: () => state.createMove(1),
        left: () => state.createChange(-1),
        right: () => state.createChange(1),
        toggle: () => (state.create && isToggle(state) ? state.createChange(1) : false),
        erase: () => state.createType(null),
      };
    case 'confirm':
      return {
        cancel: () => state.confirmCancel(),
        accept: () => void state.confirmAccept(),
        'next-field': () => state.confirmMoveField(1),
        'previous-field': () => state.confirmMoveField(-1),
        up: () => state.confirmArrow(-1),
        down: () => state.confirmArrow(1),
        left: () => state.confirmChange(-1),
        right: () => state.confirmChange(1),
        toggle: () => state.confirmToggle(),
        'page-up': () => state.confirmScroll(-PAGE),
        'page-down': () => state.confirmScroll(PAGE),
        erase: () => state.confirmType(null),
      };
    case 'flows':
      return {
        up: () => state.flowsSelect(-1),
        down: () => state.flowsSelect(1),
        left: () => state.flowsChoose(-1),
        right: () => state.flowsChoose(1),
        accept: () => void state.flowsAccept(),
        cancel: () => state.flowsLater(),
        'page-up': () => state.flowsScroll(-PAGE),
        'page-down': () => state.flowsScroll(PAGE),
      };
    case 'journal':
      return {
        up: () => state.journalMove(-1),
        down: () => state.journalMove(1),
        'page-up': () => state.journalMove(-PAGE),
        'page-down': () => state.journalMove(PAGE),
        top: () => state.journalMove(-Infinity),
        bottom: () => state.journalMove(Infinity),
        accept: () => state.journalAccept(),
        cancel: () => state.closeJournal(),
      };
  }
}

/** Text typed into a mode's field, for modes that have one. */
function typeText(mode: ModalMode, state: AppState, text: string): boolean {
  if (mode === 'prompt') state.promptType(text);
  else if (mode === 'create') state.createType(text);
  else if (mode === 'confirm') state.confirmType(text);
  else return false;
  return true;
}

const MODAL_MODES: readonly string[] = ['confirm', 'flows', 'journal', 'create', 'prompt', 'decide'];

export function dispatchKey(name: string, input: string, { state, quit, handoff }: DispatchContext): boolean {
  if (state.editorOpen) return false;
  if (MODAL_MODES.includes(state.inputMode)) {
    const mode = state.inputMode as ModalMode;
    const binding = findModalBinding(mode, name);
    if (binding) {
      const handler = modalHandlers(mode, state)[binding.action];
      if (handler && handler() !== false) return true;
    }
    if (MODAL_KEYMAP[mode].text && isText(name, input)) return typeText(mode, state, input);
    return false;
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
    journal: () => state.openJournal(),
    refresh: () => void state.refresh(),
    log: () => state.toggleLog(),
    help: () => state.toggleHelp(),
    quit,
  };
  actions[binding.action]();
  return true;
}
