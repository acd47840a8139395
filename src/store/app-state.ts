// The TUI's state as types, and the selectors every slice and component derives from it.
// Each group of actions lives in a slice of its own (navigation, search, refresh, text input,
// status, flows, edits, jobs, create); this file is what they have in common.

import type { DiskReport } from '../engine/disk-report.js';
import type { DomainRow } from '../engine/domain-listing.js';
import type { SnapshotWithXml } from '../engine/host.js';
import type { SnapshotForest, SnapshotNode } from '../engine/model.js';
import type { BlockJobEvent } from '../engine/jobs/block-job-types.js';
import { treeLines, type TreeLine } from '../format/tree-text.js';
import type { ConfirmDialog } from './confirm.js';
import type { CreateActions, CreateDialog } from './create-actions.js';
import type { EditActions, EditDecision, TextPrompt } from './edit-actions.js';
import type { FlowActions, JournalView, UnfinishedDialog } from './flow-actions.js';
import type { JobActions } from './job-actions.js';
import type { MergeActions, MergeState } from './merge-actions.js';
import type { CaptureActions, CaptureState } from './capture-actions.js';
import type { LineEditAction, LineInput } from './line-edit.js';
import type { HostsActions, HostsState } from './hosts.js';

/**
 * The panes focus can be on, in Tab order. `log` and `jobs` take focus only while they are open;
 * `details` is the detail pane (details, XML or disks).
 */
export type Pane = 'domains' | 'snapshots' | 'details' | 'log' | 'jobs';
export const PANE_ORDER: readonly Pane[] = ['domains', 'snapshots', 'details', 'log', 'jobs'];

export type DetailView = 'details' | 'xml' | 'disks';
/** What typed characters go to: commands, the search box, the help filter, or a dialog. */
export type InputMode = 'normal' | 'search' | 'help-filter' | 'confirm' | 'create' | 'prompt' | 'decide' | 'flows' | 'journal' | 'merge' | 'capture' | 'capture-form' | 'checkpoints' | 'capture-storage';

export interface StatusMessage {
  text: string;
  kind: 'info' | 'error';
  /** Date.now() after which the message is cleared. */
  until: number;
}

export type Loadable<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; message: string };

export interface NavigationState {
  domains: DomainRow[] | null;
  /** Domain list filter (typed after `/` in the domains pane). */
  domainFilter: string;
  domainIndex: number;
  forests: Record<string, SnapshotForest>;
  snapshotIndex: number;
  /** Collapsed subtrees, keyed by snapshotKey(domain, name). */
  collapsed: Record<string, true>;
  focus: Pane;
  view: DetailView;
  /** The detail pane takes the whole body. */
  zoomed: boolean;
  /** Long XML lines wrap instead of being cut. */
  wrapXml: boolean;
  /** Lines the detail pane (XML, details, disks) is scrolled by. */
  xmlScroll: number;
  /** Entries the command log is scrolled back from its newest; 0 follows the newest. */
  logScroll: number;
  logOpen: boolean;
  /** Keyed by snapshotKey(domain, name). */
  snapshots: Record<string, Loadable<SnapshotWithXml>>;
  diskReports: Record<string, Loadable<DiskReport[]>>;
}

export interface NavigationActions {
  moveSelection(delta: number): void;
  /** Tab / Shift-Tab: the next or previous pane that is shown. */
  cycleFocus(delta: 1 | -1): void;
  /** Kept for callers that switch between the two main panes. */
  toggleFocus(): void;
  focusSnapshots(): void;
  /** h / ←: one pane back, towards the domains. */
  focusBack(): void;
  setView(view: DetailView): void;
  scrollXml(delta: number): void;
  /** The detail pane reports how far its content can scroll at the size it is drawn. */
  detailLayout(maxScroll: number): void;
  scrollLog(delta: number): void;
  toggleCollapse(): void;
  expandAll(): void;
  jumpToCurrent(): void;
  toggleZoom(): void;
  toggleWrap(): void;
  toggleLog(): void;
  /** Selects a domain (and a snapshot of it) by name, wherever the list has put them. */
  selectByName(domain: string, snapshot?: string | null): void;
}

export interface SearchState {
  /** Tree search (typed after `/` in the snapshots pane); matches are highlighted. */
  treeSearch: string;
  /** Where the cursor is in the search box or the help filter while typing. */
  searchCursor: number;
  helpOpen: boolean;
  helpFilter: string;
  helpScroll: number;
  helpMaxScroll: number;
}

export interface SearchActions {
  startSearch(): void;
  jumpToMatch(direction: 1 | -1): void;
  toggleHelp(): void;
  scrollHelp(delta: number): void;
  helpLayout(maxScroll: number): void;
}

export interface RefreshState {
  busy: boolean;
  /** When the last refresh that worked ended (Date.now()). */
  lastRefresh: number | null;
  /** The whole message of the last refresh that failed, until one works again. */
  refreshError: string | null;
}

