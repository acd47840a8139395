// The merge (m), flatten (f) and copy (y) wizards: a disk (one, or all for a merge or flatten),
// the range on its chain (top and base marks moved with ↑/↓), the options, then the pre-flight
// (the engine's plan: chains before and after, what merges into what, bytes to copy, free space,
// snapshots forgotten, warnings) with Cancel focused. Proceed starts the flow journaled; its
// progress (block job or qemu-img) goes to the jobs panel, the pivot follows by itself when
// chosen, and `a` aborts it after a confirmation.

import { dirname, join } from 'node:path';
import type { Host } from '../engine/host.js';
import { describeError } from '../engine/error-report.js';
import type { BlockPlan } from '../engine/flows/block-flow.js';
import { blockFlowPlan, startBlockFlow, type BlockContext } from '../engine/flows/block-run.js';
import { planBlockCopy } from '../engine/flows/copy-plan.js';
import type { FlowPlan } from '../engine/flows/flow-plan.js';
import type { Journal } from '../engine/flows/journal.js';
import { defaultMarks, mergeChains, moveMark, type MergeChains, type RangeMarks } from '../engine/flows/merge-chains.js';
import { planMerge, type MergeRequest } from '../engine/flows/merge-plan.js';
import { mergeFlowPlan, startMerge, type MergeContext } from '../engine/flows/merge-run.js';
import type { BlockJobEvent } from '../engine/jobs/block-job-types.js';
import { JobMonitor } from '../engine/jobs/job-monitor.js';
import { editLine, insertText } from './line-edit.js';
import { TUI_JOB_POLL_MS } from './job-actions.js';
import { jobEventBatch } from './job-event-batch.js';
import { BANDWIDTHS } from './bandwidth-choices.js';

export type WizardKind = 'commit' | 'pull' | 'copy';
export type WizardField = 'disk' | 'range' | 'end' | 'bandwidth' | 'forget' | 'delete' | 'dest' | 'shallow' | 'format';
/** commit of the active layer: pivot or keep the overlay; copy: pivot, finish, or wait (synchronized). */
export type WizardEnd = 'pivot' | 'keep' | 'finish' | 'wait';

export { BANDWIDTHS } from './bandwidth-choices.js';

export interface MergeWizard {
  kind: WizardKind;
  domain: string;
  /** The snapshot selected when the wizard opened (its layer is the merge's default). */
  snapshot: string | null;
  chains: MergeChains;
  /** Index into chains.disks; -1 = every disk with a chain. */
  disk: number;
  /** Per disk target. */
  marks: Record<string, RangeMarks>;
  /** Which mark ↑/↓ move (a flatten has only the base mark). */
  mark: 'top' | 'base';
  end: WizardEnd;
  /** MiB/s; 0 = unlimited. */
  bandwidth: number;
  forget: boolean;
  deleteFiles: boolean;
  dest: string;
  destCursor: number;
  shallow: boolean;
  format: 'qcow2' | 'raw';
  field: WizardField;
  stage: 'setup' | 'planning' | 'preflight' | 'abort';
  plan: FlowPlan | null;
  planError: string | null;
  focus: 'cancel' | 'confirm';
  scroll: number;
  follow: boolean;
  maxScroll: number;
  hint: string | null;
}

export interface MergeRunView {
  domain: string;
  disks: string[];
  title: string;
  /** Epoch milliseconds: jobs of its disks that ended before are not its own. */
  startedAt: number;
}

export type RunDiskStatus = { disk: string; status: 'waiting' | 'running' | 'ready' | 'completed' | 'failed' | 'aborted'; percent: number | null };

/**
 * Where each disk of a merge, flatten or copy stands: its job if one runs, its last end since the
 * run began, else waiting (a run of several disks takes them one after another).
 */
export function runDiskStatuses(run: MergeRunView, jobs: Readonly<Record<string, BlockJobEvent>>, log: readonly BlockJobEvent[]): RunDiskStatus[] {
  return run.disks.map((disk) => {
    const live = Object.values(jobs).find((job) => job.domain === run.domain && job.disk === disk);
    if (live) return { disk, status: live.phase, percent: live.percent };
    const ended = log.find((job) => job.domain === run.domain && job.disk === disk && job.at >= run.startedAt);
    return ended ? { disk, status: ended.phase, percent: null } : { disk, status: 'waiting', percent: null };
  });
}

