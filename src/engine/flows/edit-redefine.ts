// The one safe way to change a snapshot's metadata: dump its XML, change it, and give the
// whole document back to libvirt with `snapshot-create --redefine`. Shared by the XML editor,
// description and current-mark edits, and rename.

import { lstat, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Host } from '../host.js';
import { virshCommands } from '../virsh/commands.js';
import { ReadOnlyError } from '../virsh/errors.js';

/** The snapshot's XML with security info, as virsh's snapshot-edit reads it before a redefine. */
export async function snapshotXmlForEdit(host: Host, domain: string, snapshot: string): Promise<string> {
  return (await host.run(virshCommands.snapshotXmlForRedefine(domain, snapshot))).stdout;
}

/** Refuses up front, before an editor opens or a file is written, on a read-only connection. */
export function assertWritable(host: Host, domain: string, snapshotFile = '<file>'): void {
  if (host.readonly) throw new ReadOnlyError(virshCommands.createSnapshotFromFile(domain, snapshotFile, { redefine: true }).args);
}

/** Private temporary folder for the files of one edit or rename. */
export function makeWorkDir(prefix: 'edit' | 'rename'): Promise<string> {
  return mkdtemp(join(tmpdir(), `virtsnap-${prefix}-`));
}

/**
 * Where a flow keeps the XML files its steps hand to virsh: a name only, chosen when it is
 * planned and kept in its params, so that a resumed flow names the same files. Nothing is
 * created until a step writes its file (writeFlowFile), so a plan that never runs leaves nothing.
 */
export function flowWorkDirName(prefix: 'rename' | 'description'): string {
  return join(tmpdir(), `virtsnap-${prefix}-${randomBytes(6).toString('hex')}`);
}

/**
 * Writes one of a flow's files, making its folder first (private to this user). A folder that
 * is already there is used only when it is this user's own real folder, not someone's link.
 */
export async function writeFlowFile(dir: string, file: string, text: string): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const stat = await lstat(dir);
    const uid = process.getuid?.();
    if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) throw new Error(`${dir} is not a folder of this user's own; not writing into it`);
  }
  await writeFile(file, text, { mode: 0o600 });
}

/** A file name that says what it holds and that any shell or editor takes as is. */
export function safeFileName(...parts: string[]): string {
  return `${parts.map((p) => p.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || '_').join('-')}.xml`;
}

export interface RedefineOptions {
  /** Pass --current: the snapshot becomes (or stays) the current one. */
  current?: boolean;
}

/** `snapshot-create DOMAIN FILE --redefine [--current]` with the XML written to a temporary file. */
export async function redefineSnapshot(host: Host, domain: string, xml: string, options: RedefineOptions = {}): Promise<void> {
  assertWritable(host, domain);
  const dir = await makeWorkDir('edit');
  try {
    const file = join(dir, 'snapshot.xml');
    await writeFile(file, xml);
    await host.run(virshCommands.createSnapshotFromFile(domain, file, { redefine: true, current: options.current }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
