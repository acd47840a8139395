// The snapshot model: plain data, no behaviour. Parsers produce it, the store and the
// CLI consume it. Everything here is JSON-serialisable so `--json` can print it as is.

/** libvirt's virDomainState, named as `virsh domstate` prints it. */
export type DomainStateName =
  | 'no state'
  | 'running'
  | 'idle'
  | 'paused'
  | 'in shutdown'
  | 'shut off'
  | 'crashed'
  | 'pmsuspended';

export interface DomainState {
  state: DomainStateName;
  /** virsh's reason text (`booted`, `from snapshot`, `creating snapshot`…), null when unknown. */
  reason: string | null;
}

export interface Domain {
  name: string;
  uuid: string;
  /** Numeric id while running, null when shut off. */
  id: number | null;
  state: DomainState;
  persistent: boolean;
  autostart: boolean;
}

/** One layer of a disk's backing chain, top (the active image) first. */
export interface ChainLayer {
  /** File path, device path or network name. */
  source: string;
  /** `file`, `block`, `network`, … from the domain XML; null when unknown. */
  type: string | null;
  /** `qcow2`, `raw`, … ; null when unknown. */
  format: string | null;
  /** libvirt's `index` attribute (usable as `vda[N]` in block jobs); null for the top of inactive XML. */
  index: number | null;
}

export interface Disk {
  /** Target device name: `vda`, `sdb`, `hdc`. */
  target: string;
  /** `disk`, `cdrom`, `floppy`, `lun`. */
  device: string;
  /** Top of the chain; null for an empty cdrom. */
  source: string | null;
  type: string | null;
  format: string | null;
  readonly: boolean;
  /** Top first; the first element is the disk's own source. Empty when there is no source. */
  chain: ChainLayer[];
}

/** What `virsh snapshot-list` states can be (the snapshot's `<state>`). */
export type SnapshotState =
  | 'running'
  | 'blocked'
  | 'paused'
  | 'shutdown'
  | 'shutoff'
  | 'crashed'
  | 'pmsuspended'
  | 'disk-snapshot'
  | 'nostate'
  | string;

export type SnapshotLocation = 'internal' | 'external';

/** What a refresh knows about every snapshot, at a constant number of virsh commands. */
export interface SnapshotSummary {
  name: string;
  parent: string | null;
  state: SnapshotState;
  /** Seconds since the epoch, UTC. */
  creationTime: number;
  current: boolean;
  location: SnapshotLocation;
}

/** `<memory snapshot=… file=…>` */
export type MemoryMode = 'no' | 'internal' | 'external' | 'manual';
/** `<disk snapshot=…>` */
export type DiskSnapshotMode = 'no' | 'internal' | 'external' | 'manual';

export interface SnapshotDiskSpec {
  name: string;
  /** null when the XML omits it (libvirt then applies the domain's default). */
  mode: DiskSnapshotMode | null;
  /** The overlay (external) file, if any. */
  file: string | null;
  /** `<source>` type attribute of the snapshot disk (`file`, `block`, `network`). */
  sourceType: string | null;
  /** `<driver type=…>` */
  driverType: string | null;
}

/** Everything `snapshot-dumpxml` tells about one snapshot. */
export interface SnapshotDetail {
  name: string;
  description: string | null;
  state: SnapshotState | null;
  parent: string | null;
  creationTime: number | null;
  memory: { mode: MemoryMode | null; file: string | null };
  disks: SnapshotDiskSpec[];
  /** Derived like virsh's snapshot-info `Location:`. */
  location: SnapshotLocation;
  /** Disks of the embedded `<domain>` (the VM config at snapshot time), if present. */
  domainDisks: Disk[];
  /** Name and uuid of the embedded domain, if present. */
  domainName: string | null;
  domainUuid: string | null;
  /** `<active>` of libvirt's private form, when present. */
  active: boolean | null;
}

export interface SnapshotNode extends SnapshotSummary {
  children: SnapshotNode[];
}

/** A domain's snapshots as a forest (roots in name order, children in name order). */
export interface SnapshotForest {
  domain: string;
  roots: SnapshotNode[];
  /** Name of the current snapshot, or null. */
  current: string | null;
  count: number;
}

/** One image as `qemu-img info --backing-chain --output=json` describes it. */
export interface ImageInfo {
  filename: string;
  format: string;
  virtualSize: number;
  /** Bytes used on the host (`actual-size`); null when qemu-img could not tell. */
  actualSize: number | null;
  backingFilename: string | null;
  fullBackingFilename: string | null;
  /** Internal (qcow2) snapshots stored in this image. */
  snapshots: { id: string; name: string; vmStateSize: number; dateSec: number }[];
}
