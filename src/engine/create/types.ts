// The snapshot-creation request and plan: what the planner takes and what it promises.
// Pure data, so a plan can be shown, printed as JSON, tested, and then executed as is.

import type { DiskSnapshotMode } from '../model.js';
import type { CreateFlags } from '../virsh/commands.js';

/** The domain as the planner needs to see it. */
export interface PlannerDomain {
  name: string;
  /** `running` and `paused` both mean a live QEMU process (libvirt's "online"). */
  state: 'running' | 'paused' | 'shutoff';
  disks: PlannerDisk[];
  /** A `<channel>` for org.qemu.guest_agent.0 is configured (needed for --quiesce). */
  guestAgent: boolean;
  /** False for a transient domain (libvirt refuses --halt there). Omitted: persistent. */
  persistent?: boolean;
  /**
   * The domain has stayed paused since an external memory snapshot (QEMU's post-migrate
   * state): QEMU refuses to save its memory again until it is resumed. Omitted: unknown.
   */
  pausedSinceMemorySnapshot?: boolean;
  /** Names of the domain's existing snapshots (a new one cannot reuse a name). Omitted: unknown. */
  snapshotNames?: string[];
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
  /**
   * The domain XML's `<disk snapshot=…>` default, null or omitted when absent (libvirt then
   * treats read-only disks as `no` and the others as the snapshot's default).
   */
  snapshotDefault?: DiskSnapshotMode | null;
  /**
   * Backing images below the active one (0: the disk runs on its base image; 1 or more: on
   * an external overlay). Omitted: unknown. Used to warn about mixing internal snapshots
   * into an external chain.
   */
  chainDepth?: number;
  /** Some image of the disk's chain holds qcow2 internal snapshots. Omitted: unknown. */
  hasInternalSnapshots?: boolean;
  /** A block job (commit, pull, copy) runs on the disk: libvirt refuses to snapshot it. */
  blockJob?: boolean;
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

/**
 * virsh's snapshot-create flags, without --validate: the request says what to snapshot, and
 * virtsnap checks the XML against libvirt's schema itself (xml/validate.ts).
 */
export type CreateRequestFlags = Omit<CreateFlags, 'validate'>;

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
  /** The `<state>` libvirt records: the domain's state, or `disk-snapshot` for a live disk-only one. */
  state?: 'running' | 'paused' | 'shutoff' | 'disk-snapshot';
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
  /** The domain's state once the command returns (null when the verdict is not ok). */
  domainStateAfter?: 'running' | 'paused' | 'shutoff' | null;
}

/** What the planner may ask about the world, injected so the planner itself does no I/O. */
export interface PlannerEnvironment {
  fileExists(path: string): boolean;
  /** Seconds since the epoch, for the default name. */
  now(): number;
  /**
   * Size in bytes of an existing file (null when missing). Optional: libvirt accepts an
   * existing overlay file only when it is empty, and without this every existing file
   * counts as non-empty.
   */
  fileSize?(path: string): number | null;
  /**
   * Whether `path` is a regular file once symlinks are followed (libvirt stat()s a disk's
   * image before naming an overlay after it, and refuses anything else); null when unknown.
   * Optional: without it every image counts as a regular file.
   */
  isRegularFile?(path: string): boolean | null;
}
