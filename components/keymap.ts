// Every key the TUI knows, as data. The dispatcher, the hint bar and the help overlay all
// read this one table, so they cannot disagree.

import { selectedDomain, selectedNode, type AppState } from '../src/store/app-store.js';
import type { LineEditAction } from '../src/store/line-edit.js';

export type ActionId =
  | 'up'
  | 'down'
  | 'page-up'
  | 'page-down'
  | 'top'
  | 'bottom'
  | 'focus'
  | 'focus-previous'
  | 'back'
  | 'open'
  | 'collapse'
  | 'expand-all'
  | 'jump-current'
  | 'zoom'
  | 'wrap'
  | 'search'
  | 'next-match'
  | 'previous-match'
  | 'clear'
  | 'view-xml'
  | 'view-disks'
  | 'create'
  | 'edit-xml'
  | 'rename'
  | 'describe'
  | 'set-current'
  | 'revert'
  | 'delete'
  | 'delete-tree'
  | 'merge'
  | 'flatten'
  | 'copy'
  | 'backup'
  | 'capture'
  | 'checkpoints'
  | 'jobs'
  | 'journal'
  | 'abort-job'
  | 'pivot-job'
  | 'refresh'
  | 'log'
  | 'help'
  | 'quit';

export interface KeyBinding {
  /** What the user presses: a character, or a named key (`up`, `down`, `tab`, `escape`, `return`). */
  keys: string[];
  action: ActionId;
  description: string;
  /** Shown in the hint bar (the most used ones); every binding appears in help. */
  hint?: string;
  /** Changes the host in a way that needs a plan and a confirmation. */
  dangerous: boolean;
  /** Why the action cannot run now, or null when it can. */
  disabledReason?: (state: AppState) => string | null;
}

const inTree = (s: AppState) => s.focus === 'snapshots' || s.focus === 'details';

/** Why a change to the selected snapshot cannot start now. */
const cannotChange = (s: AppState) => {
  if (s.readonly) return 'the connection is read-only (started with --readonly)';
  const domain = selectedDomain(s);
  if (!domain) return s.domains ? 'no domain selected' : 'the domains are not loaded yet';
  const forest = s.forests[domain.name];
  if (forest && forest.count === 0) return `${domain.name} has no snapshots`;
  if (!inTree(s)) return 'select a snapshot first (Tab or Enter to the tree)';
  if (!selectedNode(s)) return 'no snapshot selected';
  return null;
};

const needsTree = (s: AppState) => {
  const domain = selectedDomain(s);
  if (!domain) return 'no domain selected';
  const forest = s.forests[domain.name];
  if (forest && forest.count === 0) return `${domain.name} has no snapshots`;
  return null;
};

/** Why a merge, flatten or copy cannot start now (from the tree or the disks view). */
const cannotMerge = (s: AppState) => {
  if (s.readonly) return 'the connection is read-only (started with --readonly)';
  if (!selectedDomain(s)) return s.domains ? 'no domain selected' : 'the domains are not loaded yet';
  if (s.mergeRun) return `${s.mergeRun.title} still runs: one at a time (a aborts it)`;
  return null;
};

const hasJob = (s: AppState) => Object.values(s.jobs).some((j) => j.domain === selectedDomain(s)?.name);

const noSearch = (s: AppState) => (s.treeSearch ? null : 'no search: press / first');

