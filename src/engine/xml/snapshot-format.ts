// What libvirt's <domainsnapshot> format allows, as far as virtsnap reads and writes it
// (src/conf/snapshot_conf.c and domainsnapshot.rng, libvirt 10.7).

import type { DiskSnapshotMode, MemoryMode } from '../model.js';

/** The order virDomainSnapshotDefFormat writes top-level elements in. */
export const SNAPSHOT_ELEMENT_ORDER = [
  'name',
  'description',
  'state',
  'parent',
  'creationTime',
  'memory',
  'disks',
  'revertDisks',
  'domain',
  'inactiveDomain',
  'cookie',
  'active',
] as const;

export const MEMORY_MODES: readonly MemoryMode[] = ['no', 'internal', 'external', 'manual'];
export const DISK_SNAPSHOT_MODES: readonly DiskSnapshotMode[] = ['no', 'internal', 'external', 'manual'];

/**
 * The `<source>` attribute that holds a snapshot disk's path, by disk `type`
 * (virDomainStorageSourceParse). `volume` and `dir` are rejected by libvirt for snapshots.
 */
export const SOURCE_PATH_ATTRIBUTE: Readonly<Record<string, string>> = {
  file: 'file',
  block: 'dev',
  network: 'name',
};

/** Image formats libvirt accepts as `<driver type>` of an external snapshot (storageFormatBacking). */
export const OVERLAY_FORMATS: readonly string[] = ['cow', 'qcow', 'qcow2', 'qed', 'vmdk'];
