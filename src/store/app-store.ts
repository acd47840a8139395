// The TUI's state and every action that talks to the engine. Components read it through
// selector hooks and dispatch actions; they never call the engine themselves.

import { existsSync } from 'node:fs';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { DiskReport } from '../engine/disk-report.js';
import type { Host, SnapshotWithXml } from '../engine/host.js';
import type { SnapshotForest, SnapshotNode } from '../engine/model.js';
import { Journal } from '../engine/flows/journal.js';
import type { ConfirmDialog } from './confirm.js';
import { flowActions, type FlowActions, type JournalView, type UnfinishedDialog } from './flow-actions.js';
import { createActions, type CreateActions, type CreateDialog } from './create-actions.js';
import { editActions, type EditActions, type EditDecision, type TextPrompt } from './edit-actions.js';
import { jobActions, type JobActions } from './job-actions.js';
import type { BlockJobEvent } from '../engine/jobs/block-job-types.js';
import { listDomainsWithSnapshots, type DomainRow } from '../engine/domain-listing.js';
import { buildForest } from '../engine/parse/index.js';
import { describeError } from '../engine/error-report.js';
import { treeLines, type TreeLine } from '../format/tree-text.js';
import { isLocalUri } from '../engine/connect.js';

export type Pane = 'domains' | 'snapshots';
export type DetailView = 'details' | 'xml' | 'disks';
/** What typed characters go to: commands, the search box, or the help filter. */
export type InputMode = 'normal' | 'search' | 'help-filter' | 'confirm' | 'create' | 'prompt' | 'decide' | 'flows' | 'journal';

export interface StatusMessage {
  text: string;
  kind: 'info' | 'error';
  /** Date.now() after which the message is cleared. */
  until: number;
}

export type Loadable<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; message: string };

export interface AppState extends CreateActions, EditActions, JobActions, FlowActions {
  uri: string;
  readonly: boolean;
  domains: DomainRow[] | null;
  /** Domain list filter (typed after `/` in the domains pane). */
  domainFilter: string;
  domainIndex: number;
  forests: Record<string, SnapshotForest>;
  snapshotIndex: number;
  /** Tree search (typed after `/` in the snapshots pane); matches are highlighted. */
  treeSearch: string;
  focus: Pane;
  view: DetailView;
  inputMode: InputMode;
  helpOpen: boolean;
  helpFilter: string;
  logOpen: boolean;
  busy: boolean;
  message: StatusMessage | null;
  /** Keyed by snapshotKey(domain, name). */
  snapshots: Record<string, Loadable<SnapshotWithXml>>;
  diskReports: Record<string, Loadable<DiskReport[]>>;
  /** Lines the XML view is scrolled by. */
  xmlScroll: number;
  /** The open confirmation of a destructive action, if any. */
  confirm: ConfirmDialog | null;
  /** Unfinished flows of this host (found at start, or picked in the journal view). */
  unfinished: UnfinishedDialog | null;
  /** The journal of flows, when it is shown. */
  journalView: JournalView | null;
  /** The open create form, with its live plan. */
  create: CreateDialog | null;
  /** A one-line text prompt (new name, description). */
  prompt: TextPrompt | null;
  /** A question after a failed XML edit: re-edit or discard (the text is kept either way until discarded). */
  decision: EditDecision | null;
  /** The editor owns the terminal: draw nothing, run no timers. */
  editorOpen: boolean;
  /** Running block jobs by jobKey, latest event each. */
  jobs: Record<string, BlockJobEvent>;
  /** Finished jobs, newest first, bounded. */
  jobLog: BlockJobEvent[];
  jobsOpen: boolean;

