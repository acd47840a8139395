// The TUI's state and every action that talks to the engine. Components read it through
// selector hooks and dispatch actions; they never call the engine themselves.

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Host } from '../engine/host.js';
import type { SnapshotForest } from '../engine/model.js';
import { listDomainRows, type DomainRow } from '../commands/list.js';
import { treeLines, type TreeLine } from '../format/tree-text.js';
import { reportError } from '../commands/errors.js';

export type Pane = 'domains' | 'snapshots';

export interface StatusMessage {
  text: string;
  kind: 'info' | 'error';
  /** Date.now() after which the message is cleared. */
  until: number;
}

export interface AppState {
  uri: string;
  readonly: boolean;
  domains: DomainRow[] | null;
  domainIndex: number;
  forests: Record<string, SnapshotForest>;
  snapshotIndex: number;
  focus: Pane;
  busy: boolean;
  helpOpen: boolean;
  logOpen: boolean;
  message: StatusMessage | null;

  refresh(): Promise<void>;
  moveSelection(delta: number): void;
  toggleFocus(): void;
  toggleHelp(): void;
  toggleLog(): void;
  clearExpiredMessage(now: number): void;
}

export type AppStore = StoreApi<AppState>;

export function selectedDomain(state: AppState): DomainRow | null {
  return state.domains?.[state.domainIndex] ?? null;
}

/** Stable while the forest is unchanged, so it is safe as a selector. */
export function selectedForest(state: AppState): SnapshotForest | null {
  const domain = selectedDomain(state);
  return (domain && state.forests[domain.name]) || null;
}

/** A new array on each call: derive it in actions or memoize it in components, never select it. */
export function selectedTree(state: AppState): TreeLine[] {
  const forest = selectedForest(state);
  return forest ? treeLines(forest) : [];
}

const MESSAGE_MS = 5000;

export function createAppStore(host: Host): AppStore {
  let refreshing: Promise<void> | null = null;

  const store = createStore<AppState>()((set, get) => {
    const say = (text: string, kind: StatusMessage['kind'] = 'info') => set({ message: { text, kind, until: Date.now() + MESSAGE_MS } });

    const loadForest = async (name: string) => {
      try {
        const forest = await host.forest(name);
        set({ forests: { ...get().forests, [name]: forest } });
      } catch (error) {
        say(reportError(error).message, 'error');
      }
    };

    return {
      uri: host.uri,
      readonly: host.readonly,
      domains: null,
      domainIndex: 0,
      forests: {},
      snapshotIndex: 0,
      focus: 'domains',
      busy: false,
      helpOpen: false,
      logOpen: false,
      message: null,

      // A refresh that would overlap a running one is dropped: the running one answers both.
      refresh() {
        if (refreshing) return refreshing;
        set({ busy: true });
        refreshing = (async () => {
          try {
            const domains = await listDomainRows(host);
            const index = Math.min(get().domainIndex, Math.max(0, domains.length - 1));
            set({ domains, domainIndex: index, forests: {} });
            const domain = domains[index];
            if (domain) await loadForest(domain.name);
          } catch (error) {
            say(reportError(error).message, 'error');
          } finally {
            set({ busy: false });
            refreshing = null;
          }
        })();
        return refreshing;
      },

      moveSelection(delta) {
        const state = get();
        if (state.focus === 'domains') {
          const count = state.domains?.length ?? 0;
          if (count === 0) return;
          const domainIndex = Math.max(0, Math.min(count - 1, state.domainIndex + delta));
          set({ domainIndex, snapshotIndex: 0 });
          const name = state.domains![domainIndex]!.name;
          if (!state.forests[name]) void loadForest(name);
        } else {
          const count = selectedTree(state).length;
          if (count === 0) return;
          set({ snapshotIndex: Math.max(0, Math.min(count - 1, state.snapshotIndex + delta)) });
        }
      },

      toggleFocus() {
        set({ focus: get().focus === 'domains' ? 'snapshots' : 'domains' });
      },
      toggleHelp() {
        set({ helpOpen: !get().helpOpen });
      },
      toggleLog() {
        set({ logOpen: !get().logOpen });
      },
      clearExpiredMessage(now) {
        const message = get().message;
        if (message && message.until <= now) set({ message: null });
      },
    };
  });
  return store;
}
