// From a key to a store action: an open dialog's or text input's own table first (each mode's
// table in the keymap), then the main keymap. A key that cannot run now says why.

import type { AppState } from '../src/store/app-store.js';
import { findBinding, findModalBindings, MODAL_KEYMAP, type ActionId, type ModalActionId, type ModalMode } from './keymap.js';
import { focusedField } from '../src/store/create-form.js';
import { CONFIRMATION_FIELD } from '../src/store/confirm.js';
import { isLineEditAction, LINE_EDIT_ACTIONS } from '../src/store/line-edit.js';
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

/** The create form's focus is in a text field (← → move the cursor there). */
const inCreateText = (state: AppState) => (state.create ? focusedField(state.create.form).kind === 'text' : false);
/** The confirmation's name field has focus (← → move the cursor there). */
const inConfirmText = (state: AppState) =>
  state.confirm?.phase === 'confirming' && state.confirm.plan.confirmation.kind === 'type-name' && state.confirm.field === CONFIRMATION_FIELD;

/** What each modal action does in each mode; a handler returning false leaves the key unused. */
function modalHandlers(mode: ModalMode, state: AppState): ModalHandlers {
  switch (mode) {
    case 'prompt':
      return { cancel: () => state.promptCancel(), accept: () => void state.promptSubmit() };
    case 'search':
      return { cancel: () => state.cancelInput(), accept: () => state.confirmInput() };
    case 'help-filter':
      return {
        cancel: () => state.toggleHelp(),
        accept: () => state.confirmInput(),
        up: () => state.scrollHelp(-1),
        down: () => state.scrollHelp(1),
        'page-up': () => state.scrollHelp(-PAGE),
        'page-down': () => state.scrollHelp(PAGE),
      };
    case 'decide':
      return { cancel: () => state.decideKeep(), accept: () => state.decideAccept(), toggle: () => state.decideToggle() };
    case 'create':
      return {
        cancel: () => state.createCancel(),
        accept: () => void state.createSubmit(),
        up: () => state.createMove(-1),
        down: () => state.createMove(1),
        left: () => (inCreateText(state) ? false : state.createChange(-1)),
        right: () => (inCreateText(state) ? false : state.createChange(1)),
        toggle: () => (state.create && isToggle(state) ? state.createChange(1) : false),
        'page-up': () => state.createScroll(-PAGE),
        'page-down': () => state.createScroll(PAGE),
      };
    case 'confirm':
      return {
        cancel: () => state.confirmCancel(),
        accept: () => void state.confirmAccept(),
        'next-field': () => state.confirmMoveField(1),
        'previous-field': () => state.confirmMoveField(-1),
        up: () => state.confirmArrow(-1),
        down: () => state.confirmArrow(1),
        left: () => (inConfirmText(state) ? false : state.confirmChange(-1)),
        right: () => (inConfirmText(state) ? false : state.confirmChange(1)),
        toggle: () => state.confirmToggle(),
        'page-up': () => state.confirmScroll(-PAGE),
        'page-down': () => state.confirmScroll(PAGE),
        // Erasing goes to the name field wherever the focus is, as typing does.
        'erase-back': () => (inConfirmText(state) ? false : state.confirmType(null)),
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
    case 'merge':
      return {
        cancel: () => state.mergeCancel(),
        accept: () => void state.mergeAccept(),
        'next-field': () => state.mergeMoveField(1),
        'previous-field': () => state.mergeMoveField(-1),
        up: () => state.mergeArrow(-1),
        down: () => state.mergeArrow(1),
        left: () => state.mergeChange(-1),
        right: () => state.mergeChange(1),
        // In the destination a space is typed; elsewhere it changes the option.
        toggle: () => (state.merge?.field === 'dest' && state.merge.stage === 'setup' ? false : state.mergeChange(1)),
        'page-up': () => state.mergeScroll(-PAGE),
        'page-down': () => state.mergeScroll(PAGE),
        'erase-back': () => state.mergeType(null),
      };
    case 'capture':
      return {
        up: () => state.captureMenuMove(-1),
        down: () => state.captureMenuMove(1),
        accept: () => void state.captureMenuAccept(),
        cancel: () => state.captureMenuClose(),
        'page-up': () => state.captureMenuScroll(-PAGE),
        'page-down': () => state.captureMenuScroll(PAGE),
      };
    case 'capture-form':
      return {
        accept: () => void state.captureFormSubmit(),
        cancel: () => state.captureFormCancel(),
        up: () => state.captureFormMove(-1),
        down: () => state.captureFormMove(1),
        left: () => state.captureFormChange(-1),
        right: () => state.captureFormChange(1),
        toggle: () => state.captureFormToggle(),
        // The path field edits as readline does.
        ...Object.fromEntries(LINE_EDIT_ACTIONS.map((action) => [action, () => state.captureFormEdit(action)])),
      };
    case 'capture-storage':
      return {
        left: () => state.storageChoose(-1),
        right: () => state.storageChoose(1),
        accept: () => state.storageAnswer(),
        cancel: () => state.storageAnswer('cancelled'),
      };
    case 'checkpoints':
      return {
        up: () => state.checkpointMove(-1),
        down: () => state.checkpointMove(1),
        'page-up': () => state.checkpointMove(-PAGE),
        'page-down': () => state.checkpointMove(PAGE),
        delete: () => void state.checkpointDelete(),
        cancel: () => state.closeCheckpoints(),
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

export function dispatchKey(name: string, input: string, { state, quit, handoff }: DispatchContext): boolean {
  if (state.editorOpen) return false;
  if (state.inputMode !== 'normal') {
    const mode = state.inputMode as ModalMode;
    const handlers = modalHandlers(mode, state);
    // A mode's own binding first; one that passes (returns false) leaves the key to the next.
    for (const binding of findModalBindings(mode, name)) {
      const handler = handlers[binding.action];
      if (handler && handler() !== false) return true;
      if (isLineEditAction(binding.action) && state.editInput(binding.action)) return true;
    }
    if (MODAL_KEYMAP[mode].text && isText(name, input)) {
      if (mode === 'merge') return state.mergeType(input);
      if (mode === 'capture-form') return state.captureFormType(input);
      state.typeText(input);
      return true;
    }
    return false;
  }
  const binding = findBinding(name);
  if (!binding) return false;
  const disabled = binding.disabledReason?.(state);
  if (disabled) {
    state.say(`${binding.keys[0]}: ${disabled}`, 'error');
    return true;
  }
  // PgUp/PgDn scroll what the detail pane shows when it is the XML (or it has focus).
  const scrollsDetail = state.view === 'xml' || state.focus === 'details';
  const actions: Record<ActionId, () => void> = {
    up: () => state.moveSelection(-1),
    down: () => state.moveSelection(1),
    'page-up': () => (scrollsDetail && state.focus !== 'log' ? state.scrollXml(-PAGE) : state.moveSelection(-PAGE)),
    'page-down': () => (scrollsDetail && state.focus !== 'log' ? state.scrollXml(PAGE) : state.moveSelection(PAGE)),
    top: () => state.moveSelection(-1e9),
    bottom: () => state.moveSelection(1e9),
    focus: () => state.cycleFocus(1),
    'focus-previous': () => state.cycleFocus(-1),
    back: () => state.focusBack(),
    open: () => (state.focus === 'domains' ? state.focusSnapshots() : state.focus === 'snapshots' ? state.cycleFocus(1) : undefined),
    collapse: () => state.toggleCollapse(),
    'expand-all': () => state.expandAll(),
    'jump-current': () => state.jumpToCurrent(),
    zoom: () => state.toggleZoom(),
    wrap: () => state.toggleWrap(),
    search: () => state.startSearch(),
    'next-match': () => state.jumpToMatch(1),
    'previous-match': () => state.jumpToMatch(-1),
    clear: () => {
      if (state.zoomed) state.toggleZoom();
      else if (state.view !== 'details') state.setView('details');
      else if ((state.focus === 'domains' && state.domainFilter) || (state.focus !== 'domains' && state.treeSearch)) state.cancelInput();
      else if (state.focus !== 'domains') state.focusBack();
    },
    'view-xml': () => state.setView('xml'),
    'view-disks': () => state.setView('disks'),
    create: () => void state.openCreate(),
    'edit-xml': () => void state.editXml(handoff),
    rename: () => state.openRenamePrompt(),
    describe: () => void state.openDescriptionPrompt(),
    'set-current': () => void state.setCurrent(),
    revert: () => void state.openRevert(),
    delete: () => void state.openDelete(false),
    'delete-tree': () => void state.openDelete(true),
    jobs: () => state.toggleJobs(),
    // A merge, flatten or copy started here is aborted through its own flow (offline: qemu-img is stopped).
    'abort-job': () => void (state.openMergeAbort() || state.openAbortJob()),
    merge: () => void state.openMerge('commit'),
    flatten: () => void state.openMerge('pull'),
    copy: () => void state.openMerge('copy'),
    backup: () => void state.openCaptureForm('backup-snapshot'),
    capture: () => state.openCaptureMenu(),
    checkpoints: () => void state.openCheckpoints(),
    'pivot-job': () => void state.pivotJob(),
    journal: () => state.openJournal(),
    refresh: () => void state.refresh({ announce: true }),
    log: () => state.toggleLog(),
    help: () => state.toggleHelp(),
    quit,
  };
  actions[binding.action]();
  return true;
}
