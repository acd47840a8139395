// The snapshot-creation request and plan: what the planner takes and what it promises.
// Pure data, so a plan can be shown, printed as JSON, tested, and then executed as is.

import type { DiskSnapshotMode } from '../model.js';

/** The domain as the planner needs to see it. */
export interface PlannerDomain {
  name: string;
  /** `running` and `paused` both mean a live QEMU process (libvirt's "online"). */
  state: 'running' | 'paused' | 'shutoff';
  disks: PlannerDisk[];
  /** A `<channel>` for org.qemu.guest_agent.0 is configured (needed for --quiesce). */
  guestAgent: boolean;
}

export interface PlannerDisk {
  target: string;
  /** `disk`, `cdrom`, `floppy`, `lun`. */
  device: string;
  /** `file`, `block`, `network`, `volume`, `dir`, `nvme`. */
  type: string | null;
  /** Image format (`qcow2`, `raw`…), null when unknown. */
  format: string | null;
  /** Path of the active image, null for an empty drive. */
  source: string | null;
  readonly: boolean;
}

export type MemoryRequestMode = 'no' | 'internal' | 'external';

export interface MemoryRequest {
  mode: MemoryRequestMode;
  file?: string;
}

export interface DiskRequest {
  target: string;
  /** Omitted: libvirt picks the default for the other settings. */
  mode?: DiskSnapshotMode;
  /** Overlay path for `external`. */
  file?: string;
  /** Overlay format (`qcow2` by default). */
  driverType?: string;
  /** `file` (default) or `block`. */
  sourceType?: string;
}

export interface CreateRequestFlags {
  diskOnly?: boolean;
  live?: boolean;
  atomic?: boolean;
  quiesce?: boolean;
  noMetadata?: boolean;
  reuseExternal?: boolean;
  halt?: boolean;
}

export interface CreateRequest {
  /** Omitted: the creation time, as libvirt and xl do. */
  name?: string;
  description?: string;
  /** Omitted: `<memory>` is left out and libvirt picks. */
  memory?: MemoryRequest;
  /** Disks named explicitly; the others get libvirt's default. */
  disks: DiskRequest[];
  flags: CreateRequestFlags;
}

export type PlanVerdict = 'ok' | 'invalid' | 'unsupported';

/** How libvirt 9.0 carries the snapshot out (null when it will not). */
export type PlanMethod = 'qemu-img' | 'savevm' | 'transaction' | 'migrate' | 'migrate+transaction' | 'manual';

export interface PlannedFile {
  path: string;
  role: 'overlay' | 'memory';
  /** For overlays: the disk it belongs to. */
  disk?: string;
  /** Whether the file exists before the run (with --reuse-external it must). */
  exists: boolean;
}

export type PauseKind = 'none' | 'savevm' | 'memory-copy' | 'until-resumed';

export interface GuestPause {
  kind: PauseKind;
  /** In plain words, e.g. "the guest is paused while its memory is written (~1 s per 300 MiB)". */
  description: string;
}

/** What each disk and the memory will actually get, after libvirt's defaults. */
export interface ResolvedSnapshot {
  memory: { mode: MemoryRequestMode; file: string | null };
  disks: { target: string; mode: DiskSnapshotMode; file: string | null }[];
}

export interface Plan {
  verdict: PlanVerdict;
  /** Why not ok, in plain words; null when ok. */
  reason: string | null;
  method: PlanMethod | null;
  /** The `<domainsnapshot>` to submit; null when the verdict is not ok. */
  xml: string | null;
  /** Exact virsh argv lists, in order (what a user could paste, after shell quoting). */
  commands: string[][];
  files: PlannedFile[];
  pause: GuestPause;
  warnings: string[];
  resolved: ResolvedSnapshot | null;
}

/** What the planner may ask about the world, injected so the planner itself does no I/O. */
export interface PlannerEnvironment {
  fileExists(path: string): boolean;
  /** Seconds since the epoch, for the default name. */
  now(): number;
}
