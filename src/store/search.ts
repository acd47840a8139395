// Search: the tree search and the domain filter (both typed after `/`), jumping between
// matches, and the help overlay's filter and scroll.

import { matchesSearch, selectedTree, type SearchActions, type SearchState } from './app-state.js';
import type { SliceContext } from './slice.js';

export const initialSearch: SearchState = {
  treeSearch: '',
  searchCursor: 0,
  helpOpen: false,
  helpFilter: '',
  helpScroll: 0,
  helpMaxScroll: 0,
};

export function searchSlice({ get, set, loaders }: SliceContext): SearchActions {
  return {
    startSearch() {
      const focus = get().focus;
      if (focus === 'domains') set({ inputMode: 'search', domainFilter: '', searchCursor: 0 });
      else set({ inputMode: 'search', treeSearch: '', searchCursor: 0, focus: 'snapshots' });
    },
    jumpToMatch(direction) {
      const state = get();
      const lines = selectedTree(state);
      if (!state.treeSearch || lines.length === 0) return;
      // The current line counts as a match only while typing (direction 1 from the search box).
      const start = state.inputMode === 'search' ? state.snapshotIndex - 1 : state.snapshotIndex;
      for (let step = 1; step <= lines.length; step++) {
        const index = (((start + direction * step) % lines.length) + lines.length) % lines.length;
        if (matchesSearch(lines[index]!.node.name, state.treeSearch)) return loaders.selectSnapshot(index);
      }
      get().say(`no snapshot matches “${state.treeSearch}”`, 'error');
    },
    toggleHelp() {
      const open = !get().helpOpen;
      set({ helpOpen: open, helpFilter: '', searchCursor: 0, helpScroll: 0, inputMode: open ? 'help-filter' : 'normal' });
    },
    scrollHelp(delta) {
      set({ helpScroll: Math.max(0, Math.min(get().helpMaxScroll, get().helpScroll + delta)) });
    },
    helpLayout(maxScroll) {
      if (maxScroll !== get().helpMaxScroll) set({ helpMaxScroll: maxScroll, helpScroll: Math.min(get().helpScroll, maxScroll) });
    },
  };
}
