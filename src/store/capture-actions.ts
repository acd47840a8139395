// Capturing a domain's state in the TUI: the "capture state" menu (every method of
// engine/capture-methods.ts with its trade-offs), the small forms behind the methods that take
// input (backup through a temporary snapshot, the backup job full or incremental, save, managed
// save), and the domain's checkpoints with their disks and bitmaps. Every method ends in the
// engine's plan in the one confirmation dialog (openDialog), which runs it journaled; the
// backups feed their copy progress into that dialog.

import { dirname, join } from 'node:path';
import type { Host } from '../engine/host.js';
import { describeError } from '../engine/error-report.js';
import { CAPTURE_METHODS, type CaptureMethodId } from '../engine/capture-methods.js';
import { readPlannerDomain } from '../engine/create/domain-facts.js';
import { planBackupPush, type BackupPushContext, type BackupPushParams } from '../engine/flows/backup-push.js';
import { planBackupSnapshot, type BackupFormat, type BackupSnapshotContext, type BackupSnapshotParams, type QuiesceMode } from '../engine/flows/backup-snapshot.js';
import { stampOf } from '../engine/flows/backup-tools.js';
import { listCheckpoints, planCheckpointDelete } from '../engine/flows/checkpoint.js';
import type { FlowPlan } from '../engine/flows/flow-plan.js';
import { planManagedSave, planSave, type AfterRestore } from '../engine/flows/save.js';
import { planManualSnapshot, type ManualSnapshotContext, type StorageAnswer } from '../engine/flows/manual-snapshot.js';
import type { CheckpointDetail } from '../engine/parse/checkpoint-xml.js';
import { formatBytes } from '../format/bytes.js';
import { BANDWIDTHS } from './bandwidth-choices.js';
import { openDialog, type ConfirmDialog } from './confirm.js';
import { editLine, insertText, lineAtEnd, type LineEditAction, type LineInput } from './line-edit.js';

/** A row of the capture menu: a method, or the domain's checkpoints. */
export type CaptureEntryId = CaptureMethodId | 'checkpoints';
export const CAPTURE_ENTRIES: readonly CaptureEntryId[] = [...CAPTURE_METHODS.map((m) => m.id), 'checkpoints'];

export interface CaptureMenu {
  domain: string;
  index: number;
  /** Lines the selected method's details are scrolled by. */
  scroll: number;
  maxScroll: number;
  hint: string | null;
}

export type CaptureFormKind = 'backup-snapshot' | 'backup-push' | 'save' | 'managedsave' | 'manual-snapshot';
export type CaptureField = 'path' | 'kind' | 'since' | 'disks' | 'quiesce' | 'format' | 'bandwidth' | 'action' | 'after';

export interface CaptureForm {
  kind: CaptureFormKind;
  domain: string;
  /** The backup directory, or the save file. */
  path: LineInput;
  disks: { target: string; chosen: boolean }[];
  /** The disk the cursor is on in the disks field. */
  diskCursor: number;
  quiesce: QuiesceMode;
  format: BackupFormat;
  /** MiB/s for merging the writes made during the copy back (0: no limit), as the merge wizard offers. */
  bandwidth: number;
  incremental: boolean;
  /** The checkpoint an incremental counts from; null: the newest in the directory. */
  since: string | null;
  /** The domain's checkpoints, for `since` (empty when they could not be read). */
  checkpoints: string[];
  after: AfterRestore;
  /** managedsave: remove the image instead of saving. */
  remove: boolean;
  field: CaptureField;
  planning: boolean;
  error: string | null;
  /** What this driver or domain cannot do, said before the plan says it. */
  note: string | null;
}

export interface CheckpointView {
  domain: string;
  status: 'loading' | 'ready' | 'error';
  items: CheckpointDetail[];
  error: string | null;
  index: number;
  /** The domain's snapshot count, shown beside the checkpoints. */
  snapshots: number | null;
}

/** A manual-storage snapshot waits, the guest paused, for the operator's storage snapshot. */
export interface StorageQuestion {
  domain: string;
  instructions: string[];
  /** Cancel (resume and discard) is focused first. */
  focus: 'cancel' | 'done';
}

export interface CaptureState {
  captureMenu: CaptureMenu | null;
  captureForm: CaptureForm | null;
  checkpointView: CheckpointView | null;
  captureStorage: StorageQuestion | null;
}

