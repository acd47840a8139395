// Snapshot metadata a commit or pull leaves behind. libvirt does not update snapshot metadata
// after a manual blockcommit/blockpull: an external snapshot whose overlay was merged away
// still lists, and reverting or deleting it later fails or misleads. Found before the job,
// from each external snapshot's XML (1 command to list, 1 per external snapshot).

import type { Host } from '../host.js';
import { parseNameList } from '../parse/index.js';
import { virshCommands } from '../virsh/commands.js';
import type { StaleSnapshot } from './block-flow.js';

export async function staleSnapshotsFor(host: Host, domain: string, disk: string, leavingFiles: readonly string[]): Promise<StaleSnapshot[]> {
  if (leavingFiles.length === 0) return [];
  const leaving = new Set(leavingFiles);
  const names = parseNameList((await host.run(virshCommands.snapshotNames(domain, 'external'))).stdout);
  const stale: StaleSnapshot[] = [];
  for (const name of names) {
    const { detail } = await host.snapshot(domain, name);
    const mine = detail.disks.find((d) => d.name === disk && d.mode === 'external' && d.file !== null);
    if (!mine?.file || !leaving.has(mine.file)) continue;
    const otherDisks = detail.disks.filter((d) => d.name !== disk && d.mode !== 'no').map((d) => d.name);
    stale.push({ name, file: mine.file, otherDisks });
  }
  return stale;
}

/**
 * Whether any domain on the host still uses `file`: in a disk chain of its live or
 * persistent definition, or as an external file of one of its snapshots. Returns who uses
 * it, or null.
 */
export async function fileStillUsed(host: Host, file: string): Promise<string | null> {
  for (const domain of await host.listDomains()) {
    const definitions = domain.id !== null && domain.persistent ? [false, true] : [domain.id === null];
    for (const inactive of definitions) {
      const disks = await host.disks(domain.name, { inactive });
      if (disks.some((d) => d.chain.some((l) => l.source === file))) return `${domain.name}'s disk chain`;
    }
    const names = parseNameList((await host.run(virshCommands.snapshotNames(domain.name, 'external'))).stdout);
    for (const name of names) {
      const { detail } = await host.snapshot(domain.name, name);
      if (detail.disks.some((d) => d.file === file) || detail.memory.file === file) return `snapshot ${name} of ${domain.name}`;
    }
  }
  return null;
}

/**
 * Forgets the metadata of snapshots whose files left the chain (`snapshot-delete --metadata`),
 * skipping those libvirt no longer lists (a resumed step); returns the ones it forgot.
 */
export async function forgetSnapshotsMetadata(host: Host, domain: string, names: readonly string[], note: (text: string) => void): Promise<string[]> {
  const listed = new Set(parseNameList((await host.run(virshCommands.snapshotNames(domain))).stdout));
  const forgotten: string[] = [];
  for (const name of names) {
    if (!listed.has(name)) {
      note(`snapshot ${name} is already gone`);
      continue;
    }
    try {
      await host.run(virshCommands.deleteSnapshot(domain, name, { metadata: true }));
    } catch (error) {
      throw new Error(`snapshot ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
    forgotten.push(name);
  }
  return forgotten;
}

/** Of `names`, the ones libvirt still lists. */
export async function stillListed(host: Host, domain: string, names: readonly string[]): Promise<string[]> {
  const listed = new Set(parseNameList((await host.run(virshCommands.snapshotNames(domain))).stdout));
  return names.filter((name) => listed.has(name));
}