export interface RefreshActions {
  /**
   * `background`: keep what is shown until new data arrives, and keep cached details.
   * `announce`: say in the status line that it ran (the `r` key).
   */
  refresh(options?: { background?: boolean; announce?: boolean }): Promise<void>;
}

export interface InputState {
  inputMode: InputMode;
}

export interface InputActions {
  /** Text typed into the focused text input (whatever mode has one). */
  typeText(text: string): void;
  /** A readline edit of the focused text input; false when nothing has a text input now. */
  editInput(action: LineEditAction): boolean;
  /** Enter in the search box or the help filter. */
  confirmInput(): void;
  /** Esc in the search box or the help filter. */
  cancelInput(): void;
}

export interface StatusState {
  message: StatusMessage | null;
}

export interface StatusActions {
  say(text: string, kind?: StatusMessage['kind']): void;
  clearExpiredMessage(now: number): void;
}

export interface DialogState {
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
}

export interface AppState
  extends NavigationState,
    NavigationActions,
    SearchState,
    SearchActions,
    RefreshState,
    RefreshActions,
    InputState,
    InputActions,
    StatusState,
    StatusActions,
    DialogState,
    CreateActions,
    EditActions,
    JobActions,
    MergeState,
    MergeActions,
    CaptureState,
    CaptureActions,
    FlowActions,
    HostsState,
    HostsActions {
  uri: string;
  readonly: boolean;
}

export const snapshotKey = (domain: string, name: string) => `${domain}\u0000${name}`;

/** Domains after the filter. */
export function visibleDomains(state: Pick<AppState, 'domains' | 'domainFilter'>): DomainRow[] {
  const domains = state.domains ?? [];
  const filter = state.domainFilter.toLowerCase();
  return filter ? domains.filter((d) => d.name.toLowerCase().includes(filter)) : domains;
}

export function selectedDomain(state: Pick<AppState, 'domains' | 'domainFilter' | 'domainIndex'> & { onHostRow?: boolean }): DomainRow | null {
  // On a host's own row no domain is selected: actions have nothing to act on.
  if (state.onHostRow) return null;
  return visibleDomains(state)[state.domainIndex] ?? null;
}

/** Stable while the forest is unchanged, so it is safe as a selector. */
export function selectedForest(state: Pick<AppState, 'domains' | 'domainFilter' | 'domainIndex' | 'forests'> & { onHostRow?: boolean }): SnapshotForest | null {
  const domain = selectedDomain(state);
  return (domain && state.forests[domain.name]) || null;
}

export interface VisibleTreeLine extends TreeLine {
  /** Descendants hidden under this line (its subtree is collapsed), or 0. */
  hidden: number;
}

/** The last lines built, by forest and collapsed set: selectors ask for them on every change. */
let lastVisible: { forest: SnapshotForest; collapsed: Record<string, true>; lines: VisibleTreeLine[] } | null = null;

/**
 * The tree's lines without the descendants of collapsed nodes. The same array while the forest
 * and the collapsed set are the same objects: the hint bar's selectors and every move ask for
 * them, and a 1000-snapshot tree costs milliseconds to lay out.
 */
export function visibleTreeLines(forest: SnapshotForest, collapsed: Record<string, true>): VisibleTreeLine[] {
  if (lastVisible && lastVisible.forest === forest && lastVisible.collapsed === collapsed) return lastVisible.lines;
  const lines = buildVisibleTreeLines(forest, collapsed);
  lastVisible = { forest, collapsed, lines };
  return lines;
}

function buildVisibleTreeLines(forest: SnapshotForest, collapsed: Record<string, true>): VisibleTreeLine[] {
  const all = treeLines(forest);
  const result: VisibleTreeLine[] = [];
  const hiddenUnder = new Set<string>();
  let current: VisibleTreeLine | null = null;
  for (const line of all) {
    const parent = line.node.parent;
    if (parent !== null && hiddenUnder.has(parent)) {
      hiddenUnder.add(line.node.name);
      if (current) current.hidden++;
      continue;
    }
    const entry: VisibleTreeLine = { ...line, hidden: 0 };
    result.push(entry);
    if (collapsed[snapshotKey(forest.domain, line.node.name)] && line.node.children.length > 0) {
      hiddenUnder.add(line.node.name);
      current = entry;
    } else current = null;
  }
  return result;
}

/** The same array while the forest and collapsed set are unchanged (see visibleTreeLines); never mutate it. */
export function selectedTree(state: AppState): VisibleTreeLine[] {
  const forest = selectedForest(state);
  return forest ? visibleTreeLines(forest, state.collapsed) : [];
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

/** The panes Tab visits now, in order. */
export function shownPanes(state: Pick<AppState, 'logOpen' | 'jobsOpen'>): Pane[] {
  return PANE_ORDER.filter((p) => (p === 'log' ? state.logOpen : p === 'jobs' ? state.jobsOpen : true));
}

/** The text input keys edit now, if any: its line and how to store a changed one. */
export type { LineInput };