export interface CaptureActions {
  /** C: the menu of every way to capture the selected domain's state. */
  openCaptureMenu(): void;
  captureMenuMove(delta: number): void;
  captureMenuScroll(delta: number): void;
  captureMenuLayout(maxScroll: number): void;
  captureMenuAccept(): Promise<void>;
  captureMenuClose(): void;
  /** b (or the menu): a form, then the plan. */
  openCaptureForm(kind: CaptureFormKind, domain?: string): Promise<void>;
  captureFormMove(delta: 1 | -1): void;
  /** ←/→ on a choice (the cursor in the path field; the disk in the disks field). */
  captureFormChange(delta: 1 | -1): boolean;
  /** Space: toggles the disk under the cursor, cycles a choice; false in the path field (a space is typed). */
  captureFormToggle(): boolean;
  captureFormType(text: string): boolean;
  captureFormEdit(action: LineEditAction): boolean;
  captureFormSubmit(): Promise<void>;
  captureFormCancel(): void;
  /** K: the selected domain's checkpoints. */
  openCheckpoints(domain?: string): Promise<void>;
  checkpointMove(delta: number): void;
  /** D in the checkpoint view: the delete plan, typed confirmation. */
  checkpointDelete(): Promise<void>;
  closeCheckpoints(): void;
  /** ←/→ in the storage question. */
  storageChoose(delta: 1 | -1): void;
  /** Enter: the focused answer; `cancel`: Esc. */
  storageAnswer(answer?: StorageAnswer): void;
}

interface StoreView extends CaptureState, CaptureActions {
  readonly: boolean;
  inputMode: string;
  confirm: ConfirmDialog | null;
  forests: Record<string, { count: number }>;
  message: { text: string } | null;
  say(text: string, kind?: 'info' | 'error'): void;
  openCreate(): Promise<void>;
}

type Mode = 'normal' | 'confirm' | 'capture' | 'capture-form' | 'checkpoints' | 'capture-storage';
type Patch = Partial<CaptureState & { confirm: ConfirmDialog | null; inputMode: Mode }>;

const message = (error: unknown) => describeError(error).message;

const QUIESCE: readonly { value: QuiesceMode; label: string }[] = [
  { value: 'auto', label: 'when the agent answers' },
  { value: 'require', label: 'required' },
  { value: 'off', label: 'no' },
];
const AFTER: readonly { value: AfterRestore; label: string }[] = [
  { value: 'as-saved', label: 'as it was' },
  { value: 'running', label: 'running' },
  { value: 'paused', label: 'paused' },
];

/** The form's fields, in order, for what it does now. */
export function captureFields(form: CaptureForm): CaptureField[] {
  switch (form.kind) {
    case 'backup-snapshot':
      return ['path', 'disks', 'quiesce', 'format', 'bandwidth'];
    case 'backup-push':
      return form.incremental ? ['path', 'kind', 'since', 'disks', 'quiesce'] : ['path', 'kind', 'disks', 'quiesce'];
    case 'save':
      return ['path', 'after'];
    case 'managedsave':
      return form.remove ? ['action'] : ['action', 'after'];
    case 'manual-snapshot':
      return ['disks'];
  }
}

export const CAPTURE_FORM_TITLES: Record<CaptureFormKind, string> = {
  'backup-snapshot': 'Backup through a temporary snapshot',
  'backup-push': 'Backup job with a checkpoint',
  save: 'Save the memory to a file',
  managedsave: 'Managed save',
  'manual-snapshot': 'Snapshot with manual storage',
};

/** One field as a line of text (the path field's value is drawn by the component, with its cursor). */
export function captureFieldText(form: CaptureForm, field: CaptureField): string {
  const choice = <T>(values: readonly { value: T; label: string }[], current: T) =>
    values.map((v) => (v.value === current ? `[${v.label}]` : v.label)).join(' ');
  switch (field) {
    case 'path':
      return form.kind === 'save' ? 'file: ' : 'directory: ';
    case 'kind':
      return `kind: ${choice([{ value: false, label: 'full' }, { value: true, label: 'incremental' }], form.incremental)}`;
    case 'since':
      return `since: ${choice([{ value: null as string | null, label: 'newest in the directory' }, ...form.checkpoints.map((c) => ({ value: c as string | null, label: c }))], form.since)}`;
    case 'disks':
      return `${form.kind === 'manual-snapshot' ? 'disks you snapshot yourself' : 'disks'}: ${form.disks.length === 0 ? '(none)' : form.disks.map((d, i) => `${form.field === 'disks' && i === form.diskCursor ? '›' : ' '}[${d.chosen ? 'x' : ' '}] ${d.target}`).join(' ')}`;
    case 'quiesce':
      return `freeze file systems: ${choice(QUIESCE, form.quiesce)}`;
    case 'format':
      return `format: ${choice([{ value: 'qcow2' as const, label: 'qcow2' }, { value: 'raw' as const, label: 'raw' }], form.format)}`;
    case 'bandwidth':
      return `merge back at: ${choice(BANDWIDTHS.map((b) => ({ value: b, label: b === 0 ? 'no limit' : `${b} MiB/s` })), form.bandwidth)}`;
    case 'action':
      return `do: ${choice([{ value: false, label: 'save (the next start resumes)' }, { value: true, label: 'remove the image' }], form.remove)}`;
    case 'after':
      return `${form.kind === 'save' ? 'on restore' : 'on the next start'}: ${choice(AFTER, form.after)}`;
  }
}

