// Carrying out a creation plan: its commands, in order, through the host's runner, and on
// failure the removal of every file this run created that libvirt did not take into use.
// A file that existed before the run is never removed.

import { existsSync, rmSync } from 'node:fs';
import type { Host, SnapshotWithXml } from '../host.js';
import { virshCommands } from '../virsh/commands.js';
import { VirshCommandError, VirshError } from '../virsh/errors.js';
import { readSnapshot } from '../xml/snapshot-xml.js';
import type { Plan, PlannedFile } from './types.js';

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
export class CreateFailedError extends Error {
  override readonly name = 'CreateFailedError';
  constructor(
    readonly failure: unknown,
    /** The argv of the command that failed. */
    readonly failedCommand: readonly string[],
    /** Files this run created and removed again. */
    readonly removed: string[],
    /** Files this run created that stay, and why. */
    readonly kept: KeptFile[],
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

function plannedName(plan: Plan): string | null {
  if (!plan.xml) return null;
  const name = readSnapshot(plan.xml).name;
  return name === '' ? null : name;
}

function noMetadata(plan: Plan): boolean {
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

/** The memory file (and overlays) of the snapshot, if libvirt recorded it despite the error. */
async function pathsOfRecordedSnapshot(host: Host, domain: string, name: string | null): Promise<Set<string>> {
  const paths = new Set<string>();
  if (name === null) return paths;
  try {
    const { detail } = await host.snapshot(domain, name);
    if (detail.memory.file) paths.add(detail.memory.file);
    for (const disk of detail.disks) if (disk.file) paths.add(disk.file);
  } catch (error) {
    if (!(error instanceof VirshCommandError && error.code === 'no-snapshot')) throw error;
  }
  return paths;
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

async function cleanUp(
  host: Host,
  domain: string,
  plan: Plan,
  preExisting: ReadonlySet<string>,
  fileExists: (path: string) => boolean,
  removeFile: (path: string) => void,
): Promise<{ removed: string[]; kept: KeptFile[] }> {
  const createdByRun = plan.files.filter((f) => !preExisting.has(f.path) && fileExists(f.path));
  if (createdByRun.length === 0) return { removed: [], kept: [] };
  let inUse: Set<string>;
  try {
    inUse = new Set([...(await pathsInUse(host, domain)), ...(await pathsOfRecordedSnapshot(host, domain, plannedName(plan)))]);
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

/**
 * Runs an `ok` plan on `domain`. Throws PlanNotRunnableError for any other verdict, and
 * CreateFailedError (after cleaning up) when a command fails.
 */
export async function executePlan(host: Host, domain: string, plan: Plan): Promise<ExecuteResult> {
  if (plan.verdict !== 'ok') throw new PlanNotRunnableError(plan);
  const fileExists = existsSync;
  const removeFile = (path: string) => rmSync(path);
  // What exists now is never ours to remove, whatever the plan assumed when it was made.
  const preExisting = new Set(plan.files.filter((f) => fileExists(f.path)).map((f) => f.path));
  const warnings: string[] = [];

  for (const args of plan.commands) {
    try {
      const result = await host.run(virshCommands.plannedCommand(args));
      warnings.push(...result.warnings);
    } catch (error) {
      if (!(error instanceof VirshError)) throw error;
      if (!(error instanceof VirshCommandError)) {
        // virsh timed out or died: libvirt may still be writing these files, so none is touched.
        const why = 'virsh stopped answering, so libvirt may still be using it; check the snapshot and remove it by hand';
        const kept = plan.files.filter((f) => !preExisting.has(f.path) && fileExists(f.path)).map((f) => ({ path: f.path, why }));
        throw new CreateFailedError(error, args, [], kept);
      }
      const { removed, kept } = await cleanUp(host, domain, plan, preExisting, fileExists, removeFile);
      throw new CreateFailedError(error, args, removed, kept);
    }
  }

  if (noMetadata(plan)) return { snapshot: null, warnings };
  const name = plannedName(plan) ?? (await host.currentSnapshotName(domain));
  return { snapshot: name === null ? null : await host.snapshot(domain, name), warnings };
}
