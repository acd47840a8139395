// Carrying out a creation plan, the parts its flow (create-flow.ts) runs on failure and on
// undo: the removal of every file the run created that libvirt did not take into use. A file
// that existed before the run is never removed.

import { rmSync } from 'node:fs';
import type { Host, SnapshotWithXml } from '../host.js';
import { VirshCommandError } from '../virsh/errors.js';
import { readSnapshot } from '../xml/snapshot-xml.js';
import type { Plan, PlannedFile } from './types.js';
import type { HostStateReport } from '../flows/host-unchanged.js';

/** The plan's verdict is not `ok`: there is nothing to run. */
export class PlanNotRunnableError extends Error {
  override readonly name = 'PlanNotRunnableError';
  constructor(readonly plan: Plan) {
    super(`the snapshot cannot be created: ${plan.reason ?? plan.verdict}`);
  }
}

export interface KeptFile {
  path: string;
  why: string;
}

/** A planned command failed; libvirt's words are in `failure`, the cleanup in removed/kept. */
export class CreateFailedError extends Error implements HostStateReport {
  override readonly name = 'CreateFailedError';
  constructor(
    readonly failure: unknown,
    /** The argv of the command that failed. */
    readonly failedCommand: readonly string[],
    /** Files this run created and removed again. */
    readonly removed: string[],
    /** Files this run created that stay, and why. */
    readonly kept: KeptFile[],
    /** libvirt recorded nothing and every file the run made is removed: the host is as before. */
    readonly hostUnchanged = false,
  ) {
    const said = failure instanceof VirshCommandError ? failure.libvirtMessage : failure instanceof Error ? failure.message : String(failure);
    const lines = [`creating the snapshot failed: ${said}`];
    if (removed.length > 0) lines.push(`removed what this run had created: ${removed.join(', ')}`);
    for (const file of kept) lines.push(`kept ${file.path}: ${file.why}`);
    super(lines.join('\n'));
  }
}

export interface ExecuteResult {
  /** The created snapshot, or null with --no-metadata (libvirt keeps no record of it). */
  snapshot: SnapshotWithXml | null;
  /** libvirt's warnings printed while the commands ran. */
  warnings: string[];
}

export function plannedName(plan: Plan): string | null {
  if (!plan.xml) return null;
  const name = readSnapshot(plan.xml).name;
  return name === '' ? null : name;
}

export function noMetadata(plan: Plan): boolean {
  return plan.commands.some((args) => args.includes('--no-metadata'));
}

/** Every image path any disk of the domain uses now, live and in its persistent definition. */
async function pathsInUse(host: Host, domain: string): Promise<Set<string>> {
  const inUse = new Set<string>();
  for (const inactive of [false, true]) {
    const disks = await host.disks(domain, { inactive });
    for (const disk of disks) for (const layer of disk.chain) inUse.add(layer.source);
  }
  return inUse;
}

/** The memory file and overlays of the snapshot, if libvirt recorded it despite the error; null when it did not. */
async function pathsOfRecordedSnapshot(host: Host, domain: string, name: string | null): Promise<Set<string> | null> {
  if (name === null) return null;
  try {
    const { detail } = await host.snapshot(domain, name);
    const paths = new Set<string>();
    if (detail.memory.file) paths.add(detail.memory.file);
    for (const disk of detail.disks) if (disk.file) paths.add(disk.file);
    return paths;
  } catch (error) {
    if (error instanceof VirshCommandError && error.code === 'no-snapshot') return null;
    throw error;
  }
}

/**
 * Which files a failed run should remove: those it created (absent before, present now) that
 * libvirt does not use. Pure, so the rule is tested on its own.
 */
export function sortOutFiles(
  files: PlannedFile[],
  preExisting: ReadonlySet<string>,
  existsNow: (path: string) => boolean,
  inUse: ReadonlySet<string>,
): { remove: PlannedFile[]; keep: KeptFile[] } {
  const remove: PlannedFile[] = [];
  const keep: KeptFile[] = [];
  for (const file of files) {
    if (preExisting.has(file.path) || !existsNow(file.path)) continue;
    if (inUse.has(file.path)) {
      keep.push({ path: file.path, why: file.role === 'memory' ? 'the snapshot libvirt recorded refers to it' : 'the domain now uses it' });
    } else {
      remove.push(file);
    }
  }
  return { remove, keep };
}

/**
 * After a failed command: removes the files this run created that libvirt does not use (nor a
 * snapshot it recorded despite the error). `recorded`: libvirt kept a snapshot of that name
 * (or it could not be told).
 */
export async function cleanUp(
  host: Host,
  domain: string,
  plan: Plan,
  preExisting: ReadonlySet<string>,
  fileExists: (path: string) => boolean,
): Promise<{ removed: string[]; kept: KeptFile[]; recorded: boolean }> {
  let recordedPaths: Set<string> | null;
  try {
    recordedPaths = await pathsOfRecordedSnapshot(host, domain, plannedName(plan));
  } catch (error) {
    // Without knowing what libvirt recorded there is no telling what it uses: keep everything.
    const why = `could not read the snapshot libvirt may have recorded (${error instanceof Error ? error.message : String(error)})`;
    const kept = plan.files.filter((f) => !preExisting.has(f.path) && fileExists(f.path)).map((f) => ({ path: f.path, why }));
    return { removed: [], kept, recorded: true };
  }
  const { removed, kept } = await removeUnusedCreatedFiles(host, domain, plan, preExisting, fileExists, recordedPaths ?? new Set());
  return { removed, kept, recorded: recordedPaths !== null };
}

/** Removes the files the run created (absent before, present now) that no disk of the domain uses now. */
export async function removeUnusedCreatedFiles(
  host: Host,
  domain: string,
  plan: Plan,
  preExisting: ReadonlySet<string>,
  fileExists: (path: string) => boolean,
  alsoInUse: ReadonlySet<string> = new Set(),
  removeFile: (path: string) => void = (path) => rmSync(path),
): Promise<{ removed: string[]; kept: KeptFile[] }> {
  const createdByRun = plan.files.filter((f) => !preExisting.has(f.path) && fileExists(f.path));
  if (createdByRun.length === 0) return { removed: [], kept: [] };
  let inUse: Set<string>;
  try {
    inUse = new Set([...(await pathsInUse(host, domain)), ...alsoInUse]);
  } catch (error) {
    // Without the domain's current chain there is no telling what libvirt uses: keep everything.
    const why = `could not read the domain's disks to tell whether libvirt uses it (${error instanceof Error ? error.message : String(error)})`;
    return { removed: [], kept: createdByRun.map((f) => ({ path: f.path, why })) };
  }
  const { remove, keep } = sortOutFiles(plan.files, preExisting, fileExists, inUse);
  const removed: string[] = [];
  for (const file of remove) {
    try {
      removeFile(file.path);
      removed.push(file.path);
    } catch (error) {
      keep.push({ path: file.path, why: `removing it failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  return { removed, kept: keep };
}
