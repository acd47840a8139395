// Each disk's backing chain as an operator needs to see it: every layer from top to base
// with its allocation, the snapshot that created it, and what is wrong with it.

import type { ChainLayer, Disk, SnapshotDetail } from './model.js';
import type { BlockStats } from './parse/index.js';

export interface LayerReport extends ChainLayer {
  /** Bytes used inside the image (domstats allocation); null when libvirt does not say. */
  allocation: number | null;
  capacity: number | null;
  /** Bytes the file takes on the host. */
  physical: number | null;
  /** External snapshots whose overlay this layer is (normally one). */
  createdBy: string[];
  /** The file is not there (local hosts only; null when it cannot be checked). */
  missing: boolean | null;
  /** An overlay no snapshot created: left behind by a metadata-only delete or made by hand. */
  unreferenced: boolean;
}

export interface StrayFile {
  path: string;
  snapshot: string;
  missing: boolean | null;
}

export interface DiskReport {
  target: string;
  device: string;
  layers: LayerReport[];
  /** Files external snapshots refer to for this disk that are not in its chain any more. */
  strays: StrayFile[];
}

export interface DiskReportInput {
  disks: Disk[];
  /** From `domstats --block --backing`; empty when the host cannot tell. */
  blockStats: BlockStats[];
  snapshots: SnapshotDetail[];
  /** Null when files cannot be checked (a remote host). */
  fileExists: ((path: string) => boolean) | null;
}

export function buildDiskReports({ disks, blockStats, snapshots, fileExists }: DiskReportInput): DiskReport[] {
  return disks.map((disk) => {
    const createdByFile = new Map<string, string[]>();
    for (const snapshot of snapshots) {
      for (const spec of snapshot.disks) {
        if (spec.name !== disk.target || spec.mode !== 'external' || !spec.file) continue;
        createdByFile.set(spec.file, [...(createdByFile.get(spec.file) ?? []), snapshot.name]);
      }
    }
    const stats = blockStats.filter((s) => s.name === disk.target);
    const layers = disk.chain.map((layer, position): LayerReport => {
      const stat = stats.find((s) => s.path === layer.source) ?? null;
      const createdBy = createdByFile.get(layer.source) ?? [];
      const isBase = position === disk.chain.length - 1;
      return {
        ...layer,
        allocation: stat?.allocation ?? null,
        capacity: stat?.capacity ?? null,
        physical: stat?.physical ?? null,
        createdBy,
        missing: fileExists && layer.type !== 'network' ? !fileExists(layer.source) : null,
        unreferenced: !isBase && createdBy.length === 0,
      };
    });
    const inChain = new Set(disk.chain.map((l) => l.source));
    const strays: StrayFile[] = [];
    for (const [path, names] of createdByFile) {
      if (inChain.has(path)) continue;
      for (const snapshot of names) strays.push({ path, snapshot, missing: fileExists ? !fileExists(path) : null });
    }
    return { target: disk.target, device: disk.device, layers, strays };
  });
}