const cycle = <T>(values: readonly T[], current: T, delta: number): T => {
  const at = Math.max(0, values.indexOf(current));
  return values[(at + delta + values.length) % values.length]!;
};

/** What the test driver (the demo host) cannot do, said plainly. */
function driverNote(host: Host, kind: CaptureFormKind): string | null {
  if (!host.uri.startsWith('test:')) return null;
  if (kind === 'backup-snapshot' || kind === 'backup-push') {
    return "libvirt's test driver has no backup jobs, and its disk files are imaginary (qemu-img cannot copy them): the plan shows what would run, and is refused.";
  }
  if (kind === 'manual-snapshot') return "libvirt's test driver runs no guest: the pause and the resume here are a demonstration.";
  return "libvirt's test driver keeps memory only for the life of its connection: a save here is a demonstration.";
}

export function captureActions(host: Host, get: () => StoreView, set: (patch: Patch) => void, selectedDomainName: () => string | null): CaptureActions {
  const updateForm = (change: (f: CaptureForm) => CaptureForm) => {
    const form = get().captureForm;
    if (form) set({ captureForm: change(form) });
  };
  const updateMenu = (change: (m: CaptureMenu) => CaptureMenu) => {
    const menu = get().captureMenu;
    if (menu) set({ captureMenu: change(menu) });
  };

  /**
   * The confirmation dialog is the flow dialog's; when it closes, `then` learns whether the
   * flow ran (or was cancelled before), so the form or the checkpoint list can come back.
   */
  const whenConfirmCloses = (plan: FlowPlan, then: (ran: boolean) => void) => {
    let ran = false;
    const timer = setInterval(() => {
      const dialog = get().confirm;
      if (dialog && dialog.plan === plan) {
        if (dialog.phase !== 'confirming') ran = true;
        return;
      }
      clearInterval(timer);
      then(ran);
    }, 60);
    timer.unref?.();
  };

  /** Replaces the running dialog's progress line that starts with `key` (or adds it). */
  const progressLine = (plan: FlowPlan, key: string, text: string) => {
    const dialog = get().confirm;
    if (!dialog || dialog.plan !== plan) return;
    const progress = [...dialog.progress];
    const at = progress.length > 0 && progress[progress.length - 1]!.startsWith(key) ? progress.length - 1 : -1;
    if (at >= 0) progress[at] = text;
    else progress.push(text);
    set({ confirm: { ...dialog, progress } });
  };

  const planForm = (form: CaptureForm): Promise<FlowPlan> => {
    const disks = form.disks.filter((d) => d.chosen).map((d) => d.target);
    const to = form.path.text.trim();
    switch (form.kind) {
      case 'backup-snapshot':
        return planBackupSnapshot(host, { domain: form.domain, to, disks, quiesce: form.quiesce, format: form.format, bandwidthMiB: form.bandwidth || undefined }) as Promise<FlowPlan>;
      case 'backup-push':
        return planBackupPush(host, { domain: form.domain, to, incremental: form.incremental, since: form.since ?? undefined, disks, quiesce: form.quiesce }) as Promise<FlowPlan>;
      case 'save':
        return planSave(host, { domain: form.domain, file: to, after: form.after }) as Promise<FlowPlan>;
      case 'managedsave':
        return planManagedSave(host, { domain: form.domain, remove: form.remove, after: form.after }) as Promise<FlowPlan>;
      case 'manual-snapshot':
        return planManualSnapshot(host, { domain: form.domain, manualDisks: disks }) as Promise<FlowPlan>;
    }
  };

  let storageResolve: ((answer: StorageAnswer) => void) | null = null;

  /** Progress inside a step: the qemu-img copy's percentages, the backup job's bytes; the manual snapshot's question. */
  const wireProgress = (plan: FlowPlan) => {
    if (plan.kind === 'manual-snapshot') {
      (plan.context as ManualSnapshotContext).confirmStorage = (instructions) =>
        new Promise<StorageAnswer>((resolve) => {
          storageResolve = resolve;
          set({ captureStorage: { domain: plan.domain, instructions, focus: 'cancel' }, inputMode: 'capture-storage' });
        });
    }
    if (plan.kind === 'backup-snapshot') {
      const last: Record<string, number> = {};
      (plan.context as BackupSnapshotContext).onCopyProgress = (disk, percent) => {
        const whole = Math.floor(percent);
        if (last[disk] === whole) return;
        last[disk] = whole;
        progressLine(plan, `copy ${disk}:`, `copy ${disk}: ${whole} %`);
      };
    } else if (plan.kind === 'backup-push') {
      (plan.context as BackupPushContext).onJobProgress = (info) => {
        const total = Number(info.fields['File total'] ?? info.dataTotalBytes ?? 0);
        const done = Number(info.fields['File processed'] ?? info.dataProcessedBytes ?? 0);
        if (total > 0) progressLine(plan, 'backup job:', `backup job: ${formatBytes(done)} of ${formatBytes(total)} (${Math.floor((done / total) * 100)} %)`);
      };
    }
  };

  const doneText = (plan: FlowPlan): string | null => {
    if (plan.kind === 'backup-snapshot') {
      const p = plan.params as BackupSnapshotParams;
      const verified = (plan.context as BackupSnapshotContext).verified;
      return `backed up ${p.domain} to ${p.dir}: ${p.disks.map((d) => `${d.target} (${verified[d.target] ?? 'copied'})`).join(', ')}; it runs on its own files again`;
    }
    if (plan.kind === 'backup-push') {
      const p = plan.params as BackupPushParams;
      return `${p.kind} backup of ${p.domain} in ${p.dir}, checkpoint ${p.checkpoint}`;
    }
    return null;
  };

  const defaultPath = (kind: CaptureFormKind, domain: string, firstSource: string | null): string => {
    const where = firstSource?.startsWith('/') ? dirname(firstSource) : '/var/lib/libvirt/images';
    const stamp = stampOf(new Date());
    if (kind === 'backup-snapshot') return join(where, `${domain}-backup-${stamp}`);
    // One directory for a full backup and the incrementals after it (its manifest chains them).
    if (kind === 'backup-push') return join(where, `${domain}-backups`);
    return join(where, `${domain}-${stamp}.save`);
  };

  const loadCheckpoints = async (domain: string) => {
    try {
      const items = await listCheckpoints(host, domain);
      const view = get().checkpointView;
      if (view?.domain !== domain) return;
      set({ checkpointView: { ...view, status: 'ready', items, error: null, index: Math.min(view.index, Math.max(0, items.length - 1)) } });
    } catch (error) {
      const view = get().checkpointView;
      if (view?.domain === domain) set({ checkpointView: { ...view, status: 'error', error: message(error) } });
    }
  };

  return {
    openCaptureMenu() {
      const domain = selectedDomainName();
      if (!domain) return get().say('no domain selected', 'error');
      set({ captureMenu: { domain, index: 0, scroll: 0, maxScroll: 0, hint: null }, inputMode: 'capture' });
    },
    captureMenuMove(delta) {
      updateMenu((m) => ({ ...m, index: Math.max(0, Math.min(CAPTURE_ENTRIES.length - 1, m.index + delta)), scroll: 0, hint: null }));
    },
    captureMenuScroll(delta) {
      updateMenu((m) => ({ ...m, scroll: Math.max(0, Math.min(m.maxScroll, m.scroll + delta)) }));
    },
    captureMenuLayout(maxScroll) {
      updateMenu((m) => (m.maxScroll === maxScroll ? m : { ...m, maxScroll, scroll: Math.min(m.scroll, maxScroll) }));
    },
    async captureMenuAccept() {
      const menu = get().captureMenu;
      if (!menu) return;
      const id = CAPTURE_ENTRIES[menu.index]!;
      if (id === 'checkpoints') {
        set({ captureMenu: null, inputMode: 'normal' });
        return get().openCheckpoints(menu.domain);
      }
      if (get().readonly) return updateMenu((m) => ({ ...m, hint: 'the connection is read-only (started with --readonly): nothing can be captured' }));
      switch (id) {
        case 'internal-snapshot':
        case 'external-snapshot':
        case 'external-disk-only-snapshot':
          set({ captureMenu: null, inputMode: 'normal' });
          return get().openCreate();
        case 'manual-storage-snapshot':
          set({ captureMenu: null });
          return get().openCaptureForm('manual-snapshot', menu.domain);
        case 'backup-temporary-snapshot':
          set({ captureMenu: null });
          return get().openCaptureForm('backup-snapshot', menu.domain);
        case 'backup-push':
          set({ captureMenu: null });
          return get().openCaptureForm('backup-push', menu.domain);
        case 'save':
        case 'managedsave':
          set({ captureMenu: null });
          return get().openCaptureForm(id, menu.domain);
      }
    },
    captureMenuClose() {
      set({ captureMenu: null, inputMode: 'normal' });
    },

    async openCaptureForm(kind, domainName) {
      const domain = domainName ?? selectedDomainName();
      if (!domain) return get().say('no domain selected', 'error');
      if (get().readonly) {
        set({ inputMode: 'normal' });
        return get().say('the connection is read-only (started with --readonly)', 'error');
      }
      let facts;
      try {
        facts = await readPlannerDomain(host, domain);
      } catch (error) {
        set({ inputMode: 'normal' });
        return get().say(message(error), 'error');
      }
      const candidates = facts.disks.filter((d) => d.device === 'disk' && d.source !== null && !d.readonly);
      // Manual storage: every disk is offered, those whose definition says snapshot='manual' chosen.
      const disks =
        kind === 'manual-snapshot'
          ? facts.disks.filter((d) => d.device === 'disk').map((d) => ({ target: d.target, chosen: d.snapshotDefault === 'manual' }))
          : candidates.map((d) => ({ target: d.target, chosen: true }));
      let checkpoints: string[] = [];
      if (kind === 'backup-push') checkpoints = await listCheckpoints(host, domain).then((list) => list.map((c) => c.name), () => []);
      const form: CaptureForm = {
        kind,
        domain,
        path: lineAtEnd(defaultPath(kind, domain, candidates[0]?.source ?? null)),
        disks,
        diskCursor: 0,
        quiesce: 'auto',
        format: 'qcow2',
        bandwidth: 0,
        incremental: false,
        since: null,
        checkpoints,
        after: 'as-saved',
        remove: false,
        field: kind === 'managedsave' ? 'action' : kind === 'manual-snapshot' ? 'disks' : 'path',
        planning: false,
        error: null,
        note: driverNote(host, kind),
      };
      set({ captureForm: form, inputMode: 'capture-form' });
    },
    captureFormMove(delta) {
      updateForm((f) => {
        const fields = captureFields(f);
        const at = Math.max(0, fields.indexOf(f.field));
        return { ...f, field: fields[(at + delta + fields.length) % fields.length]!, error: null };
      });
    },
    captureFormChange(delta) {
      const form = get().captureForm;
      if (!form || form.planning) return false;
      if (form.field === 'path') return false;
      const f = { ...form, error: null };
      switch (form.field) {
        case 'kind':
          f.incremental = !f.incremental;
          break;
        case 'since':
          f.since = cycle([null, ...f.checkpoints], f.since, delta);
          break;
        case 'disks':
          f.diskCursor = f.disks.length ? (f.diskCursor + delta + f.disks.length) % f.disks.length : 0;
          break;
        case 'quiesce':
          f.quiesce = cycle(QUIESCE.map((q) => q.value), f.quiesce, delta);
          break;
        case 'format':
          f.format = f.format === 'qcow2' ? 'raw' : 'qcow2';
          break;
        case 'bandwidth':
          f.bandwidth = cycle(BANDWIDTHS, f.bandwidth, delta);
          break;
        case 'action':
          f.remove = !f.remove;
          break;
        case 'after':
          f.after = cycle(AFTER.map((a) => a.value), f.after, delta);
          break;
      }
      set({ captureForm: f });
      return true;
    },
    captureFormToggle() {
      const form = get().captureForm;
      if (!form || form.field === 'path') return false;
      if (form.field === 'disks') {
        const disks = form.disks.map((d, i) => (i === form.diskCursor ? { ...d, chosen: !d.chosen } : d));
        set({ captureForm: { ...form, disks, error: null } });
        return true;
      }
      return get().captureFormChange(1);
    },
    captureFormType(text) {
      const form = get().captureForm;
      if (!form || form.field !== 'path' || form.planning) return false;
      set({ captureForm: { ...form, path: insertText(form.path, text), error: null } });
      return true;
    },
    captureFormEdit(action) {
      const form = get().captureForm;
      if (!form || form.field !== 'path' || form.planning) return false;
      set({ captureForm: { ...form, path: editLine(form.path, action), error: null } });
      return true;
    },
    async captureFormSubmit() {
      const form = get().captureForm;
      if (!form || form.planning) return;
      if (form.kind !== 'managedsave' && form.kind !== 'manual-snapshot' && form.path.text.trim() === '') return updateForm((f) => ({ ...f, error: form.kind === 'save' ? 'a file is needed' : 'a directory is needed' }));
      if ((form.kind === 'backup-snapshot' || form.kind === 'backup-push') && !form.disks.some((d) => d.chosen)) {
        return updateForm((f) => ({ ...f, error: 'choose at least one disk (space on the disks field)' }));
      }
      if (form.kind === 'manual-snapshot' && !form.disks.some((d) => d.chosen)) {
        return updateForm((f) => ({ ...f, error: 'choose the disks you snapshot with your own storage tools (space on a disk)' }));
      }
      updateForm((f) => ({ ...f, planning: true, error: null }));
      let plan: FlowPlan;
      try {
        plan = await planForm(form);
      } catch (error) {
        return updateForm((f) => ({ ...f, planning: false, error: message(error) }));
      }
      if (get().captureForm === null) return;
      wireProgress(plan);
      updateForm((f) => ({ ...f, planning: false }));
      set({ confirm: openDialog(plan), inputMode: 'confirm' });
      whenConfirmCloses(plan, (ran) => {
        const current = get().captureForm;
        if (!ran && current && get().confirm === null) return set({ inputMode: 'capture-form' });
        set({ captureForm: null });
        const said = doneText(plan);
        if (ran && said && get().confirm === null && get().inputMode === 'normal') {
          // Only when the flow ended done (a failure keeps its dialog until it is closed, and says why there).
          if (get().message?.text.endsWith(': done')) get().say(said);
        }
      });
    },
    captureFormCancel() {
      if (get().captureForm?.planning) return;
      set({ captureForm: null, inputMode: 'normal' });
    },

    async openCheckpoints(domainName) {
      const domain = domainName ?? selectedDomainName();
      if (!domain) return get().say('no domain selected', 'error');
      const snapshots = get().forests[domain]?.count ?? null;
      set({ checkpointView: { domain, status: 'loading', items: [], error: null, index: 0, snapshots }, inputMode: 'checkpoints' });
      await loadCheckpoints(domain);
    },
    checkpointMove(delta) {
      const view = get().checkpointView;
      if (!view || view.items.length === 0) return;
      set({ checkpointView: { ...view, index: Math.max(0, Math.min(view.items.length - 1, view.index + delta)) } });
    },
    async checkpointDelete() {
      const view = get().checkpointView;
      if (!view) return;
      if (get().readonly) return get().say('D: the connection is read-only (started with --readonly)', 'error');
      const item = view.items[view.index];
      if (!item) return get().say(`D: ${view.domain} has no checkpoint to delete`, 'error');
      let plan: FlowPlan;
      try {
        plan = (await planCheckpointDelete(host, { domain: view.domain, name: item.name })) as FlowPlan;
      } catch (error) {
        return get().say(message(error), 'error');
      }
      set({ confirm: openDialog(plan), inputMode: 'confirm' });
      whenConfirmCloses(plan, () => {
        // Back to the list, read again: it shows what the host has now.
        if (get().checkpointView?.domain !== view.domain || get().confirm !== null) return;
        set({ inputMode: 'checkpoints', checkpointView: { ...get().checkpointView!, status: 'loading' } });
        void loadCheckpoints(view.domain);
      });
    },
    closeCheckpoints() {
      set({ checkpointView: null, inputMode: 'normal' });
    },
    storageChoose(delta) {
      const question = get().captureStorage;
      if (question) set({ captureStorage: { ...question, focus: delta > 0 ? 'done' : 'cancel' } });
    },
    storageAnswer(answer) {
      const question = get().captureStorage;
      const resolve = storageResolve;
      if (!question || !resolve) return;
      storageResolve = null;
      // Back to the running flow's dialog: it resumes the guest next (and discards after a cancel).
      set({ captureStorage: null, inputMode: 'confirm' });
      resolve(answer ?? (question.focus === 'done' ? 'confirmed' : 'cancelled'));
    },
  };
}