export const KEYMAP: readonly KeyBinding[] = [
  { keys: ['k', 'up'], action: 'up', description: 'move up', hint: '↑↓ move', dangerous: false },
  { keys: ['j', 'down'], action: 'down', description: 'move down', dangerous: false },
  { keys: ['pageup'], action: 'page-up', description: 'move (or scroll the XML, the details or the log) a page up', dangerous: false },
  { keys: ['pagedown'], action: 'page-down', description: 'move (or scroll the XML, the details or the log) a page down', dangerous: false },
  { keys: ['g', 'home'], action: 'top', description: 'go to the first item', dangerous: false },
  { keys: ['G', 'end'], action: 'bottom', description: 'go to the last item', dangerous: false },
  { keys: ['tab'], action: 'focus', description: 'next pane: domains, snapshots, details, then the log and jobs when open', hint: 'tab pane', dangerous: false },
  { keys: ['shift-tab'], action: 'focus-previous', description: 'previous pane', dangerous: false },
  { keys: ['return', 'l', 'right'], action: 'open', description: "open the domain's snapshot tree", dangerous: false },
  { keys: ['h', 'left'], action: 'back', description: 'back one pane, towards the domains', dangerous: false },
  {
    keys: ['z'],
    action: 'collapse',
    description: "collapse or expand the selected snapshot's subtree",
    dangerous: false,
    disabledReason: (s) => needsTree(s) ?? (inTree(s) ? null : 'select a snapshot first (Tab or Enter to the tree)'),
  },
  { keys: ['Z'], action: 'expand-all', description: 'expand every collapsed subtree', dangerous: false, disabledReason: needsTree },
  {
    keys: ['*'],
    action: 'jump-current',
    description: 'jump to the current snapshot',
    dangerous: false,
    disabledReason: (s) => {
      const domain = selectedDomain(s);
      if (!domain) return 'no domain selected';
      return s.forests[domain.name]?.current ? null : `${domain.name} has no current snapshot`;
    },
  },
  { keys: ['F'], action: 'zoom', description: 'the detail pane full screen (again: back)', dangerous: false },
  { keys: ['w'], action: 'wrap', description: 'wrap long XML lines (again: cut them)', dangerous: false },
  { keys: ['/'], action: 'search', description: 'search snapshots (filter domains in the domain pane)', hint: '/ search', dangerous: false },
  { keys: ['n'], action: 'next-match', description: 'next search match', dangerous: false, disabledReason: noSearch },
  { keys: ['N'], action: 'previous-match', description: 'previous search match', dangerous: false, disabledReason: noSearch },
  { keys: ['escape'], action: 'clear', description: 'close the view, clear the search or filter, or back to the domains', dangerous: false },
  { keys: ['x'], action: 'view-xml', description: "show the snapshot's XML (again: details)", hint: 'x xml', dangerous: false },
  { keys: ['d'], action: 'view-disks', description: 'show disks and backing chains (again: details)', hint: 'd disks', dangerous: false },
  {
    keys: ['c'],
    action: 'create',
    description: 'create a snapshot of the selected domain (shows the plan first)',
    hint: 'c create',
    dangerous: false,
    disabledReason: (s) => (s.readonly ? 'the connection is read-only (started with --readonly)' : s.domains?.length ? null : 'no domain selected'),
  },
  { keys: ['e'], action: 'edit-xml', description: "edit the snapshot's XML in $VISUAL/$EDITOR", hint: 'e edit', dangerous: false, disabledReason: cannotChange },
  { keys: ['R'], action: 'rename', description: 'rename the snapshot (children stay attached)', dangerous: false, disabledReason: cannotChange },
  { keys: ['t'], action: 'describe', description: "edit the snapshot's description", dangerous: false, disabledReason: cannotChange },
  { keys: ['s'], action: 'set-current', description: 'make the snapshot the current one', dangerous: false, disabledReason: cannotChange },
  { keys: ['v'], action: 'revert', description: 'revert the domain to this snapshot', hint: 'v revert', dangerous: true, disabledReason: cannotChange },
  { keys: ['D'], action: 'delete', description: 'delete this snapshot (children move up)', hint: 'D delete', dangerous: true, disabledReason: cannotChange },
  { keys: ['X'], action: 'delete-tree', description: 'delete this snapshot and all its descendants', dangerous: true, disabledReason: cannotChange },
  {
    keys: ['m'],
    action: 'merge',
    description: "merge the snapshot's layer into its backing file (commit; qemu-img if off)",
    hint: 'm merge',
    dangerous: true,
    disabledReason: cannotMerge,
  },
  {
    keys: ['f'],
    action: 'flatten',
    description: 'flatten: pull the layers below the top into it (pull; qemu-img if off)',
    dangerous: true,
    disabledReason: cannotMerge,
  },
  {
    keys: ['y'],
    action: 'copy',
    description: "copy a running domain's disk to a new file (disks view), then pivot",
    dangerous: true,
    disabledReason: (s) => cannotMerge(s) ?? (s.view === 'disks' ? null : 'open the disks view (d) first'),
  },
  {
    keys: ['b'],
    action: 'backup',
    description: "back up the domain's disks through a temporary snapshot (a form, then the plan)",
    dangerous: true,
    disabledReason: (s) => (s.readonly ? 'the connection is read-only (started with --readonly)' : selectedDomain(s) ? null : 'no domain selected'),
  },
  {
    keys: ['C'],
    action: 'capture',
    description: 'capture state: every method (snapshot, backups, save, managed save, checkpoints) with its trade-offs',
    hint: 'C capture',
    dangerous: false,
    disabledReason: (s) => (selectedDomain(s) ? null : 'no domain selected'),
  },
  {
    keys: ['K'],
    action: 'checkpoints',
    description: "the domain's checkpoints, with their disks and bitmaps (D deletes one)",
    dangerous: false,
    disabledReason: (s) => (selectedDomain(s) ? null : 'no domain selected'),
  },
  { keys: ['H'], action: 'journal', description: 'history: the journal of flows (continue, roll back or resolve an unfinished one)', hint: 'H history', dangerous: false },
  { keys: ['J'], action: 'jobs', description: 'show or hide the block jobs panel', hint: 'J jobs', dangerous: false },
  {
    keys: ['a'],
    action: 'abort-job',
    description: "abort the selected domain's block job",
    dangerous: true,
    disabledReason: (s) => (s.readonly ? 'the connection is read-only (started with --readonly)' : hasJob(s) ? null : 'the selected domain has no running block job'),
  },
  {
    keys: ['p'],
    action: 'pivot-job',
    description: "pivot the selected domain's active commit once it is ready",
    dangerous: false,
    disabledReason: (s) => {
      if (s.readonly) return 'the connection is read-only (started with --readonly)';
      const job = Object.values(s.jobs).find((j) => j.domain === selectedDomain(s)?.name);
      if (!job) return 'the selected domain has no running block job';
      return job.phase === 'ready' ? null : `the job is ${job.phase}: a pivot needs it ready (caught up with the guest)`;
    },
  },
  {
    keys: ['r'],
    action: 'refresh',
    description: 'refresh from the host',
    hint: 'r refresh',
    dangerous: false,
    disabledReason: (s) => (s.busy ? 'a refresh is already running' : null),
  },
  { keys: ['L'], action: 'log', description: 'show or hide the virsh command log (Tab focuses it; ↑↓ PgUp/PgDn scroll)', hint: 'L log', dangerous: false },
  { keys: ['?'], action: 'help', description: 'show or hide this help (type to filter)', hint: '? help', dangerous: false },
  { keys: ['q'], action: 'quit', description: 'quit', hint: 'q quit', dangerous: false },
];

