// The names libvirt makes up when a request leaves them out, and its rules for names.

import { snapshotNameProblem as checkName } from '../snapshot-names.js';

/**
 * A snapshot with no name is named after its creation time in seconds, as libvirt
 * (virDomainMomentDefPostParse) and xl do. The planner fixes the name up front so that the
 * overlay paths derived from it are known before anything runs.
 */
export function defaultSnapshotName(nowSeconds: number): string {
  return String(Math.floor(nowSeconds));
}

/**
 * The overlay libvirt 9.0 creates for an external disk snapshot given no file
 * (virDomainSnapshotDefAssignExternalNames): the source path with the suffix of its last
 * component dropped, then `.` and the snapshot name.
 * `/img/demo-vda.qcow2` + `s1` → `/img/demo-vda.s1`; `/img/disk` + `s1` → `/img/disk.s1`.
 */
export function defaultOverlayPath(source: string, snapshotName: string): string {
  const dot = source.lastIndexOf('.');
  const stem = dot >= 0 && !source.slice(dot).includes('/') ? source.slice(0, dot) : source;
  return `${stem}.${snapshotName}`;
}

/** The one name check lives in engine/snapshot-names.ts; the planner passes its flag. */
export function snapshotNameProblem(name: string, noMetadata: boolean): string | null {
  return checkName(name, { noMetadata });
}
