// The steps of a delete, one per decided action: libvirt's own `snapshot-delete`, forgetting a
// snapshot's metadata (and redefining its children as they were), and removing the files left
// behind. Each step checks its effect on the host; forgetting can be undone (the saved XML is
// redefined), a merge or a removed file cannot.

import { existsSync } from 'node:fs';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Host } from '../host.js';
import { virshCommands } from '../virsh/commands.js';
import { readSnapshot } from '../xml/snapshot-xml.js';
import { JobMonitor } from '../jobs/job-monitor.js';
import { fileStillUsed } from './block-stale-snapshots.js';
import type { ChildRedefine, DeleteAction } from './delete-decide.js';
import { isLive, surveyDelete } from './delete-survey.js';
import { safeFileName } from './edit-redefine.js';
import { plannedVirsh, type PlannedCommand, type StepDefinition } from './step-machine.js';
import { backingOf, imageChain, offlineTimeoutMs, runQemuImgProgress } from './offline-qemu-img.js';
import { definedTops, offlineDefinition } from './offline-define.js';
import { filesOf } from '../host-files.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';

export interface DeleteContext {
  host: Host;
}

type Step = StepDefinition<DeleteContext>;
type Libvirt = Extract<DeleteAction, { kind: 'libvirt' }>;
type Forget = Extract<DeleteAction, { kind: 'forget' }>;
type DeleteFiles = Extract<DeleteAction, { kind: 'delete-files' }>;
type BlockCommit = Extract<DeleteAction, { kind: 'block-commit' }>;
type OfflineCommit = Extract<DeleteAction, { kind: 'offline-commit' }>;

/** Longest a merge inside a delete may take before the step fails (the job then goes on in libvirt). */
const BLOCK_COMMIT_TIMEOUT_MS = 60 * 60_000;

async function liveChain(host: Host, domain: string, disk: string): Promise<string[]> {
  return (await host.disks(domain)).find((d) => d.target === disk)?.chain.map((l) => l.source) ?? [];
}

/**
 * `blockcommit --top O --base S` (or `--active`, then a pivot once ready), followed to its end
 * with a JobMonitor. libvirt rewrites the backing file of the image above O itself.
 */