export function findBinding(key: string): KeyBinding | undefined {
  return KEYMAP.find((binding) => binding.keys.includes(key));
}

export function filterBindings(filter: string): KeyBinding[] {
  const f = filter.toLowerCase();
  return KEYMAP.filter((b) => !f || b.description.toLowerCase().includes(f) || b.keys.some((k) => k.toLowerCase() === f));
}

// Keys inside dialogs and forms. Each mode has its own table; what a key does depends only on
// the mode, and, where a mode has a text field, printable text that no binding takes is typed.

export type ModalMode = 'confirm' | 'flows' | 'journal' | 'create' | 'prompt' | 'decide' | 'search' | 'help-filter' | 'merge' | 'capture' | 'capture-form' | 'checkpoints' | 'capture-storage';

export type ModalActionId =
  | 'cancel'
  | 'accept'
  | 'next-field'
  | 'previous-field'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'toggle'
  | 'page-up'
  | 'page-down'
  | 'top'
  | 'bottom'
  | 'erase'
  | 'delete'
  | LineEditAction;

export interface ModalBinding {
  keys: string[];
  action: ModalActionId;
  description: string;
  /** Shown in the dialog's own hint line. */
  hint?: string;
}

export interface ModalKeymap {
  bindings: readonly ModalBinding[];
  /** What printable text that no binding takes does, when the mode has a text field. */
  text?: string;
}

