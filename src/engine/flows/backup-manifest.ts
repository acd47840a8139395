// The small manifest a backup directory keeps (`virtsnap-backup.json`): which backups it holds,
// full or incremental, through which checkpoint, of which disks, when. restore-backup builds
// its chains from it, and an incremental backup finds the checkpoint to start from in it.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MANIFEST_NAME = 'virtsnap-backup.json';

export interface ManifestDisk {
  /** Target name (`vda`). */
  target: string;
  /** File name inside the backup directory. */
  file: string;
  format: string;
  /** The disk's image when the backup was taken. */
  source: string;
  virtualSize: number;
  /** Bytes the backup file takes (qemu-img info actual-size) once written. */
  actualSize: number | null;
}

export interface ManifestEntry {
  /** Unique within the manifest: the checkpoint name, or the flow's time stamp. */
  id: string;
  kind: 'full' | 'incremental';
  /** `temporary-snapshot` (qemu-img convert of a frozen image) or `push` (libvirt's backup job). */
  method: 'temporary-snapshot' | 'push';
  /** The checkpoint created with this backup (push only). */
  checkpoint: string | null;
  /** For incrementals: the checkpoint the changes are counted from. */
  since: string | null;
  /** ISO time the backup was taken. */
  time: string;
  disks: ManifestDisk[];
  /** The domain's inactive XML, as a file in the directory. */
  domainXml: string | null;
  /** Whether the guest's file systems were frozen for it. */
  quiesced: boolean;
}

export interface BackupManifest {
  version: 1;
  domain: string;
  uri: string;
  backups: ManifestEntry[];
}

export function manifestPath(dir: string): string {
  return join(dir, MANIFEST_NAME);
}

export function readManifest(dir: string): BackupManifest | null {
  const path = manifestPath(dir);
  if (!existsSync(path)) return null;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as BackupManifest;
  if (parsed.version !== 1 || !Array.isArray(parsed.backups)) throw new Error(`${path} is not a virtsnap backup manifest (version 1)`);
  return parsed;
}

function writeManifest(dir: string, manifest: BackupManifest): void {
  const path = manifestPath(dir);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

/** Adds (or replaces, on a resumed flow) an entry. */
export function addManifestEntry(dir: string, base: Pick<BackupManifest, 'domain' | 'uri'>, entry: ManifestEntry): void {
  const manifest = readManifest(dir) ?? { version: 1 as const, domain: base.domain, uri: base.uri, backups: [] };
  manifest.backups = [...manifest.backups.filter((b) => b.id !== entry.id), entry];
  writeManifest(dir, manifest);
}

export function removeManifestEntry(dir: string, id: string): void {
  const manifest = readManifest(dir);
  if (!manifest) return;
  manifest.backups = manifest.backups.filter((b) => b.id !== id);
  writeManifest(dir, manifest);
}

export function hasManifestEntry(dir: string, id: string): boolean {
  return readManifest(dir)?.backups.some((b) => b.id === id) ?? false;
}

/**
 * The backups restore-backup stacks, base first: the last full push backup and every
 * incremental after it up to `upto` (a checkpoint name or entry id; omitted: the newest).
 * A temporary-snapshot backup is a full backup on its own.
 */
export function restoreChain(manifest: BackupManifest, upto?: string): ManifestEntry[] {
  const backups = manifest.backups;
  let last = backups.length - 1;
  if (upto !== undefined) {
    last = backups.findIndex((b) => b.id === upto || b.checkpoint === upto);
    if (last < 0) throw new Error(`the manifest has no backup ${upto}`);
  }
  if (last < 0) throw new Error('the manifest lists no backups');
  const chain: ManifestEntry[] = [];
  for (let i = last; i >= 0; i--) {
    const entry = backups[i]!;
    chain.unshift(entry);
    if (entry.kind === 'full') return chain;
    const previous = backups[i - 1];
    if (!previous || previous.checkpoint !== entry.since) {
      throw new Error(`backup ${entry.id} counts changes since ${entry.since ?? '?'}, but the backup before it in the manifest is ${previous?.id ?? 'missing'}`);
    }
  }
  throw new Error('no full backup below the incrementals');
}