export function blockCommitStep(domain: string, action: BlockCommit): Step {
  const start = virshCommands.blockCommit(domain, action.disk, action.active ? { active: true, base: action.into } : { top: action.overlay, base: action.into });
  const commands = [plannedVirsh(start), plannedVirsh(virshCommands.blockJobInfo(domain, action.disk))];
  if (action.active) commands.push(plannedVirsh(virshCommands.blockJobPivot(domain, action.disk)));
  return {
    id: `merge:${action.snapshot}:${action.disk}`,
    title: `merge ${action.overlay} into ${action.into} (${action.disk}) with a block commit${action.active ? ' and pivot to it' : ''}`,
    commands,
    leavesState: `${action.overlay} is merged into ${action.into}; ${quote(action.snapshot)} still has its metadata`,
    run: async ({ host }, journal) => {
      const chainBefore = await liveChain(host, domain, action.disk);
      await host.run(start);
      const monitor = new JobMonitor(host);
      let timer: NodeJS.Timeout | undefined;
      try {
        const job = monitor.watch(domain, action.disk, { chainBefore, type: action.active ? 'active-commit' : 'commit' });
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the block commit on ${action.disk} did not end within ${BLOCK_COMMIT_TIMEOUT_MS / 60_000} min; it goes on in libvirt (virtsnap jobs ${domain})`)), BLOCK_COMMIT_TIMEOUT_MS);
        });
        if (action.active) {
          const ready = await Promise.race([job.ready(), timeout]);
          if (ready.phase !== 'ready') throw new Error(`the block commit on ${action.disk} ended ${ready.phase}${ready.message ? `: ${ready.message}` : ''}`);
          await monitor.pivot(domain, action.disk);
        }
        const end = await Promise.race([job.finished, timeout]);
        if (end.phase !== 'completed') throw new Error(`the block commit on ${action.disk} ended ${end.phase}${end.message ? `: ${end.message}` : ''}`);
        journal.note(`${action.disk}: ${action.overlay} merged into ${action.into}`);
      } finally {
        clearTimeout(timer);
        monitor.close();
      }
    },
    check: async ({ host }) => {
      const chain = await liveChain(host, domain, action.disk);
      if (chain.includes(action.overlay)) return `${action.overlay} is still in ${action.disk}'s chain (${chain.join(' ← ')})`;
      if (!chain.includes(action.into)) return `${action.into} is not in ${action.disk}'s chain (${chain.join(' ← ')})`;
      return null;
    },
  };
}

const quote = (name: string) => `“${name}”`;

/** What is wrong with the tree around a deleted snapshot: it is gone, its children hang under its parent. */
async function treeProblem(host: Host, domain: string, name: string, parent: string | null, children: readonly string[]): Promise<string | null> {
  const snapshots = await host.listSnapshots(domain);
  if (snapshots.some((s) => s.name === name)) return `${quote(name)} still exists`;
  for (const child of children) {
    const found = snapshots.find((s) => s.name === child);
    if (!found) return `its child ${quote(child)} is gone`;
    if (found.parent !== parent) return `its child ${quote(child)} has parent ${found.parent ?? '(none)'}, expected ${parent ?? '(none)'}`;
  }
  return null;
}

export function libvirtDeleteStep(domain: string, action: Libvirt): Step {
  const command = virshCommands.deleteSnapshot(domain, action.snapshot);
  const overlays = Object.values(action.overlays);
  return {
    id: `delete:${action.snapshot}`,
    title:
      action.location === 'external' && overlays.length > 0
        ? `delete ${quote(action.snapshot)}: libvirt merges its overlay${overlays.length > 1 ? 's' : ''} down and removes ${overlays.length > 1 ? 'them' : 'it'}`
        : `delete ${quote(action.snapshot)}`,
    commands: [plannedVirsh(command)],
    removes: overlays,
    leavesState: `${quote(action.snapshot)} is deleted`,
    run: async ({ host }) => {
      await host.run(command);
    },
    check: async ({ host }) => {
      const tree = await treeProblem(host, domain, action.snapshot, action.parent, action.children);
      if (tree || overlays.length === 0) return tree;
      const state = await host.run(virshCommands.domainState(domain));
      const live = /^(running|paused)/.test(state.stdout.trim());
      const disks = await host.disks(domain, { inactive: !live });
      for (const [disk, overlay] of Object.entries(action.overlays)) {
        const chain = disks.find((d) => d.target === disk)?.chain.map((l) => l.source) ?? [];
        if (chain.includes(overlay)) return `${overlay} is still in ${disk}'s chain (${chain.join(' ← ')})`;
        if (live && !chain.includes(action.into[disk]!)) return `${action.into[disk]} is not in ${disk}'s chain (${chain.join(' ← ')})`;
      }
      return null;
    },
  };
}

/** Where a forget step writes the XML it redefines (under the flow's own work folder). */
export function redefineFile(workDir: string, snapshot: string, role: 'child' | 'original' | 'child-original', child = ''): string {
  return join(workDir, safeFileName(role, snapshot, ...(child ? [child] : [])));
}

async function redefine(host: Host, domain: string, file: string, xml: string, current: boolean): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  await writeFile(file, xml, { mode: 0o600 });
  await host.run(virshCommands.createSnapshotFromFile(domain, file, { redefine: true, current }));
}

async function statesOf(host: Host, domain: string, name: string): Promise<Record<string, string>> {
  const { detail } = await host.snapshot(domain, name);
  return Object.fromEntries(detail.domainDisks.filter((d) => d.source).map((d) => [d.target, d.source!]));
}