/**
 * Every text input edits as readline does. These come after a mode's own bindings: where a key
 * means something else in a mode (← on a choice), the mode's binding is tried first and passes
 * the key on when the focus is in text.
 */
export const LINE_EDIT_BINDINGS: readonly ModalBinding[] = [
  { keys: ['left', 'ctrl-b'], action: 'cursor-left', description: 'cursor one character left' },
  { keys: ['right', 'ctrl-f'], action: 'cursor-right', description: 'cursor one character right' },
  { keys: ['home', 'ctrl-a'], action: 'line-start', description: 'cursor to the start of the line' },
  { keys: ['end', 'ctrl-e'], action: 'line-end', description: 'cursor to the end of the line' },
  { keys: ['meta-b'], action: 'word-left', description: 'cursor one word left' },
  { keys: ['meta-f'], action: 'word-right', description: 'cursor one word right' },
  { keys: ['backspace', 'ctrl-h'], action: 'erase-back', description: 'erase the character before the cursor' },
  { keys: ['delete', 'ctrl-d'], action: 'erase-forward', description: 'erase the character under the cursor' },
  { keys: ['ctrl-w', 'meta-backspace'], action: 'erase-word-back', description: 'erase the word before the cursor' },
  { keys: ['ctrl-u'], action: 'erase-to-start', description: 'erase from the start of the line to the cursor' },
  { keys: ['ctrl-k'], action: 'erase-to-end', description: 'erase from the cursor to the end of the line' },
];