export interface MergeState {
  merge: MergeWizard | null;
  /** The merge, flatten or copy this TUI started and still runs. */
  mergeRun: MergeRunView | null;
}

export interface MergeActions {
  openMerge(kind: WizardKind): Promise<void>;
  mergeMoveField(delta: 1 | -1): void;
  /** ↑/↓: moves the focused mark on the range, else the field; scrolls the pre-flight. */
  mergeArrow(delta: 1 | -1): void;
  /** ←/→ (and space): changes the focused option; Cancel or Proceed. */
  mergeChange(delta: 1 | -1): void;
  mergeType(text: string | null): boolean;
  mergeAccept(): Promise<void>;
  mergeCancel(): void;
  mergeScroll(delta: number): void;
  mergeLayout(maxScroll: number): void;
  /** `a` while a merge of the selected domain runs: asks, Cancel focused, then aborts it. */
  openMergeAbort(): boolean;
}

interface StoreView {
  readonly: boolean;
  merge: MergeWizard | null;
  mergeRun: MergeRunView | null;
  jobs: Record<string, BlockJobEvent>;
  jobLog: BlockJobEvent[];
  say(text: string, kind?: 'info' | 'error'): void;
  refresh(): Promise<void>;
}

type Patch = Partial<{
  merge: MergeWizard | null;
  mergeRun: MergeRunView | null;
  jobs: Record<string, BlockJobEvent>;
  jobLog: BlockJobEvent[];
  jobsOpen: boolean;
  inputMode: 'normal' | 'merge';
}>;

const message = (error: unknown) => (error instanceof Error ? error.message : describeError(error).message);

/** The wizard's fields, in Tab order, for what it does now. */
export function wizardFields(w: MergeWizard): WizardField[] {
  if (w.kind === 'copy') return ['disk', 'dest', 'shallow', 'format', 'end', 'bandwidth'];
  const fields: WizardField[] = ['disk', 'range'];
  if (w.kind === 'commit' && activeTop(w)) fields.push('end');
  return [...fields, 'bandwidth', 'forget', 'delete'];
}

/** The disks the wizard acts on. */
export function wizardDisks(w: MergeWizard): MergeChains['disks'] {
  if (w.disk >= 0) return w.chains.disks.slice(w.disk, w.disk + 1);
  return w.chains.disks.filter((d) => w.marks[d.target] !== undefined);
}

/** A commit whose top is the active layer (pivot or keep the overlay applies). */
export function activeTop(w: MergeWizard): boolean {
  return wizardDisks(w).some((d) => w.marks[d.target]?.top === 0);
}

function copyDest(chains: MergeChains, disk: number, format: 'qcow2' | 'raw'): string {
  const d = chains.disks[disk];
  const top = d?.layers[0]?.source;
  return top && top.startsWith('/') ? join(dirname(top), `${chains.domain}-${d.target}.copy.${format}`) : '';
}

/** What Proceed plans: a merge request, or a copy's. */
export function wizardRequest(w: MergeWizard): MergeRequest {
  const disks = wizardDisks(w);
  const kind = w.kind === 'pull' ? 'pull' : 'commit';
  const active = kind === 'commit' && activeTop(w);
  return {
    operation: kind,
    domain: w.domain,
    disks: disks.map((d) => {
      const m = w.marks[d.target]!;
      if (kind === 'pull') return { disk: d.target, base: m.base + 1 < d.layers.length ? d.layers[m.base + 1]!.source : undefined };
      return { disk: d.target, top: d.layers[m.top]!.source, base: d.layers[m.base]!.source };
    }),
    pivot: active && w.end === 'pivot' ? true : undefined,
    keepOverlay: active && w.end === 'keep' ? true : undefined,
    bandwidthMiB: w.bandwidth || undefined,
    forgetMetadata: w.forget,
    deleteUnusedFiles: w.deleteFiles,
  };
}

