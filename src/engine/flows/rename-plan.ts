// Planning a snapshot rename: what will run, what refuses it, and the XML it needs, read from
// the host once before anything changes so that the plan shows the exact commands.
//
// libvirt has no rename. virsh's `snapshot-edit --rename` redefines the new name and then
// deletes the old one's metadata, which re-parents the children to the old snapshot's parent.
// Internal snapshots cannot be renamed at all in practice: QEMU keeps the old qcow2 tag, so a
// later revert asks QEMU for a tag that does not exist, fails, and leaves the domain
// `shut off (failed)`; neither QEMU nor qemu-img can rename a tag.
//
// Everything the steps need, the XML documents included, is kept in RenameParams (plain JSON),
// so that `virtsnap resume` rebuilds the same steps with the same file names from the journal,
// even after the scratch files are gone: each step writes its own file before it runs.

import { snapshotNameProblem } from '../snapshot-names.js';
import { join } from 'node:path';
import type { Host } from '../host.js';
import type { SnapshotDetail } from '../model.js';
import { SnapshotXml } from '../xml/snapshot-xml.js';
import { assertWritable, flowWorkDirName, safeFileName, snapshotXmlForEdit } from './edit-redefine.js';

export interface RenameRequest {
  domain: string;
  from: string;
  to: string;
  /** Rename even an internal snapshot (its revert will then fail). */
  force?: boolean;
  /** Also set the description in the same redefine ('' or null removes it; undefined keeps it). */
  description?: string | null;
  /** Also make the renamed snapshot the current one. */
  makeCurrent?: boolean;
}

export interface RenameChild {
  name: string;
  /** Its redefine passes --current (it is current now, and the rename does not make the new name current). */
  current: boolean;
  /** The child's XML with <parent> pointing at the new name. */
  xml: string;
  /** The child's XML as it is (for the undo). */
  originalXml: string;
}

/** How the old name is forgotten: `--metadata` on real drivers; the test driver refuses that flag but has no storage to lose. */
export type ForgetMode = 'metadata' | 'test-driver-delete';

export interface RenameParams {
  request: { domain: string; from: string; to: string; force: boolean; description?: string | null; makeCurrent: boolean };
  /** Scratch folder for the XML files handed to virsh (created by the first step that writes one). */
  workDir: string;
  /** The old snapshot's XML as libvirt printed it (to restore by hand, and for the undo). */
  originalXml: string;
  /** The same XML under the new name (and description, when one is set). */
  newXml: string;
  wasCurrent: boolean;
  /** The current snapshot before the rename (to give the mark back on rollback). */
  previousCurrent: string | null;
  parent: string | null;
  children: RenameChild[];
  internal: boolean;
  forgetMode: ForgetMode;
  /** Why it will not run; null when it may. */
  refusal: string | null;
  warnings: string[];
}

export interface RenameFiles {
  original: string;
  new: string;
  children: { name: string; new: string; original: string }[];
}

export class RenameError extends Error {
  override name = 'RenameError';
  constructor(
    message: string,
    /** True for requests that make no sense (empty name, same name, name taken); false when the snapshot is missing. */
    readonly refused = true,
  ) {
    super(message);
  }
}

/** Internal memory or any internal disk: the qcow2 tags carry the old name. */
export function hasInternalParts(detail: SnapshotDetail): boolean {
  return detail.location === 'internal' || detail.memory.mode === 'internal' || detail.disks.some((d) => d.mode === 'internal');
}

export const INTERNAL_RENAME_REFUSAL =
  'it is an internal snapshot (or has internal parts): QEMU keeps the old name as the qcow2 tag and nothing can rename the tag, ' +
  'so a revert to the renamed snapshot would fail and leave the domain shut off (failed). Use --force to rename it anyway.';

export function isTestDriver(uri: string): boolean {
  return /^test(\+[a-z]+)?:/.test(uri);
}

/** The scratch files' names, from the params alone (the same on every rebuild). */
export function renameFiles(params: RenameParams): RenameFiles {
  const { from, to } = params.request;
  return {
    original: join(params.workDir, `original-${safeFileName(from)}`),
    new: join(params.workDir, `new-${safeFileName(to)}`),
    children: params.children.map((child, index) => ({
      name: child.name,
      new: join(params.workDir, `child-${index + 1}-${safeFileName(child.name)}`),
      original: join(params.workDir, `child-${index + 1}-original-${safeFileName(child.name)}`),
    })),
  };
}

/** Reads what the rename needs (nothing is written anywhere). Throws RenameError for requests that can never run. */
export async function outlineRename(host: Host, request: RenameRequest): Promise<RenameParams> {
  const { domain, from, to } = request;
  assertWritable(host, domain);
  if (to === '') throw new RenameError('the new name is empty');
  if (to === from) throw new RenameError(`the snapshot is already named '${from}'`);
  // the one name check create and edit use too: '/', a leading '.', control characters, length
  const nameProblem = snapshotNameProblem(to);
  if (nameProblem) throw new RenameError(nameProblem);
  const snapshots = await host.listSnapshots(domain);
  const source = snapshots.find((s) => s.name === from);
  if (!source) throw new RenameError(`domain '${domain}' has no snapshot named '${from}'`, false);
  if (snapshots.some((s) => s.name === to)) throw new RenameError(`domain '${domain}' already has a snapshot named '${to}'`);

  const originalXml = await snapshotXmlForEdit(host, domain, from);
  const renamed = SnapshotXml.parse(originalXml);
  const detail = renamed.detail();
  renamed.setName(to);
  if (request.description !== undefined) renamed.setDescription(request.description === '' ? null : request.description);
  const makeCurrent = Boolean(request.makeCurrent) && !source.current;
  const previousCurrent = snapshots.find((s) => s.current)?.name ?? null;

  const children: RenameChild[] = [];
  for (const child of snapshots.filter((s) => s.parent === from)) {
    const childOriginal = await snapshotXmlForEdit(host, domain, child.name);
    const childXml = SnapshotXml.parse(childOriginal);
    childXml.setParent(to);
    children.push({ name: child.name, current: child.current && !makeCurrent, xml: childXml.toXml(), originalXml: childOriginal });
  }

  const internal = hasInternalParts(detail);
  const warnings: string[] = [];
  let refusal: string | null = null;
  if (internal) {
    if (request.force) warnings.push(`renaming the internal snapshot '${from}' anyway (--force): ${INTERNAL_RENAME_REFUSAL.split('. Use')[0]}.`);
    else refusal = `cannot rename '${from}': ${INTERNAL_RENAME_REFUSAL}`;
  }
  const forgetMode: ForgetMode = isTestDriver(host.uri) ? 'test-driver-delete' : 'metadata';
  if (forgetMode === 'test-driver-delete') {
    warnings.push(
      "test driver: it refuses `snapshot-delete --metadata`, so the old name is removed with a plain `snapshot-delete` once no child points at it (the test driver has no disk data to lose); the result lasts only as long as this connection's virsh process.",
    );
  }
  return {
    request: {
      domain,
      from,
      to,
      force: Boolean(request.force),
      ...(request.description !== undefined ? { description: request.description } : {}),
      makeCurrent,
    },
    workDir: flowWorkDirName('rename'),
    originalXml,
    newXml: renamed.toXml(),
    wasCurrent: source.current,
    previousCurrent,
    parent: source.parent,
    children,
    internal,
    forgetMode,
    refusal,
    warnings,
  };
}