export const MODAL_KEYMAP: Readonly<Record<ModalMode, ModalKeymap>> = {
  confirm: {
    bindings: [
      { keys: ['return'], action: 'accept', description: 'run the focused choice (on an option or the plan: go to the confirmation)', hint: 'Enter confirm' },
      { keys: ['escape'], action: 'cancel', description: 'cancel; once the flow has ended, close', hint: 'Esc cancel' },
      { keys: ['tab'], action: 'next-field', description: 'next field: the options, the plan, the confirmation', hint: 'Tab/↑↓ field' },
      { keys: ['shift-tab'], action: 'previous-field', description: 'previous field' },
      { keys: ['up'], action: 'up', description: 'previous option (scrolls the plan when it is focused)' },
      { keys: ['down'], action: 'down', description: 'next option (scrolls the plan when it is focused)' },
      { keys: ['left'], action: 'left', description: 'change the focused option; choose Cancel or Proceed', hint: '←→/space change' },
      { keys: ['right'], action: 'right', description: 'change the focused option; choose Cancel or Proceed' },
      { keys: [' '], action: 'toggle', description: 'toggle or cycle the focused option (in the name field: a space)' },
      { keys: ['pageup'], action: 'page-up', description: 'scroll the plan a page up', hint: 'PgUp/PgDn scroll' },
      { keys: ['pagedown'], action: 'page-down', description: 'scroll the plan a page down' },
      ...LINE_EDIT_BINDINGS,
    ],
    text: 'typed into the name field of a confirmation that asks for the name',
  },
  flows: {
    bindings: [
      { keys: ['up', 'k'], action: 'up', description: 'previous unfinished flow', hint: '↑↓ flow' },
      { keys: ['down', 'j'], action: 'down', description: 'next unfinished flow' },
      { keys: ['left', 'shift-tab'], action: 'left', description: 'previous choice', hint: '←→ choice' },
      { keys: ['right', 'tab'], action: 'right', description: 'next choice' },
      { keys: ['return'], action: 'accept', description: 'do the focused choice: continue, roll back, mark resolved, or later', hint: 'Enter do it' },
      { keys: ['escape'], action: 'cancel', description: 'later: close and leave the flows unfinished', hint: 'Esc later' },
      { keys: ['pageup'], action: 'page-up', description: 'scroll the details a page up', hint: 'PgUp/PgDn scroll' },
      { keys: ['pagedown'], action: 'page-down', description: 'scroll the details a page down' },
    ],
  },
  journal: {
    bindings: [
      { keys: ['up', 'k'], action: 'up', description: 'previous (newer) flow', hint: '↑↓ move' },
      { keys: ['down', 'j'], action: 'down', description: 'next (older) flow' },
      { keys: ['pageup'], action: 'page-up', description: 'a page up' },
      { keys: ['pagedown'], action: 'page-down', description: 'a page down' },
      { keys: ['g', 'home'], action: 'top', description: 'the newest flow' },
      { keys: ['G', 'end'], action: 'bottom', description: 'the oldest flow' },
      { keys: ['return'], action: 'accept', description: 'an unfinished flow: continue, roll back or mark it resolved', hint: 'Enter act on unfinished' },
      { keys: ['escape', 'H'], action: 'cancel', description: 'close the journal', hint: 'Esc close' },
    ],
  },
  create: {
    bindings: [
      { keys: ['escape'], action: 'cancel', description: 'close the form without creating' },
      { keys: ['return'], action: 'accept', description: 'create (on the Create button or in a text field; on a choice or flag: next field)' },
      { keys: ['up', 'shift-tab'], action: 'up', description: 'previous field' },
      { keys: ['down', 'tab'], action: 'down', description: 'next field' },
      { keys: ['left'], action: 'left', description: 'previous choice (in a text field: the cursor)' },
      { keys: ['right'], action: 'right', description: 'next choice (in a text field: the cursor)' },
      { keys: [' '], action: 'toggle', description: 'toggle a flag or cycle a choice (in a text field: a space)' },
      { keys: ['pageup'], action: 'page-up', description: 'scroll the plan a page up' },
      { keys: ['pagedown'], action: 'page-down', description: 'scroll the plan a page down' },
      ...LINE_EDIT_BINDINGS,
    ],
    text: 'typed into the focused text field',
  },
  prompt: {
    bindings: [
      { keys: ['escape'], action: 'cancel', description: 'cancel' },
      { keys: ['return'], action: 'accept', description: 'save' },
      ...LINE_EDIT_BINDINGS,
    ],
    text: 'typed into the field',
  },
  search: {
    bindings: [
      { keys: ['escape'], action: 'cancel', description: 'clear the search or filter' },
      { keys: ['return'], action: 'accept', description: 'keep the search or filter and go back to moving' },
      ...LINE_EDIT_BINDINGS,
    ],
    text: 'typed into the search box',
  },
  'help-filter': {
    bindings: [
      { keys: ['escape', '?'], action: 'cancel', description: 'close the help' },
      { keys: ['return'], action: 'accept', description: 'stop filtering (the help stays open)' },
      { keys: ['up'], action: 'up', description: 'scroll the help up' },
      { keys: ['down'], action: 'down', description: 'scroll the help down' },
      { keys: ['pageup'], action: 'page-up', description: 'scroll the help a page up' },
      { keys: ['pagedown'], action: 'page-down', description: 'scroll the help a page down' },
      ...LINE_EDIT_BINDINGS,
    ],
    text: 'typed into the filter',
  },
  merge: {
    bindings: [
      { keys: ['return'], action: 'accept', description: 'the pre-flight (the plan); there: the focused button', hint: 'Enter next' },
      { keys: ['escape'], action: 'cancel', description: 'back from the pre-flight; close the wizard', hint: 'Esc back' },
      { keys: ['tab'], action: 'next-field', description: 'next field: disk, range, options', hint: 'Tab field' },
      { keys: ['shift-tab'], action: 'previous-field', description: 'previous field' },
      { keys: ['up'], action: 'up', description: 'on the range: move the mark up the chain (elsewhere: previous field; the pre-flight: scroll)', hint: '↑↓ mark' },
      { keys: ['down'], action: 'down', description: 'on the range: move the mark down the chain (elsewhere: next field; the pre-flight: scroll)' },
      { keys: ['left'], action: 'left', description: 'change the focused option (the range: top or base mark); Cancel or Proceed', hint: '←→ change' },
      { keys: ['right'], action: 'right', description: 'change the focused option (the range: top or base mark); Cancel or Proceed' },
      { keys: [' '], action: 'toggle', description: 'toggle or cycle the focused option (in the destination: a space)' },
      { keys: ['pageup'], action: 'page-up', description: 'scroll the pre-flight a page up' },
      { keys: ['pagedown'], action: 'page-down', description: 'scroll the pre-flight a page down' },
      { keys: ['backspace', 'ctrl-h'], action: 'erase-back', description: 'erase the character before the cursor (the destination)' },
    ],
    text: "typed into the copy's destination",
  },
  capture: {
    bindings: [
      { keys: ['up', 'k'], action: 'up', description: 'previous method', hint: '↑↓ method' },
      { keys: ['down', 'j'], action: 'down', description: 'next method' },
      { keys: ['return'], action: 'accept', description: 'use the selected method (its form or its plan)', hint: 'Enter choose' },
      { keys: ['pageup'], action: 'page-up', description: "scroll the method's details up", hint: 'PgUp/PgDn details' },
      { keys: ['pagedown'], action: 'page-down', description: "scroll the method's details down" },
      { keys: ['escape', 'C'], action: 'cancel', description: 'close the menu', hint: 'Esc close' },
    ],
  },
  'capture-form': {
    bindings: [
      { keys: ['return'], action: 'accept', description: 'the plan (in the confirmation dialog)', hint: 'Enter plan' },
      { keys: ['escape'], action: 'cancel', description: 'close the form', hint: 'Esc close' },
      { keys: ['tab', 'down'], action: 'down', description: 'next field', hint: 'Tab/↑↓ field' },
      { keys: ['shift-tab', 'up'], action: 'up', description: 'previous field' },
      { keys: ['left'], action: 'left', description: 'previous choice or disk (in the path: the cursor)', hint: '←→ change' },
      { keys: ['right'], action: 'right', description: 'next choice or disk (in the path: the cursor)' },
      { keys: [' '], action: 'toggle', description: 'choose or leave out the disk under the cursor; cycle a choice (in the path: a space)', hint: 'space toggle' },
      ...LINE_EDIT_BINDINGS,
    ],
    text: 'typed into the directory or file',
  },
  checkpoints: {
    bindings: [
      { keys: ['up', 'k'], action: 'up', description: 'previous checkpoint', hint: '↑↓ move' },
      { keys: ['down', 'j'], action: 'down', description: 'next checkpoint' },
      { keys: ['pageup'], action: 'page-up', description: 'a page up' },
      { keys: ['pagedown'], action: 'page-down', description: 'a page down' },
      { keys: ['D'], action: 'delete', description: 'delete the selected checkpoint (the plan, then type its name)', hint: 'D delete' },
      { keys: ['escape', 'K'], action: 'cancel', description: 'close the checkpoints', hint: 'Esc close' },
    ],
  },
  'capture-storage': {
    bindings: [
      { keys: ['left', 'shift-tab'], action: 'left', description: 'Cancel: resume the guest and discard the snapshot', hint: '←→ choose' },
      { keys: ['right', 'tab'], action: 'right', description: 'Done: the storage snapshot is taken; resume the guest' },
      { keys: ['return'], action: 'accept', description: 'do the focused choice', hint: 'Enter do it' },
      { keys: ['escape'], action: 'cancel', description: 'cancel: resume the guest and discard the snapshot', hint: 'Esc cancel' },
    ],
  },
  decide: {
    bindings: [
      { keys: ['escape'], action: 'cancel', description: 'keep the edited file and stop' },
      { keys: ['return'], action: 'accept', description: 'do the focused choice' },
      { keys: ['tab', 'left', 'right'], action: 'toggle', description: 'switch between re-edit and discard' },
    ],
  },
};

export function findModalBinding(mode: ModalMode, key: string): ModalBinding | undefined {
  return MODAL_KEYMAP[mode].bindings.find((binding) => binding.keys.includes(key));
}

/** Every binding of a mode for a key, in the order they are tried. */
export function findModalBindings(mode: ModalMode, key: string): ModalBinding[] {
  return MODAL_KEYMAP[mode].bindings.filter((binding) => binding.keys.includes(key));
}

/** A dialog's hint line, from its table. */
export function modalHints(mode: ModalMode): string {
  return MODAL_KEYMAP[mode].bindings
    .filter((b) => b.hint)
    .map((b) => b.hint)
    .join('  ');
}