export function mergeActions(host: Host, journal: Journal, get: () => StoreView, set: (patch: Patch) => void, selection: () => { domain: string; snapshot: string | null } | null): MergeActions {
  const update = (change: (w: MergeWizard) => MergeWizard) => {
    const w = get().merge;
    if (w) set({ merge: change(w) });
  };
  let running: { abort(): Promise<void>; wizard: MergeWizard } | null = null;
  let planSeq = 0;

  // Progress into the jobs panel, batched as the panel's own monitor does.
  const batch = jobEventBatch(get, set);
  const feed = (event: BlockJobEvent) => batch.feed(event);

  const close = () => set({ merge: null, inputMode: 'normal' });

  const plan = async (w: MergeWizard) => {
    const seq = ++planSeq;
    update((d) => ({ ...d, stage: 'planning', hint: null, planError: null }));
    try {
      const monitor = new JobMonitor(host, { intervalMs: TUI_JOB_POLL_MS });
      let flow: FlowPlan;
      if (w.kind === 'copy') {
        const params = await planBlockCopy(host, {
          domain: w.domain,
          disk: w.chains.disks[w.disk]!.target,
          dest: w.dest,
          shallow: w.shallow,
          format: w.format,
          bandwidthMiB: w.bandwidth || undefined,
          end: w.end === 'pivot' ? 'pivot' : w.end === 'finish' ? 'finish' : undefined,
        });
        flow = blockFlowPlan(host, params, { monitor }) as FlowPlan;
      } else {
        flow = mergeFlowPlan(host, await planMerge(host, wizardRequest(w)), { monitor }) as FlowPlan;
      }
      if (seq !== planSeq) return;
      update((d) => ({ ...d, stage: 'preflight', plan: flow, focus: 'cancel', scroll: 0, follow: false }));
    } catch (error) {
      if (seq !== planSeq) return;
      update((d) => ({ ...d, stage: 'setup', planError: message(error) }));
    }
  };

  const start = (w: MergeWizard, flow: FlowPlan) => {
    const params = flow.params as { domain: string };
    const run =
      w.kind === 'copy'
        ? (() => {
            const r = startBlockFlow(flow as FlowPlan<BlockContext>, { journal, onEvent: feed });
            return { abort: () => r.abortJob(), result: r.result.then((x) => ({ ok: x.ok, outcome: x.outcome, error: x.error, flow: x.flow })) };
          })()
        : (() => {
            const r = startMerge(flow as FlowPlan<MergeContext>, { journal, onEvent: feed });
            return { abort: () => r.abort(), result: r.result.then((x) => ({ ok: x.ok, outcome: x.outcome, error: x.error, flow: x.flow })) };
          })();
    running = { abort: run.abort, wizard: w };
    const disks = w.kind === 'copy' ? [w.chains.disks[w.disk]!.target] : wizardDisks(w).map((d) => d.target);
    set({ merge: null, inputMode: 'normal', jobsOpen: true, mergeRun: { domain: params.domain, disks, title: flow.title, startedAt: Date.now() } });
    get().say(`${flow.title}: started (the jobs panel shows it; a aborts)`);
    void run.result
      .then((r) => {
        if (r.ok) get().say(`${flow.title}: ${r.outcome === 'ready' ? 'ready, left synchronized' : 'done'}`);
        else if (r.outcome === 'aborted') get().say(`${flow.title}: aborted${r.flow.unfinished ? `; unfinished in the journal (${r.flow.flowId}): H continues or rolls it back` : ''}`, 'error');
        else get().say(`${flow.title}: ${r.error ?? r.outcome}${r.flow.unfinished ? `; unfinished in the journal (${r.flow.flowId}): H continues or rolls it back` : ''}`, 'error');
      })
      .catch((error: unknown) => get().say(`${flow.title}: ${message(error)}`, 'error'))
      .finally(() => {
        running = null;
        (flow.context as { monitor?: JobMonitor }).monitor?.close();
        batch.flush();
        set({ mergeRun: null });
        void get().refresh();
      });
  };

  const changeField = (w: MergeWizard, delta: 1 | -1): MergeWizard => {
    switch (w.field) {
      case 'disk': {
        const n = w.chains.disks.length;
        if (w.kind === 'copy') {
          const disk = (w.disk + delta + n) % n;
          return { ...w, disk, dest: copyDest(w.chains, disk, w.format), destCursor: 0 };
        }
        // The disks with a chain, then "all" when there are several.
        const options = w.chains.disks.map((d, i) => (w.marks[d.target] ? i : null)).filter((i): i is number => i !== null);
        if (options.length > 1) options.push(-1);
        const at = Math.max(0, options.indexOf(w.disk));
        return { ...w, disk: options[(at + delta + options.length) % options.length]! };
      }
      case 'range':
        return w.kind === 'commit' ? { ...w, mark: w.mark === 'top' ? 'base' : 'top' } : w;
      case 'end': {
        const ends: WizardEnd[] = w.kind === 'copy' ? ['pivot', 'finish', 'wait'] : ['pivot', 'keep'];
        const at = Math.max(0, ends.indexOf(w.end));
        return { ...w, end: ends[(at + delta + ends.length) % ends.length]! };
      }
      case 'bandwidth': {
        const at = Math.max(0, BANDWIDTHS.indexOf(w.bandwidth));
        return { ...w, bandwidth: BANDWIDTHS[(at + delta + BANDWIDTHS.length) % BANDWIDTHS.length]! };
      }
      case 'forget':
        return { ...w, forget: !w.forget };
      case 'delete':
        return { ...w, deleteFiles: !w.deleteFiles };
      case 'shallow':
        return { ...w, shallow: !w.shallow };
      case 'format': {
        const format = w.format === 'qcow2' ? 'raw' : 'qcow2';
        const dest = w.dest.endsWith(`.${w.format}`) ? `${w.dest.slice(0, -w.format.length)}${format}` : w.dest;
        return { ...w, format, dest, destCursor: Math.min(w.destCursor, dest.length) };
      }
      case 'dest':
        return w;
    }
  };

  return {
    async openMerge(kind) {
      const picked = selection();
      if (!picked) return get().say('no domain selected', 'error');
      if (get().readonly) return get().say('the connection is read-only (started with --readonly)', 'error');
      if (get().mergeRun) return get().say(`${get().mergeRun!.title} still runs: one at a time (a aborts it)`, 'error');
      let chains: MergeChains;
      try {
        chains = await mergeChains(host, picked.domain);
      } catch (error) {
        return get().say(message(error), 'error');
      }
      const op = kind === 'pull' ? 'pull' : 'commit';
      const marks: Record<string, RangeMarks> = {};
      for (const d of chains.disks) {
        const m = defaultMarks(op, d, picked.snapshot);
        if (m) marks[d.target] = m;
      }
      let disk: number;
      if (kind === 'copy') disk = 0;
      else {
        // The first disk where the snapshot has a layer, else the first with a chain.
        const own = chains.disks.findIndex((d) => picked.snapshot !== null && marks[d.target] && d.layers.some((l) => l.createdBy.includes(picked.snapshot!)));
        disk = own >= 0 ? own : chains.disks.findIndex((d) => marks[d.target]);
        if (disk < 0) return get().say(`no disk of ${picked.domain} has a backing chain: nothing to ${kind === 'pull' ? 'flatten' : 'merge'}`, 'error');
      }
      if (chains.disks.length === 0) return get().say(`${picked.domain} has no disks`, 'error');
      const format = chains.disks[disk]?.layers[0]?.format === 'raw' ? 'raw' : 'qcow2';
      const dest = copyDest(chains, disk, format);
      set({
        merge: {
          kind,
          domain: picked.domain,
          snapshot: picked.snapshot,
          chains,
          disk,
          marks,
          mark: 'top',
          end: 'pivot',
          bandwidth: 0,
          forget: true,
          deleteFiles: false,
          dest,
          destCursor: dest.length,
          shallow: false,
          format,
          field: kind === 'copy' ? 'dest' : 'range',
          stage: 'setup',
          plan: null,
          planError: null,
          focus: 'cancel',
          scroll: 0,
          follow: false,
          maxScroll: 0,
          hint: null,
        },
        inputMode: 'merge',
      });
    },
    mergeMoveField(delta) {
      update((w) => {
        if (w.stage !== 'setup') return w;
        const fields = wizardFields(w);
        const at = Math.max(0, fields.indexOf(w.field));
        return { ...w, field: fields[(at + delta + fields.length) % fields.length]!, hint: null };
      });
    },
    mergeArrow(delta) {
      update((w) => {
        if (w.stage === 'preflight') return { ...w, follow: false, scroll: Math.max(0, Math.min(w.maxScroll, w.scroll + delta)) };
        if (w.stage !== 'setup') return w;
        if (w.field === 'range' && w.disk >= 0) {
          const d = w.chains.disks[w.disk]!;
          const m = w.marks[d.target];
          if (!m) return w;
          const marks = { ...w.marks, [d.target]: moveMark(w.kind === 'pull' ? 'pull' : 'commit', m, w.kind === 'pull' ? 'base' : w.mark, delta, d.layers.length) };
          return { ...w, marks, planError: null };
        }
        if (w.field === 'range') return { ...w, hint: 'with all disks each disk uses its default range: choose one disk (←→ on disk) to move the marks' };
        const fields = wizardFields(w);
        const at = Math.max(0, fields.indexOf(w.field));
        return { ...w, field: fields[Math.max(0, Math.min(fields.length - 1, at + delta))]!, hint: null };
      });
    },
    mergeChange(delta) {
      update((w) => {
        if (w.stage === 'preflight' || w.stage === 'abort') return { ...w, focus: delta > 0 ? 'confirm' : 'cancel', hint: null };
        if (w.stage !== 'setup') return w;
        if (w.field === 'dest') {
          const line = editLine({ text: w.dest, cursor: w.destCursor }, delta > 0 ? 'cursor-right' : 'cursor-left');
          return { ...w, destCursor: line.cursor };
        }
        return { ...changeField(w, delta), planError: null, hint: null };
      });
    },
    mergeType(text) {
      const w = get().merge;
      if (!w || w.stage !== 'setup' || w.field !== 'dest') return false;
      const line = text === null ? editLine({ text: w.dest, cursor: w.destCursor }, 'erase-back') : insertText({ text: w.dest, cursor: w.destCursor }, text);
      set({ merge: { ...w, dest: line.text, destCursor: line.cursor, planError: null } });
      return true;
    },
    async mergeAccept() {
      const w = get().merge;
      if (!w) return;
      if (w.stage === 'setup') return plan(w);
      if (w.stage === 'abort') {
        if (w.focus === 'cancel') return close();
        close();
        try {
          await running?.abort();
          get().say('abort sent: the jobs panel shows how it ends');
        } catch (error) {
          get().say(message(error), 'error');
        }
        return;
      }
      if (w.stage !== 'preflight' || !w.plan) return;
      if (w.focus === 'cancel') return close();
      if (w.plan.refusal) return update((d) => ({ ...d, hint: `refused: ${w.plan!.refusal} — it cannot run; Esc goes back` }));
      if (get().mergeRun) return update((d) => ({ ...d, hint: 'another merge still runs: one at a time' }));
      start(w, w.plan);
    },
    mergeCancel() {
      const w = get().merge;
      if (!w) return;
      if (w.stage === 'preflight') return set({ merge: { ...w, stage: 'setup', plan: null, focus: 'cancel', hint: null } });
      planSeq++;
      close();
    },
    mergeScroll(delta) {
      update((w) => ({ ...w, follow: false, scroll: Math.max(0, Math.min(w.maxScroll, w.scroll + delta)) }));
    },
    mergeLayout(maxScroll) {
      update((w) => (w.maxScroll === maxScroll ? w : { ...w, maxScroll, scroll: Math.min(w.scroll, maxScroll) }));
    },
    openMergeAbort() {
      const run = get().mergeRun;
      const picked = selection();
      if (!run || !running || (picked && picked.domain !== run.domain)) return false;
      set({ merge: { ...running.wizard, stage: 'abort', focus: 'cancel', hint: null }, inputMode: 'merge' });
      return true;
    },
  };
}