export function forgetStep(domain: string, action: Forget, workDir: string): Step {
  const forget = virshCommands.deleteSnapshot(domain, action.snapshot, { metadata: true });
  const childCommand = (c: ChildRedefine) =>
    virshCommands.createSnapshotFromFile(domain, redefineFile(workDir, action.snapshot, 'child', c.name), { redefine: true, current: c.current });
  const originalFile = redefineFile(workDir, action.snapshot, 'original');
  const undoCommands: PlannedCommand[] = [
    plannedVirsh(virshCommands.createSnapshotFromFile(domain, originalFile, { redefine: true, current: action.wasCurrent })),
    ...action.children.map((c) =>
      plannedVirsh(virshCommands.createSnapshotFromFile(domain, redefineFile(workDir, action.snapshot, 'child-original', c.name), { redefine: true, current: c.current })),
    ),
  ];
  const children = action.children.map((c) => c.name);
  return {
    id: `forget:${action.snapshot}`,
    title: `forget ${quote(action.snapshot)} (snapshot-delete --metadata)${children.length ? ` and redefine its children under ${action.parent ? quote(action.parent) : 'no parent'}` : ''}`,
    commands: [plannedVirsh(forget), ...action.children.map((c) => plannedVirsh(childCommand(c)))],
    leavesState: `${quote(action.snapshot)} is forgotten; its files are unchanged`,
    run: async ({ host }, journal) => {
      // Idempotent, so that a resumed flow can run it again: the metadata may already be gone.
      const exists = (await host.listSnapshots(domain)).some((s) => s.name === action.snapshot);
      if (exists) await host.run(forget);
      else journal.note(`${quote(action.snapshot)} was already forgotten`);
      for (const child of action.children) {
        // libvirt 9.0 rewrites a child's recorded state files on a metadata delete as if a merge had happened: put them back.
        await redefine(host, domain, redefineFile(workDir, action.snapshot, 'child', child.name), child.xml, child.current);
        journal.note(`${quote(child.name)} redefined under ${action.parent ? quote(action.parent) : 'no parent'}`);
      }
    },
    check: async ({ host }) => {
      const tree = await treeProblem(host, domain, action.snapshot, action.parent, children);
      if (tree) return tree;
      for (const child of action.children) {
        const states = await statesOf(host, domain, child.name);
        for (const [disk, file] of Object.entries(child.states)) {
          if (states[disk] !== file) return `${quote(child.name)} records its ${disk} state in ${states[disk] ?? '(nothing)'}, expected ${file}`;
        }
      }
      return null;
    },
    undo: {
      title: `redefine ${quote(action.snapshot)} and its children from the XML saved before`,
      commands: undoCommands,
      run: async ({ host }) => {
        const exists = (await host.listSnapshots(domain)).some((s) => s.name === action.snapshot);
        if (!exists) await redefine(host, domain, originalFile, action.xml, action.wasCurrent);
        for (const child of action.children) {
          await redefine(host, domain, redefineFile(workDir, action.snapshot, 'child-original', child.name), child.originalXml, child.current);
        }
      },
    },
  };
}

/** Who still needs `file`: a chain or snapshot of any domain, or (this domain) a snapshot's state or an image built on it. */
async function whoUses(host: Host, domain: string, file: string): Promise<string | null> {
  const survey = await surveyDelete(host, domain);
  for (const s of survey.snapshots) {
    if (Object.values(s.states).includes(file)) return `snapshot ${s.name} (its state)`;
  }
  const dependent = Object.entries(survey.backing).find(([, b]) => b === file);
  if (dependent) return `${dependent[0]} (backing file)`;
  return fileStillUsed(host, file);
}