  /** `background`: keep what is shown until new data arrives, and keep cached details. */
  refresh(options?: { background?: boolean }): Promise<void>;
  moveSelection(delta: number): void;
  toggleFocus(): void;
  focusSnapshots(): void;
  setView(view: DetailView): void;
  scrollXml(delta: number): void;
  startSearch(): void;
  typeInput(text: string): void;
  eraseInput(): void;
  confirmInput(): void;
  cancelInput(): void;
  jumpToMatch(direction: 1 | -1): void;
  toggleHelp(): void;
  toggleLog(): void;
  say(text: string, kind?: StatusMessage['kind']): void;
  clearExpiredMessage(now: number): void;
}

export type AppStore = StoreApi<AppState>;

export const snapshotKey = (domain: string, name: string) => `${domain}\u0000${name}`;

/** Domains after the filter; stable between changes of `domains` and `domainFilter` only via memoization. */
export function visibleDomains(state: Pick<AppState, 'domains' | 'domainFilter'>): DomainRow[] {
  const domains = state.domains ?? [];
  const filter = state.domainFilter.toLowerCase();
  return filter ? domains.filter((d) => d.name.toLowerCase().includes(filter)) : domains;
}

export function selectedDomain(state: AppState): DomainRow | null {
  return visibleDomains(state)[state.domainIndex] ?? null;
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

export function selectedSnapshotName(state: AppState): string | null {
  return selectedTree(state)[state.snapshotIndex]?.node.name ?? null;
}

export function selectedNode(state: AppState): SnapshotNode | null {
  return selectedTree(state)[state.snapshotIndex]?.node ?? null;
}

export function matchesSearch(name: string, search: string): boolean {
  return search !== '' && name.toLowerCase().includes(search.toLowerCase());
}

const MESSAGE_MS = 5000;
/** Refresh failures back off up to this long before the next automatic refresh. */
const MAX_BACKOFF_MS = 60_000;

export interface AppStoreOptions {
  /** Where flows are journaled (default: $XDG_STATE_HOME/virtsnap). */
  journal?: Journal;
}

export function createAppStore(host: Host, options: AppStoreOptions = {}): AppStore {
  const journal = options.journal ?? new Journal();
  let refreshing: Promise<void> | null = null;
  // The test driver's files are imaginary, and a remote host's are not ours to check.
  const fileExists = isLocalUri(host.uri) && !host.uri.startsWith('test:') ? existsSync : null;

  return createStore<AppState>()((set, get) => {
    const say = (text: string, kind: StatusMessage['kind'] = 'info') => set({ message: { text, kind, until: Date.now() + MESSAGE_MS } });
    const fail = (error: unknown) => say(describeError(error).message, 'error');

    const loadForest = async (name: string) => {
      try {
        const forest = await host.forest(name);
        set({ forests: { ...get().forests, [name]: forest } });
        // The tree may have shrunk (a delete): keep the selection on a real line.
        if (selectedDomain(get())?.name === name) {
          set({ snapshotIndex: Math.max(0, Math.min(get().snapshotIndex, treeLines(forest).length - 1)) });
        }
        loadSelectedDetails();
      } catch (error) {
        fail(error);
      }
    };

    /** Loads what the current view needs for the selection, once. */
    const loadSelectedDetails = () => {
      const state = get();
      const domain = selectedDomain(state);
      if (!domain) return;
      if (state.view === 'disks') {
        if (state.diskReports[domain.name]) return;
        set({ diskReports: { ...state.diskReports, [domain.name]: { status: 'loading' } } });
        host.diskReport(domain.name, fileExists).then(
          (value) => set({ diskReports: { ...get().diskReports, [domain.name]: { status: 'ready', value } } }),
          (error: unknown) =>
            set({ diskReports: { ...get().diskReports, [domain.name]: { status: 'error', message: describeError(error).message } } }),
        );
        return;
      }
      const name = selectedSnapshotName(state);
      if (!name) return;
      const key = snapshotKey(domain.name, name);
      if (state.snapshots[key]) return;
      set({ snapshots: { ...state.snapshots, [key]: { status: 'loading' } } });
      host.snapshot(domain.name, name).then(
        (value) => set({ snapshots: { ...get().snapshots, [key]: { status: 'ready', value } } }),
        (error: unknown) => set({ snapshots: { ...get().snapshots, [key]: { status: 'error', message: describeError(error).message } } }),
      );
    };

    const selectDomain = (index: number) => {
      const domains = visibleDomains(get());
      if (domains.length === 0) return set({ domainIndex: 0 });
      const domainIndex = Math.max(0, Math.min(domains.length - 1, index));
      set({ domainIndex, snapshotIndex: 0, xmlScroll: 0 });
      const name = domains[domainIndex]!.name;
      if (!get().forests[name]) void loadForest(name);
      else loadSelectedDetails();
    };

    const selectSnapshot = (index: number) => {
      const count = selectedTree(get()).length;
      if (count === 0) return;
      set({ snapshotIndex: Math.max(0, Math.min(count - 1, index)), xmlScroll: 0 });
      loadSelectedDetails();
    };

    let failures = 0;
    let nextAllowedRefresh = 0;

    return {
      uri: host.uri,
      readonly: host.readonly,
      domains: null,
      domainFilter: '',
      domainIndex: 0,
      forests: {},
      snapshotIndex: 0,
      treeSearch: '',
      focus: 'domains',
      view: 'details',
      inputMode: 'normal',
      helpOpen: false,
      helpFilter: '',
      logOpen: false,
      busy: false,
      message: null,
      snapshots: {},
      diskReports: {},
      xmlScroll: 0,
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
      ...flowActions(host, journal, get, set, () => {
        const state = get();
        const domain = selectedDomain(state);
        const node = selectedNode(state);
        return domain && node ? { domain: domain.name, snapshot: node.name } : null;
      }),
      ...jobActions(host, get, set, () => selectedDomain(get())?.name ?? null, journal),
      ...createActions(host, get, set, () => selectedDomain(get())?.name ?? null, journal),
      ...editActions(host, get, set, () => {
        const state = get();
        const domain = selectedDomain(state);
        const node = selectedNode(state);
        if (!domain || !node) return null;
        const loaded = state.snapshots[snapshotKey(domain.name, node.name)];
        return { domain: domain.name, snapshot: node.name, description: loaded?.status === 'ready' ? loaded.value.detail.description : undefined };
      }),

      // A refresh that would overlap a running one is dropped: the running one answers both.
      // After failures, automatic callers are held off with a growing delay.
      refresh(options = {}) {
        if (refreshing) return refreshing;
        if (options.background && Date.now() < nextAllowedRefresh && failures > 0) return Promise.resolve();
        set({ busy: true });
        refreshing = (async () => {
          try {
            // The listing brings every domain's snapshots: each forest is built from it, with
            // no second round of commands, and the screen changes in one step.
            const { rows: domains, snapshots } = await listDomainsWithSnapshots(host);
            const forests = Object.fromEntries(domains.map((d) => [d.name, buildForest(d.name, snapshots.get(d.name) ?? [], d.currentSnapshot)]));
            const previous = selectedDomain(get())?.name;
            // A background refresh keeps the details already read; a manual one reads them again.
            set(options.background ? { domains, forests } : { domains, forests, snapshots: {}, diskReports: {} });
            const visible = visibleDomains(get());
            const keep = previous ? visible.findIndex((d) => d.name === previous) : -1;
            const index = keep >= 0 ? keep : Math.min(get().domainIndex, Math.max(0, visible.length - 1));
            const forest = visible[index] ? forests[visible[index].name] : undefined;
            // The tree may have shrunk (a delete): keep the selection on a real line.
            const lines = forest ? treeLines(forest).length : 0;
            set({ domainIndex: index, snapshotIndex: Math.max(0, Math.min(get().snapshotIndex, lines - 1)) });
            loadSelectedDetails();
            // Jobs started elsewhere (plain virsh, an earlier run, a dropped SSH session) show up too.
            await get().attachJobs(domains.filter((d) => d.id !== null).map((d) => d.name));
            failures = 0;
          } catch (error) {
            failures++;
            nextAllowedRefresh = Date.now() + Math.min(MAX_BACKOFF_MS, 1000 * 2 ** failures);
            fail(error);
          } finally {
            set({ busy: false });
            refreshing = null;
          }
        })();
        return refreshing;
      },

      moveSelection(delta) {
        const state = get();
        if (state.focus === 'domains') selectDomain(state.domainIndex + delta);
        else selectSnapshot(state.snapshotIndex + delta);
      },

      toggleFocus() {
        set({ focus: get().focus === 'domains' ? 'snapshots' : 'domains' });
      },
      focusSnapshots() {
        set({ focus: 'snapshots' });
        loadSelectedDetails();
      },

      setView(view) {
        set({ view: get().view === view && view !== 'details' ? 'details' : view, xmlScroll: 0 });
        loadSelectedDetails();
      },
      scrollXml(delta) {
        set({ xmlScroll: Math.max(0, get().xmlScroll + delta) });
      },

      startSearch() {
        if (get().focus === 'domains') set({ inputMode: 'search', domainFilter: '' });
        else set({ inputMode: 'search', treeSearch: '' });
      },
      typeInput(text) {
        const state = get();
        if (state.inputMode === 'confirm' && state.confirm?.phase === 'confirming') {
          return set({ confirm: { ...state.confirm, typed: state.confirm.typed + text, hint: null } });
        }
        if (state.inputMode === 'help-filter') return set({ helpFilter: state.helpFilter + text });
        if (state.inputMode !== 'search') return;
        if (state.focus === 'domains') {
          set({ domainFilter: state.domainFilter + text });
          selectDomain(0);
        } else {
          set({ treeSearch: state.treeSearch + text });
          get().jumpToMatch(1);
        }
      },
      eraseInput() {
        const state = get();
        if (state.inputMode === 'confirm' && state.confirm?.phase === 'confirming') {
          return set({ confirm: { ...state.confirm, typed: state.confirm.typed.slice(0, -1), hint: null } });
        }
        if (state.inputMode === 'help-filter') return set({ helpFilter: state.helpFilter.slice(0, -1) });
        if (state.inputMode !== 'search') return;
        if (state.focus === 'domains') {
          set({ domainFilter: state.domainFilter.slice(0, -1) });
          selectDomain(0);
        } else set({ treeSearch: state.treeSearch.slice(0, -1) });
      },
      confirmInput() {
        if (get().inputMode === 'confirm') return void get().confirmAccept();
        set({ inputMode: 'normal' });
      },
      cancelInput() {
        const state = get();
        if (state.inputMode === 'confirm') return state.confirmCancel();
        if (state.inputMode === 'help-filter') return set({ inputMode: 'normal', helpFilter: '', helpOpen: false });
        if (state.focus === 'domains') {
          set({ inputMode: 'normal', domainFilter: '' });
          selectDomain(0);
        } else set({ inputMode: 'normal', treeSearch: '' });
      },
      jumpToMatch(direction) {
        const state = get();
        const lines = selectedTree(state);
        if (!state.treeSearch || lines.length === 0) return;
        // The current line counts as a match only while typing (direction 1 from the search box).
        const start = state.inputMode === 'search' ? state.snapshotIndex - 1 : state.snapshotIndex;
        for (let step = 1; step <= lines.length; step++) {
          const index = (((start + direction * step) % lines.length) + lines.length) % lines.length;
          if (matchesSearch(lines[index]!.node.name, state.treeSearch)) return selectSnapshot(index);
        }
        say(`no snapshot matches “${state.treeSearch}”`, 'error');
      },

      toggleHelp() {
        const open = !get().helpOpen;
        set({ helpOpen: open, helpFilter: '', inputMode: open ? 'help-filter' : 'normal' });
      },
      toggleLog() {
        set({ logOpen: !get().logOpen });
      },
      say,
      clearExpiredMessage(now) {
        const message = get().message;
        if (message && message.until <= now) set({ message: null });
      },
    };
  });
}
