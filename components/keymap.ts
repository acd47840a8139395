// Every key the TUI knows, as data. The dispatcher, the hint bar and the help overlay all
// read this one table, so they cannot disagree.

import { selectedDomain, type AppState } from '../src/store/app-store.js';

export type ActionId =
  | 'up'
  | 'down'
  | 'page-up'
  | 'page-down'
  | 'top'
  | 'bottom'
  | 'focus'
  | 'open'
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

/** Why a change to the selected snapshot cannot start now. */
const cannotChange = (s: AppState) => {
  if (s.readonly) return 'the connection is read-only (started with --readonly)';
  if (s.focus !== 'snapshots' || !s.domains) return 'select a snapshot first (Tab to the tree)';
  return null;
};

const hasJob = (s: AppState) => Object.values(s.jobs).some((j) => j.domain === selectedDomain(s)?.name);

const noSearch = (s: AppState) => (s.treeSearch ? null : 'no search: press / first');

export const KEYMAP: readonly KeyBinding[] = [
  { keys: ['k', 'up'], action: 'up', description: 'move up', hint: '↑↓ move', dangerous: false },
  { keys: ['j', 'down'], action: 'down', description: 'move down', dangerous: false },
  { keys: ['pageup'], action: 'page-up', description: 'move (or scroll the XML) a page up', dangerous: false },
  { keys: ['pagedown'], action: 'page-down', description: 'move (or scroll the XML) a page down', dangerous: false },
  { keys: ['g', 'home'], action: 'top', description: 'go to the first item', dangerous: false },
  { keys: ['G', 'end'], action: 'bottom', description: 'go to the last item', dangerous: false },
  { keys: ['tab'], action: 'focus', description: 'switch between domains and snapshots', hint: 'tab pane', dangerous: false },
  { keys: ['return', 'l', 'right'], action: 'open', description: "open the domain's snapshot tree", dangerous: false },
  { keys: ['/'], action: 'search', description: 'search snapshots (filter domains in the domain pane)', hint: '/ search', dangerous: false },
  { keys: ['n'], action: 'next-match', description: 'next search match', dangerous: false, disabledReason: noSearch },
  { keys: ['N'], action: 'previous-match', description: 'previous search match', dangerous: false, disabledReason: noSearch },
  { keys: ['escape'], action: 'clear', description: 'clear the search or filter, close the view', dangerous: false },
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
  { keys: ['L'], action: 'log', description: 'show or hide the virsh command log', hint: 'L log', dangerous: false },
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

export type ModalMode = 'confirm' | 'flows' | 'journal' | 'create' | 'prompt' | 'decide';

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
  | 'erase';

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
      { keys: ['backspace'], action: 'erase', description: 'erase the last typed character' },
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
      { keys: ['return'], action: 'accept', description: 'create (on the Create button)' },
      { keys: ['up'], action: 'up', description: 'previous field' },
      { keys: ['down', 'tab'], action: 'down', description: 'next field' },
      { keys: ['left'], action: 'left', description: 'previous choice' },
      { keys: ['right'], action: 'right', description: 'next choice' },
      { keys: [' '], action: 'toggle', description: 'toggle a flag or cycle a choice (in a text field: a space)' },
      { keys: ['backspace'], action: 'erase', description: 'erase the last character' },
    ],
    text: 'typed into the focused text field',
  },
  prompt: {
    bindings: [
      { keys: ['escape'], action: 'cancel', description: 'cancel' },
      { keys: ['return'], action: 'accept', description: 'save' },
      { keys: ['backspace'], action: 'erase', description: 'erase the last character' },
    ],
    text: 'typed into the field',
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

/** A dialog's hint line, from its table. */
export function modalHints(mode: ModalMode): string {
  return MODAL_KEYMAP[mode].bindings
    .filter((b) => b.hint)
    .map((b) => b.hint)
    .join('  ');
}