export function deleteFilesStep(domain: string, action: DeleteFiles): Step {
  return {
    id: 'delete-files',
    title: 'remove the files the delete left behind, where no chain or snapshot uses them',
    commands: [{ program: 'rm', args: ['--', ...action.files], mutates: true }],
    removes: action.files,
    leavesState: 'the snapshots are deleted and the unused files removed',
    run: async ({ host }, journal) => {
      for (const file of action.files) {
        if (!existsSync(file)) {
          journal.note(`${file}: already gone`);
          continue;
        }
        const user = await whoUses(host, domain, file);
        if (user) {
          journal.note(`${file}: kept, used by ${user}`);
          continue;
        }
        await unlink(file);
        journal.note(`${file}: removed`);
      }
    },
    check: async ({ host }) => {
      for (const file of action.files) {
        if (existsSync(file) && !(await whoUses(host, domain, file))) return `${file} still exists`;
      }
      return null;
    },
  };
}

export { isLive };

/** A qemu-img rebase of the backing name only: quick, but bounded like every process. */
const REBASE_TIMEOUT_MS = 60_000;

/**
 * The merge of an external snapshot's overlay with the domain off: `qemu-img commit -b S O`
 * writes O's clusters into S; the image built on O is rebased onto S (`-u`: S now holds what O
 * held, so only the name changes); and when O was the disk's top, the persistent definition is
 * pointed at S with no stale <backingStore>. Each part can run again safely, so a resumed step
 * is simply run again when its effect is not there yet.
 */
export function offlineCommitStep(domain: string, action: OfflineCommit): Step {
  const commit = ['commit', '-p', '-f', 'qcow2', '-b', action.into, action.overlay];
  const rebase = action.above ? ['rebase', '-u', '-f', 'qcow2', '-F', 'qcow2', '-b', action.into, action.above] : null;
  const commands: PlannedCommand[] = [{ program: 'qemu-img', args: commit, mutates: true }];
  if (rebase) commands.push({ program: 'qemu-img', args: rebase, mutates: true });
  if (action.top) {
    commands.push(plannedVirsh(virshCommands.domainXml(domain, true)), plannedVirsh(virshCommands.defineDomain('<the definition with the disk on the merged file>')));
  }
  return {
    id: `merge:${action.snapshot}:${action.disk}`,
    title: `merge ${action.overlay} into ${action.into} (${action.disk}) with qemu-img (the domain is off)${action.above ? `, rebase ${action.above} onto it` : ''}${action.top ? `, define ${action.disk} on it` : ''}`,
    commands,
    leavesState: `${action.overlay} is merged into ${action.into}; ${quote(action.snapshot)} still has its metadata`,
    run: async ({ host }, journal) => {
      // on the host's files: this machine's, or the host's over SSH
      const files = filesOf(host);
      await runQemuImgProgress({ files, args: commit, timeoutMs: offlineTimeoutMs(null) });
      journal.note(`${action.disk}: ${action.overlay} committed into ${action.into}`);
      if (rebase) {
        const result = await files.qemuImg(rebase, { timeoutMs: REBASE_TIMEOUT_MS });
        if (result.failed || result.notRun) throw new Error(`qemu-img ${rebase.join(' ')}: ${result.notRun ?? (result.timedOut ? 'timed out' : result.stderr.trim())}`);
        journal.note(`${action.above} now backed by ${action.into}`);
      }
      if (action.top) {
        const format = (await imageChain(action.into, files))[0]?.format ?? 'qcow2';
        const xml = offlineDefinition(await host.domainXml(domain, { inactive: true }), new Map([[action.disk, { file: action.into, format }]]));
        const dir = await mkdtemp(join(tmpdir(), 'virtsnap-delete-'));
        try {
          const file = join(dir, 'definition.xml');
          await writeFile(file, xml, { mode: 0o600 });
          await host.run(virshCommands.defineDomain(file));
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
        journal.note(`${action.disk} defined on ${action.into}`);
      }
    },
    check: async ({ host }) => {
      if (action.above && (await backingOf(action.above, filesOf(host))) !== action.into) return `${action.above} is not backed by ${action.into} yet`;
      if (action.top) {
        const defined = definedTops(await host.domainXml(domain, { inactive: true })).get(action.disk);
        if (defined?.file !== action.into) return `${action.disk} is defined on ${defined?.file ?? '(nothing)'}, not ${action.into}`;
      }
      return null;
    },
  };
}
