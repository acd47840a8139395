// The TUI's store: state and every action that talks to the engine, composed from slices
// (navigation, search, refresh, text input, status, and the dialogs: flows, edits, jobs,
// create). Components read it through selector hooks and dispatch actions; they never call
// the engine themselves.

import { existsSync } from 'node:fs';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { isLocalUri } from '../engine/connect.js';
import { Journal } from '../engine/flows/journal.js';
import type { Host } from '../engine/host.js';
import type { HostConnection } from '../engine/host-pool.js';
import { selectedDomain, selectedNode, snapshotKey, type AppState } from './app-state.js';
import { leftCursor, leftRows, scopedAccess, switchHostPatch, type HostRow, type HostSource, type HostSubState } from './hosts.js';
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
import type { SliceContext } from './slice.js';
import { initialStatus, statusSlice } from './status.js';

export * from './app-state.js';
export * from './hosts.js';

export type AppStore = StoreApi<AppState>;

export interface AppStoreOptions {
  /** Where flows are journaled (default: $XDG_STATE_HOME/virtsnap). */
  journal?: Journal;
}

/** A host of the TUI: its name (its row), its URI and whether it is opened read-only. */
export interface TuiHost {
  name: string;
  uri: string;
  readonly: boolean;
}

export interface HostsStoreOptions extends AppStoreOptions {
  /** Hosts are rows of their own in the left pane (default: when there is more than one). */
  hostRows?: boolean;
  /** The host selected and opened at start (default: the first, closed when hosts have rows). */
  start?: string;
}

/** One host, connected already: the TUI as it has always been, without host rows. */
export function createAppStore(host: Host, options: AppStoreOptions = {}): AppStore {
  const source: HostSource = {
    status: () => ({ kind: 'connected', libvirt: null, hypervisor: null }),
    host: () => host,
    connect: () => Promise.resolve(host),
    onChange: () => () => {},
  };
  return createHostsStore(source, [{ name: host.uri, uri: host.uri, readonly: host.readonly }], { ...options, hostRows: false }, () => host);
}

// Messages of a connection that is gone (a stopped daemon, a dropped SSH link), as opposed to
// a refresh that failed for a reason of its own.
const CONNECTION_LOST = /connect|closed|end of file|cannot recv|broken pipe|keepalive|no connection|virsh was killed/i;

/** Actions reach the host through this handle: its host while connected, an error otherwise. */
function hostHandle(entry: TuiHost, source: HostSource): Host {
  return new Proxy({} as Host, {
    get(_target, prop) {
      if (prop === 'uri') return entry.uri;
      if (prop === 'readonly') return entry.readonly;
      if (prop === 'then') return undefined;
      const host = source.host(entry.name);
      if (!host) throw new Error(`${entry.name} is not connected`);
      const value: unknown = Reflect.get(host, prop, host);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(host) : value;
    },
  });
}

type Bundle = ReturnType<typeof buildActions>;

