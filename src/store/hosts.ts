// Several hosts in one TUI. Every host has its own sub-state (its domains, forests, selection,
// details read, refresh and jobs) and its own actions, built from the same slices as a single
// host's store with a get and set scoped to that host: while the host is selected its sub-state
// is the store's top level (so every selector and component reads it as before); while it is
// not, its sub-state is parked under `parked[name]` and whatever its actions still do (a refresh
// or a job that ends later) lands there. Keys that are not per host (focus, dialogs, the status
// line) are shared.

import type { HostConnection } from '../engine/host-pool.js';
import type { Host } from '../engine/host.js';
import type { AppState } from './app-state.js';
import type { Get, Set } from './slice.js';

/** The keys each host has its own value of. */
export const PER_HOST_KEYS = [
  'uri',
  'readonly',
  'domains',
  'domainFilter',
  'domainIndex',
  'forests',
  'snapshotIndex',
  'collapsed',
  'snapshots',
  'diskReports',
  'busy',
  'lastRefresh',
  'refreshError',
  'jobs',
  'jobLog',
] as const satisfies readonly (keyof AppState)[];

export type PerHostKey = (typeof PER_HOST_KEYS)[number];
export type HostSubState = Pick<AppState, PerHostKey>;

const PER_HOST = new Set<string>(PER_HOST_KEYS);

export interface HostRow {
  name: string;
  uri: string;
  expanded: boolean;
  connection: HostConnection;
}

export interface HostsState {
  /** Every host, in the hosts file's order (a -c URI last). */
  hosts: HostRow[];
  /** The selected host (its sub-state is the top level). */
  hostIndex: number;
  /** The left pane's cursor is on the selected host's own row, not on one of its domains. */
  onHostRow: boolean;
  /** Hosts are rows of their own in the left pane (several hosts, or a hosts file). */
  hostRows: boolean;
  /** The sub-states of the hosts that are not selected. */
  parked: Record<string, HostSubState>;
}

export interface HostsActions {
  /** Opens or closes the selected host's row; opening connects it. */
  toggleHost(): void;
  /** Connects the selected host now (a failed one does not wait for its next attempt). */
  retryHost(): void;
}

/** Where the hosts come from: a HostPool, or one host connected already. */
export interface HostSource {
  status(name: string): HostConnection;
  host(name: string): Host | null;
  connect(name: string): Promise<Host>;
  onChange(listener: (name: string, status: HostConnection) => void): () => void;
  /** A connected host stopped answering: connect it again with backoff. */
  lost?(name: string, message: string): void;
}

export function pickHostKeys(state: Partial<AppState>): Partial<HostSubState> {
  const out: Record<string, unknown> = {};
  for (const key of PER_HOST_KEYS) if (key in state) out[key] = state[key];
  return out as Partial<HostSubState>;
}

/** A get and set that read and write host `name`'s sub-state wherever it is now. */
export function scopedAccess(
  name: string,
  getState: () => AppState,
  setState: (patch: Partial<AppState> | ((s: AppState) => Partial<AppState>)) => void,
  ownActions: () => object | undefined,
): { get: Get; set: Set } {
  const selected = (state: AppState) => state.hosts[state.hostIndex]?.name === name;
  const get: Get = () => {
    const state = getState();
    if (selected(state)) return state;
    // The store's actions are the selected host's: a parked host's code calls its own, and its
    // selection is its domain (the cursor on a host row is the selected host's).
    return { ...state, ...state.parked[name], ...ownActions(), onHostRow: false } as AppState;
  };
  const set: Set = (patch) => {
    setState((state) => {
      if (selected(state)) return patch;
      const own: Record<string, unknown> = {};
      const shared: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(patch)) (PER_HOST.has(key) ? own : shared)[key] = value;
      if (Object.keys(own).length === 0) return shared as Partial<AppState>;
      return { ...shared, parked: { ...state.parked, [name]: { ...state.parked[name]!, ...own } } } as Partial<AppState>;
    });
  };
  return { get, set };
}

/** The patch that makes host `to` the selected one: the current host's sub-state is parked, `to`'s comes up. */
export function switchHostPatch(state: AppState, to: number): Partial<AppState> {
  const from = state.hosts[state.hostIndex]!.name;
  const target = state.hosts[to]!.name;
  if (from === target) return {};
  const parked = { ...state.parked, [from]: pickHostKeys(state) as HostSubState };
  const incoming = parked[target]!;
  delete parked[target];
  return { ...incoming, parked, hostIndex: to };
}

/** A host's sub-state, selected or parked. */
export function hostSubState(state: AppState, name: string): HostSubState | undefined {
  return state.hosts[state.hostIndex]?.name === name ? state : state.parked[name];
}

/** The left pane's rows when hosts have rows: each host, then the domains of an open one. */
export type LeftRow = { kind: 'host'; host: number } | { kind: 'domain'; host: number; domain: number };

export function leftRows(state: AppState): LeftRow[] {
  const rows: LeftRow[] = [];
  state.hosts.forEach((row, host) => {
    rows.push({ kind: 'host', host });
    if (!row.expanded) return;
    const sub = hostSubState(state, row.name);
    const filter = sub?.domainFilter.toLowerCase() ?? '';
    const domains = (sub?.domains ?? []).filter((d) => !filter || d.name.toLowerCase().includes(filter));
    domains.forEach((_, domain) => rows.push({ kind: 'domain', host, domain }));
  });
  return rows;
}

export function leftCursor(state: AppState): number {
  const rows = leftRows(state);
  const at = rows.findIndex((r) => r.host === state.hostIndex && (state.onHostRow ? r.kind === 'host' : r.kind === 'domain' && r.domain === state.domainIndex));
  return at >= 0 ? at : Math.max(0, rows.findIndex((r) => r.host === state.hostIndex));
}
