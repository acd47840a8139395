// Planning a snapshot rename: what will run, what refuses it, and the XML files it needs,
// prepared before anything changes so that the plan shows the exact commands.
//
// libvirt has no rename. virsh's `snapshot-edit --rename` redefines the new name and then
// deletes the old one's metadata, which re-parents the children to the old snapshot's parent.
// Internal snapshots cannot be renamed at all in practice: QEMU keeps the old qcow2 tag, so a
// later revert asks QEMU for a tag that does not exist, fails, and leaves the domain
// `shut off (failed)`; neither QEMU nor qemu-img can rename a tag.

import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Host } from '../host.js';
import type { SnapshotDetail, SnapshotSummary } from '../model.js';
import { SnapshotXml } from '../xml/snapshot-xml.js';
import { assertWritable, makeWorkDir, safeFileName, snapshotXmlForEdit } from './edit-redefine.js';

export interface RenameRequest {
  domain: string;
  from: string;
  to: string;
  /** Rename even an internal snapshot (its revert will then fail). */
  force?: boolean;
}

export interface RenameChild {
  name: string;
  current: boolean;
  /** The child's XML with <parent> pointing at the new name. */
  file: string;
}

/** How the old name is forgotten: `--metadata` on real drivers; the test driver refuses that flag but has no storage to lose. */
export type ForgetMode = 'metadata' | 'test-driver-delete';

export interface RenameOutline {
  request: RenameRequest;
  /** Files of this rename: the new XML, each child's XML, the originals, and journal.jsonl. */
  workDir: string;
  newFile: string;
  /** The old snapshot's XML as libvirt printed it (to restore by hand if ever needed). */
  originalFile: string;
  wasCurrent: boolean;
  parent: string | null;
  children: RenameChild[];
  internal: boolean;
  forgetMode: ForgetMode;
  /** Why it will not run; null when it may. */
  refusal: string | null;
  warnings: string[];
}

export class RenameError extends Error {
  override name = 'RenameError';
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

/** Reads what the rename needs and writes its files. Throws RenameError for requests that can never run. */
export async function outlineRename(host: Host, request: RenameRequest): Promise<RenameOutline> {
  const { domain, from, to } = request;
  assertWritable(host, domain);
  if (to === '') throw new RenameError('the new name is empty');
  if (to === from) throw new RenameError(`the snapshot is already named '${from}'`);
  const snapshots = await host.listSnapshots(domain);
  const source = snapshots.find((s) => s.name === from);
  if (!source) throw new RenameError(`domain '${domain}' has no snapshot named '${from}'`);
  if (snapshots.some((s) => s.name === to)) throw new RenameError(`domain '${domain}' already has a snapshot named '${to}'`);

  const xml = await snapshotXmlForEdit(host, domain, from);
  const renamed = SnapshotXml.parse(xml);
  const detail = renamed.detail();
  renamed.setName(to);

  const workDir = await makeWorkDir('rename');
  try {
    return await prepareFiles(host, request, xml, renamed, detail, snapshots, workDir);
  } catch (error) {
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
}

async function prepareFiles(
  host: Host,
  request: RenameRequest,
  xml: string,
  renamed: SnapshotXml,
  detail: SnapshotDetail,
  snapshots: SnapshotSummary[],
  workDir: string,
): Promise<RenameOutline> {
  const { domain, from, to } = request;
  const source = snapshots.find((s) => s.name === from)!;
  const originalFile = join(workDir, `original-${safeFileName(from)}`);
  const newFile = join(workDir, `new-${safeFileName(to)}`);
  await writeFile(originalFile, xml);
  await writeFile(newFile, renamed.toXml());

  const children: RenameChild[] = [];
  for (const [index, child] of snapshots.filter((s) => s.parent === from).entries()) {
    const childXml = SnapshotXml.parse(await snapshotXmlForEdit(host, domain, child.name));
    childXml.setParent(to);
    const file = join(workDir, `child-${index + 1}-${safeFileName(child.name)}`);
    await writeFile(file, childXml.toXml());
    children.push({ name: child.name, current: child.current, file });
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
    request,
    workDir,
    newFile,
    originalFile,
    wasCurrent: source.current,
    parent: source.parent,
    children,
    internal,
    forgetMode,
    refusal,
    warnings,
  };
}