function buildActions(ctx: SliceContext) {
  const { host, journal, get, set } = ctx;
  const selectedDomainName = () => selectedDomain(get())?.name ?? null;
  const selectedPair = () => {
    const state = get();
    const domain = selectedDomain(state);
    const node = selectedNode(state);
    return domain && node ? { domain: domain.name, snapshot: node.name } : null;
  };
  return {
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
}

function initialHostState(entry: TuiHost): HostSubState {
  return {
    uri: entry.uri,
    readonly: entry.readonly,
    domains: initialNavigation.domains,
    domainFilter: initialNavigation.domainFilter,
    domainIndex: initialNavigation.domainIndex,
    forests: {},
    snapshotIndex: 0,
    collapsed: {},
    snapshots: {},
    diskReports: {},
    ...initialRefresh,
    jobs: {},
    jobLog: [],
  };
}

/**
 * The TUI's store over several hosts. Each host has its own sub-state and its own actions; the
 * store's actions are those of the selected host. A host is connected (through `source`) when
 * it is opened or selected, and refreshed when it connects; hosts that are never opened run
 * nothing.
 */
export function createHostsStore(source: HostSource, entries: readonly TuiHost[], options: HostsStoreOptions = {}, connected?: (name: string) => Host): AppStore {
  if (entries.length === 0) throw new Error('the TUI needs at least one host');
  const journal = options.journal ?? new Journal();
  const hostRows = options.hostRows ?? entries.length > 1;

  return createStore<AppState>()((setState, getState) => {
    const bundles = new Map<string, { actions: Bundle; ctx: SliceContext }>();
    const entryOf = (name: string) => entries.find((e) => e.name === name)!;
    const bundle = (name: string) => {
      let made = bundles.get(name);
      if (!made) {
        const entry = entryOf(name);
        const host = connected ? connected(name) : hostHandle(entry, source);
        // The test driver's files are imaginary, and a remote host's are not ours to check.
        const fileExists = isLocalUri(entry.uri) && !entry.uri.startsWith('test:') ? existsSync : null;
        const { get, set } = scopedAccess(name, getState, setState, () => bundles.get(name)?.actions);
        const base = { host, journal, get, set, fileExists };
        const ctx: SliceContext = { ...base, loaders: createLoaders(base) };
        made = { actions: buildActions(ctx), ctx };
        bundles.set(name, made);
      }
      return made;
    };
    const selectedName = () => getState().hosts[getState().hostIndex]!.name;
    const isConnected = (name: string) => source.status(name).kind === 'connected';
    const connect = (name: string) => {
      if (!isConnected(name)) source.connect(name).catch(() => {});
    };
    const setRow = (name: string, patch: Partial<HostRow>) =>
      setState((state) => ({ hosts: state.hosts.map((row) => (row.name === name ? { ...row, ...patch } : row)) }));

    const refreshHost = async (name: string, options?: Parameters<AppState['refresh']>[0]) => {
      const { actions, ctx } = bundle(name);
      if (!isConnected(name)) {
        // A host that is not connected is connected (again) by hand; the automatic refresh
        // leaves it to its own backoff.
        if (!options?.background) connect(name);
        return;
      }
      await actions.refresh(options);
      const error = ctx.get().refreshError;
      if (!error) healthy.add(name);
      // A host that answered and now cannot be reached is connected again with the pool's
      // backoff; one whose first refresh fails keeps the refresh's own backoff (no loop of
      // reconnecting to a host that answers and then fails the same way).
      else if (healthy.delete(name) && CONNECTION_LOST.test(error) && source.lost) source.lost(name, error);
    };
    const healthy = new Set<string>();
    const unfinishedChecked = new Set<string>();

    source.onChange((name, status: HostConnection) => {
      setRow(name, { connection: status });
      const { ctx } = bundle(name);
      if (status.kind === 'connecting') ctx.set({ busy: true });
      else if (status.kind === 'failed') ctx.set({ busy: false, refreshError: status.message });
      else if (status.kind === 'connected') {
        ctx.set({ busy: false, refreshError: null });
        void refreshHost(name);
        if (selectedName() === name && !unfinishedChecked.has(name)) getState().checkUnfinished();
      }
    });

    const template = bundle(entries[0]!.name).actions;
    const forwarded = Object.fromEntries(
      Object.entries(template)
        .filter(([, value]) => typeof value === 'function')
        .map(([key]) => [key, (...args: unknown[]) => (bundle(selectedName()).actions as unknown as Record<string, (...a: unknown[]) => unknown>)[key]!(...args)]),
    ) as unknown as Bundle;

    const startIndex = Math.max(0, entries.findIndex((e) => e.name === options.start));
    const first = entries[startIndex]!;
    const parked = Object.fromEntries(entries.filter((e) => e !== first).map((e) => [e.name, initialHostState(e)]));

    return {
      inputMode: 'normal',
      confirm: null,
      unfinished: null,
      journalView: null,
      create: null,
      prompt: null,
      decision: null,
      editorOpen: false,
      jobsOpen: false,
      merge: null,
      mergeRun: null,
      captureMenu: null,
      captureForm: null,
      checkpointView: null,
      captureStorage: null,
      ...initialNavigation,
      ...initialSearch,
      ...initialStatus,
      ...initialHostState(first),
      hosts: entries.map((e) => ({ name: e.name, uri: e.uri, expanded: !hostRows || e.name === options.start, connection: source.status(e.name) })),
      hostIndex: startIndex,
      onHostRow: hostRows,
      hostRows,
      parked,
      ...forwarded,
      refresh: (options) => refreshHost(selectedName(), options),
      checkUnfinished() {
        // Once per host: flows that stopped part-way on it are shown when it is first opened.
        unfinishedChecked.add(selectedName());
        bundle(selectedName()).actions.checkUnfinished();
      },
      moveSelection(delta) {
        const state = getState();
        if (!state.hostRows || state.focus !== 'domains') return bundle(selectedName()).actions.moveSelection(delta);
        const rows = leftRows(state);
        const next = rows[Math.max(0, Math.min(rows.length - 1, leftCursor(state) + delta))];
        if (!next) return;
        if (next.host !== state.hostIndex) setState({ ...switchHostPatch(state, next.host), snapshotIndex: 0, xmlScroll: 0 });
        const name = selectedName();
        if (next.kind === 'host') {
          setState({ onHostRow: true, xmlScroll: 0 });
          connect(name);
        } else {
          setState({ onHostRow: false });
          bundle(name).ctx.loaders.selectDomain(next.domain);
        }
      },
      focusSnapshots() {
        if (getState().onHostRow) return getState().toggleHost();
        bundle(selectedName()).actions.focusSnapshots();
      },
      focusBack() {
        const state = getState();
        // From a domain, h goes up to its host's row; on the row, it closes the host.
        if (state.hostRows && state.focus === 'domains') {
          if (!state.onHostRow) return setState({ onHostRow: true, xmlScroll: 0 });
          if (state.hosts[state.hostIndex]!.expanded) return state.toggleHost();
          return;
        }
        bundle(selectedName()).actions.focusBack();
      },
      toggleHost() {
        const state = getState();
        const row = state.hosts[state.hostIndex]!;
        if (row.expanded) {
          setRow(row.name, { expanded: false });
          setState({ onHostRow: true });
          return;
        }
        setRow(row.name, { expanded: true });
        connect(row.name);
      },
      retryHost() {
        const name = selectedName();
        source.connect(name).catch(() => {});
      },
    };
  });
}
