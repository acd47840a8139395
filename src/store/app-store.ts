// The TUI's store: state and every action that talks to the engine, composed from slices
// (navigation, search, refresh, text input, status, and the dialogs: flows, edits, jobs,
// create). Components read it through selector hooks and dispatch actions; they never call
// the engine themselves.

import { existsSync } from 'node:fs';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { isLocalUri } from '../engine/connect.js';
import { Journal } from '../engine/flows/journal.js';
import type { Host } from '../engine/host.js';
import { selectedDomain, selectedNode, snapshotKey, type AppState } from './app-state.js';
import { createActions } from './create-actions.js';
import { editActions } from './edit-actions.js';
import { flowActions } from './flow-actions.js';
import { inputSlice } from './input-modes.js';
import { jobActions } from './job-actions.js';
import { captureActions } from './capture-actions.js';
import { mergeActions } from './merge-actions.js';
import { createLoaders, initialNavigation, navigationSlice } from './navigation.js';
import { initialRefresh, refreshSlice } from './refresh.js';
import { initialSearch, searchSlice } from './search.js';
import type { Get, Set, SliceContext } from './slice.js';
import { initialStatus, statusSlice } from './status.js';

export * from './app-state.js';

export type AppStore = StoreApi<AppState>;

export interface AppStoreOptions {
  /** Where flows are journaled (default: $XDG_STATE_HOME/virtsnap). */
  journal?: Journal;
}

export function createAppStore(host: Host, options: AppStoreOptions = {}): AppStore {
  const journal = options.journal ?? new Journal();
  // The test driver's files are imaginary, and a remote host's are not ours to check.
  const fileExists = isLocalUri(host.uri) && !host.uri.startsWith('test:') ? existsSync : null;

  return createStore<AppState>()((setState, getState) => {
    const get: Get = getState;
    const set: Set = (patch) => setState(patch);
    const base = { host, journal, get, set, fileExists };
    const ctx: SliceContext = { ...base, loaders: createLoaders(base) };
    const selectedDomainName = () => selectedDomain(get())?.name ?? null;
    const selectedPair = () => {
      const state = get();
      const domain = selectedDomain(state);
      const node = selectedNode(state);
      return domain && node ? { domain: domain.name, snapshot: node.name } : null;
    };

    return {
      uri: host.uri,
      readonly: host.readonly,
      inputMode: 'normal',
      confirm: null,
      unfinished: null,
      journalView: null,
      create: null,
      prompt: null,
      decision: null,
      editorOpen: false,
      jobs: {},
      jobLog: [],
      jobsOpen: false,
      merge: null,
      mergeRun: null,
      captureMenu: null,
      captureForm: null,
      checkpointView: null,
      captureStorage: null,
      ...initialNavigation,
      ...initialSearch,
      ...initialRefresh,
      ...initialStatus,
      ...statusSlice(ctx),
      ...navigationSlice(ctx),
      ...searchSlice(ctx),
      ...refreshSlice(ctx),
      ...inputSlice(ctx),
      ...flowActions(host, journal, get, set, selectedPair),
      ...jobActions(host, get, set, selectedDomainName, journal),
      ...mergeActions(host, journal, get, set, () => {
        const state = get();
        const domain = selectedDomain(state)?.name;
        if (!domain) return null;
        // The snapshot counts only where the tree (or the disks view beside it) has the focus.
        const inTree = state.focus === 'snapshots' || state.focus === 'details';
        return { domain, snapshot: inTree ? (selectedNode(state)?.name ?? null) : null };
      }),
      ...createActions(host, get, set, selectedDomainName, journal),
      ...captureActions(host, get, set, selectedDomainName),
      ...editActions(host, get, set, () => {
        const picked = selectedPair();
        if (!picked) return null;
        const loaded = get().snapshots[snapshotKey(picked.domain, picked.snapshot)];
        return { ...picked, description: loaded?.status === 'ready' ? loaded.value.detail.description : undefined };
      }, journal),
    };
  });
}
