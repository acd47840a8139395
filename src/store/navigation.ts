// Navigation and selection: which domain and snapshot are selected, which pane has focus,
// what the detail pane shows, collapsed subtrees, and loading what the selection needs.
// The selection follows names, not rows: a refresh, a reorder or a filter keeps it on the
// same domain and snapshot.

import { describeError } from '../engine/error-report.js';
import {
  selectedDomain,
  selectedNode,
  selectedSnapshotName,
  selectedTree,
  shownPanes,
  snapshotKey,
  visibleDomains,
  visibleTreeLines,
  type NavigationActions,
  type NavigationState,
} from './app-state.js';
import type { Get, Loaders, Set, SliceContext } from './slice.js';

export const initialNavigation: NavigationState = {
  domains: null,
  domainFilter: '',
  domainIndex: 0,
  forests: {},
  snapshotIndex: 0,
  collapsed: {},
  focus: 'domains',
  view: 'details',
  zoomed: false,
  wrapXml: false,
  xmlScroll: 0,
  logScroll: 0,
  logOpen: false,
  snapshots: {},
  diskReports: {},
};

export function createLoaders(ctx: Omit<SliceContext, 'loaders'>): Loaders {
  const { host, get, set, fileExists } = ctx;

  const loadSelectedDetails = () => {
    const state = get();
    const domain = selectedDomain(state);
    if (!domain) return;
    if (state.view === 'disks') {
      if (state.diskReports[domain.name]) return;
      set({ diskReports: { ...state.diskReports, [domain.name]: { status: 'loading' } } });
      host.diskReport(domain.name, fileExists).then(
        (value) => set({ diskReports: { ...get().diskReports, [domain.name]: { status: 'ready', value } } }),
        (error: unknown) => set({ diskReports: { ...get().diskReports, [domain.name]: { status: 'error', message: describeError(error).message } } }),
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

  const loadForest = async (name: string) => {
    try {
      const selected = selectedSnapshotName(get());
      const forest = await host.forest(name);
      set({ forests: { ...get().forests, [name]: forest } });
      if (selectedDomain(get())?.name === name) keepSnapshot(get, set, selected);
      loadSelectedDetails();
    } catch (error) {
      get().say(describeError(error).message, 'error');
    }
  };

  const selectDomain = (index: number) => {
    const domains = visibleDomains(get());
    if (domains.length === 0) return set({ domainIndex: 0 });
    const domainIndex = Math.max(0, Math.min(domains.length - 1, index));
    if (domainIndex !== get().domainIndex) set({ domainIndex, snapshotIndex: 0, xmlScroll: 0 });
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

  return { loadSelectedDetails, loadForest, selectDomain, selectSnapshot };
}

/**
 * Puts the snapshot selection back on `name` in the selected domain's tree; when it is gone (a
 * delete, a rename), the row it was on stays selected, within the tree.
 */
export function keepSnapshot(get: Get, set: Set, name: string | null): void {
  const state = get();
  const lines = selectedTree(state);
  const at = name === null ? -1 : lines.findIndex((l) => l.node.name === name);
  const snapshotIndex = at >= 0 ? at : Math.max(0, Math.min(state.snapshotIndex, lines.length - 1));
  if (snapshotIndex !== state.snapshotIndex) set({ snapshotIndex });
}

/**
 * Puts the selection back on a domain (and snapshot) by name after the list changed under it;
 * a domain that is no longer shown leaves the selection on the same row, within the list.
 */
export function keepSelection(get: Get, set: Set, domain: string | null | undefined, snapshot: string | null): void {
  const visible = visibleDomains(get());
  const at = domain ? visible.findIndex((d) => d.name === domain) : -1;
  const domainIndex = at >= 0 ? at : Math.max(0, Math.min(get().domainIndex, visible.length - 1));
  const sameDomain = at >= 0;
  set({ domainIndex });
  keepSnapshot(get, set, sameDomain ? snapshot : null);
}

export function navigationSlice(ctx: SliceContext): NavigationActions {
  const { get, set, loaders } = ctx;
  const { selectDomain, selectSnapshot, loadSelectedDetails } = loaders;

  return {
    moveSelection(delta) {
      const state = get();
      if (state.focus === 'domains') selectDomain(state.domainIndex + delta);
      else if (state.focus === 'snapshots') selectSnapshot(state.snapshotIndex + delta);
      else if (state.focus === 'log') get().scrollLog(-delta);
      else if (state.focus === 'jobs') return;
      else get().scrollXml(delta);
    },
    cycleFocus(delta) {
      const panes = shownPanes(get());
      const at = Math.max(0, panes.indexOf(get().focus));
      const focus = panes[(at + delta + panes.length) % panes.length]!;
      set({ focus });
      if (focus !== 'domains') loadSelectedDetails();
    },
    toggleFocus() {
      get().cycleFocus(1);
    },
    focusSnapshots() {
      set({ focus: 'snapshots' });
      loadSelectedDetails();
    },
    focusBack() {
      const focus = get().focus;
      set({ focus: focus === 'details' ? 'snapshots' : 'domains' });
    },
    setView(view) {
      set({ view: get().view === view && view !== 'details' ? 'details' : view, xmlScroll: 0 });
      loadSelectedDetails();
    },
    scrollXml(delta) {
      set({ xmlScroll: Math.max(0, Math.min(1e6, get().xmlScroll + delta)) });
    },
    detailLayout(maxScroll) {
      if (get().xmlScroll > maxScroll) set({ xmlScroll: Math.max(0, maxScroll) });
    },
    scrollLog(delta) {
      set({ logScroll: Math.max(0, Math.min(1e6, get().logScroll + delta)) });
    },
    toggleCollapse() {
      const state = get();
      const domain = selectedDomain(state);
      const node = selectedNode(state);
      if (!domain || !node) return;
      if (node.children.length === 0) return get().say(`“${node.name}” has no children to collapse`);
      const key = snapshotKey(domain.name, node.name);
      const collapsed = { ...state.collapsed };
      if (collapsed[key]) delete collapsed[key];
      else collapsed[key] = true;
      set({ collapsed });
    },
    expandAll() {
      const domain = selectedDomain(get());
      if (!domain) return;
      const prefix = snapshotKey(domain.name, '');
      const selected = selectedSnapshotName(get());
      set({ collapsed: Object.fromEntries(Object.entries(get().collapsed).filter(([key]) => !key.startsWith(prefix))) });
      keepSnapshot(get, set, selected);
    },
    jumpToCurrent() {
      const state = get();
      const domain = selectedDomain(state);
      const forest = domain ? state.forests[domain.name] : undefined;
      if (!domain || !forest) return;
      if (!forest.current) return get().say(`${domain.name} has no current snapshot`, 'error');
      // Open every collapsed ancestor, so that the current snapshot has a line.
      const collapsed = { ...state.collapsed };
      const parents = new Map<string, string | null>();
      const walk = (nodes: typeof forest.roots) => {
        for (const n of nodes) {
          parents.set(n.name, n.parent);
          walk(n.children);
        }
      };
      walk(forest.roots);
      for (let p = parents.get(forest.current) ?? null; p !== null; p = parents.get(p) ?? null) delete collapsed[snapshotKey(domain.name, p)];
      set({ collapsed, focus: state.focus === 'domains' ? 'snapshots' : state.focus });
      const index = visibleTreeLines(forest, collapsed).findIndex((l) => l.node.name === forest.current);
      selectSnapshot(index);
    },
    toggleZoom() {
      set({ zoomed: !get().zoomed });
    },
    toggleWrap() {
      set({ wrapXml: !get().wrapXml });
    },
    toggleLog() {
      const open = !get().logOpen;
      set({ logOpen: open, logScroll: 0, focus: open ? get().focus : get().focus === 'log' ? 'domains' : get().focus });
    },
    selectByName(domain, snapshot = null) {
      const visible = visibleDomains(get());
      let at = visible.findIndex((d) => d.name === domain);
      if (at < 0 && get().domainFilter) {
        // A filter that hides it is dropped rather than leaving the selection elsewhere.
        set({ domainFilter: '' });
        at = visibleDomains(get()).findIndex((d) => d.name === domain);
      }
      if (at < 0) return;
      selectDomain(at);
      if (snapshot !== null) {
        keepSnapshot(get, set, snapshot);
        if (get().focus === 'domains') set({ focus: 'snapshots' });
      }
      loadSelectedDetails();
    },
  };
}
