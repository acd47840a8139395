// Every key the TUI knows, as data. The dispatcher, the hint bar and the help overlay all
// read this one table, so they cannot disagree.

import type { AppState } from '../src/store/app-store.js';

export type ActionId = 'up' | 'down' | 'top' | 'bottom' | 'focus' | 'refresh' | 'help' | 'log' | 'quit';

export interface KeyBinding {
  /** What the user presses: a character, or a named key (`up`, `down`, `tab`, `escape`, `return`). */
  keys: string[];
  action: ActionId;
  description: string;
  /** Shown in the hint bar (the most used ones); all appear in help. */
  hint?: string;
  /** Changes the host in a way that needs a plan and a confirmation. */
  dangerous: boolean;
  /** Why the action cannot run now, or null when it can. */
  disabledReason?: (state: AppState) => string | null;
}

export const KEYMAP: readonly KeyBinding[] = [
  { keys: ['k', 'up'], action: 'up', description: 'move up', hint: '↑↓/jk move', dangerous: false },
  { keys: ['j', 'down'], action: 'down', description: 'move down', dangerous: false },
  { keys: ['g', 'home'], action: 'top', description: 'go to the first item', dangerous: false },
  { keys: ['G', 'end'], action: 'bottom', description: 'go to the last item', dangerous: false },
  { keys: ['tab'], action: 'focus', description: 'switch between domains and snapshots', hint: 'tab pane', dangerous: false },
  {
    keys: ['r'],
    action: 'refresh',
    description: 'refresh from the host',
    hint: 'r refresh',
    dangerous: false,
    disabledReason: (s) => (s.busy ? 'a refresh is already running' : null),
  },
  { keys: ['L'], action: 'log', description: 'show or hide the virsh command log', hint: 'L log', dangerous: false },
  { keys: ['?'], action: 'help', description: 'show or hide this help', hint: '? help', dangerous: false },
  { keys: ['q'], action: 'quit', description: 'quit', hint: 'q quit', dangerous: false },
];

export function findBinding(key: string): KeyBinding | undefined {
  return KEYMAP.find((binding) => binding.keys.includes(key));
}
