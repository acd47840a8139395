// What libvirt 9.0 (QEMU driver) makes of a snapshot request: the memory and per-disk modes
// after its defaults, or the reason it refuses. The checks follow libvirt's own order
// (flag checks, XML parse, qemuSnapshotCreateXMLValidateDef, qemuSnapshotCreateAlignDisks +
// virDomainSnapshotAlignDisks, qemuSnapshotPrepare), so the first refusal reported is the one
// libvirt would report. Where 9.0 differs from the 2012 design table (seed 000), 9.0 wins;
// the differences are listed in docs/snapshot-planner.md.

import type { DiskSnapshotMode } from '../model.js';
import { defaultOverlayPath, snapshotNameProblem } from './default-names.js';
import { fileNameTooLong } from '../snapshot-names.js';
import { overlayFileProblem } from './plan-files.js';
import { invalid, Refusal, unsupported } from './refusal.js';
import type {
  CreateRequest,
  DiskRequest,
  MemoryRequestMode,
  PlanMethod,
  PlannerDisk,
  PlannerDomain,
  PlannerEnvironment,
  ResolvedSnapshot,
} from './types.js';

/** Overlay formats the QEMU driver can create (qemuSnapshotPrepareDiskExternal). */
export const QEMU_OVERLAY_FORMATS: readonly string[] = ['qcow2', 'qed'];

export type SnapshotState = NonNullable<ResolvedSnapshot['state']>;

export interface ResolvedDisk {
  target: string;
  mode: DiskSnapshotMode;
  /** Overlay path for `external`, null otherwise. */
  file: string | null;
  /** The overlay path is libvirt's generated default, not one the request gave. */
  fileIsDefault: boolean;
  /** Overlay format (external only). */
  driverType: string | null;
  sourceType: string;
  /** The request named this disk. */
  requested: boolean;
  disk: PlannerDisk;
}

export interface Resolution {
  memory: { mode: MemoryRequestMode; file: string | null };
  disks: ResolvedDisk[];
  state: SnapshotState;
  /** null: libvirt records the snapshot but does nothing (see methodOf). */
  method: PlanMethod | null;
  /** Some disk is `manual`: libvirt leaves a running guest paused for the user. */
  hasManual: boolean;
  online: boolean;
}

const isAbsolute = (path: string) => path.startsWith('/') && path.length > 1;

/** libvirt's virDomainDiskByName: a target name, or else a source path. */
function findDisk(domain: PlannerDomain, name: string): PlannerDisk | undefined {
  return domain.disks.find((d) => d.target === name) ?? domain.disks.find((d) => d.source !== null && d.source === name);
}

/** The domain's own per-disk default; libvirt sets read-only disks (and so cdroms) to `no`. */
function domainDiskDefault(disk: PlannerDisk): DiskSnapshotMode | null {
  if (disk.snapshotDefault) return disk.snapshotDefault;
  return disk.readonly || disk.device === 'cdrom' ? 'no' : null;
}

const isEmptyDrive = (disk: PlannerDisk) => disk.source === null || disk.source === '';
const isReadonly = (disk: PlannerDisk) => disk.readonly || disk.device === 'cdrom';

/** Checks libvirt makes before it even parses the XML (API flag rules, transient domains). */
function checkFlags(domain: PlannerDomain, request: CreateRequest): Refusal | null {
  const { flags } = request;
  if (flags.quiesce && !flags.diskOnly) {
    return invalid(
      "--quiesce requires --disk-only (Flag 'VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY' is required by flag 'VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE')",
    );
  }
  if (flags.halt && domain.persistent === false) return invalid('cannot halt after transient domain snapshot');
  return null;
}

/** The memory mode as parsed (virDomainSnapshotDefParse); null stands for "omitted". */
function parseMemory(request: CreateRequest, offline: boolean): MemoryRequestMode | null | Refusal {
  const memory = request.memory;
  if (!memory) return null;
  const { mode, file } = memory;
  if (file !== undefined && mode !== 'external') return invalid(`memory filename '${file}' requires external snapshot`);
  if (mode === 'external' && (file === undefined || file === '')) {
    return invalid('external memory snapshots require a filename');
  }
  if (offline && mode !== 'no') return invalid('memory state cannot be saved with offline or disk-only snapshot');
  if (file !== undefined && !isAbsolute(file)) return invalid(`memory snapshot file path (${file}) must be absolute`);
  return mode;
}

/** A disk request's mode as parsed: a file or driver type alone means external. */
function parsedDiskMode(request: DiskRequest): DiskSnapshotMode | null {
  if (request.mode) return request.mode;
  return request.file !== undefined || request.driverType !== undefined ? 'external' : null;
}

function checkDiskRequests(request: CreateRequest): Refusal | null {
  for (const disk of request.disks) {
    if (disk.target === '') return invalid('a disk in the request has no name');
    if (disk.file !== undefined && !isAbsolute(disk.file)) {
      return invalid(`disk snapshot image path '${disk.file}' must be absolute`);
    }
    const sourceType = disk.sourceType ?? 'file';
    if (sourceType !== 'file' && sourceType !== 'block') {
      return invalid(`disk '${disk.target}': overlay source type '${sourceType}' is not supported (use file or block)`);
    }
  }
  return null;
}

interface Aligned {
  memory: MemoryRequestMode;
  state: SnapshotState;
  disks: ResolvedDisk[];
}

/** qemuSnapshotCreateAlignDisks and virDomainSnapshotAlignDisks. */
function alignDisks(
  domain: PlannerDomain,
  request: CreateRequest,
  parsedMemory: MemoryRequestMode | null,
  name: string,
): Aligned | Refusal {
  const online = domain.state !== 'shutoff';
  let align: DiskSnapshotMode;
  let memory: MemoryRequestMode;
  let state: SnapshotState;
  if (request.flags.diskOnly) {
    align = 'external';
    state = online ? 'disk-snapshot' : 'shutoff';
    memory = 'no';
  } else if (parsedMemory === 'external') {
    align = 'external';
    state = domain.state;
    memory = 'external';
  } else {
    align = 'internal';
    state = domain.state;
    // 9.0 (since 1.2.5) refuses what the 2012 table planned as "memory=no via transaction".
    if (online && parsedMemory === 'no') {
      return unsupported('internal snapshot of a running VM must include the memory state');
    }
    memory = online ? 'internal' : 'no';
  }
  // An internal snapshot cannot leave disks out, so every disk must follow the default.
  const requireMatch = align === 'internal';

  if (request.disks.length > domain.disks.length) return invalid('too many disk snapshot requests for domain');

  const byTarget = new Map<string, ResolvedDisk>();
  for (const req of request.disks) {
    const disk = findDisk(domain, req.target);
    if (!disk) return invalid(`no disk named '${req.target}'`);
    if (byTarget.has(disk.target)) return invalid(`disk '${req.target}' specified twice`);
    const domainDefault = domainDiskDefault(disk);
    let mode = parsedDiskMode(req);
    if (mode === null) {
      mode = domainDefault !== null && (!requireMatch || domainDefault === 'no') ? domainDefault : align;
    } else if (requireMatch && mode !== align && !(mode === 'no' && domainDefault === 'no')) {
      return unsupported(`disk '${req.target}' must use snapshot mode '${align}'`);
    }
    if (req.file !== undefined && mode !== 'external') {
      return invalid(`file '${req.file}' for disk '${req.target}' requires use of external snapshot mode`);
    }
    if (req.driverType !== undefined && mode !== 'external') {
      return invalid(`disk '${req.target}': a driver type requires external snapshot mode`);
    }
    byTarget.set(disk.target, {
      target: disk.target,
      mode,
      file: mode === 'external' ? (req.file ?? null) : null,
      fileIsDefault: false,
      driverType: mode === 'external' ? (req.driverType ?? 'qcow2') : null,
      sourceType: req.sourceType ?? 'file',
      requested: true,
      disk,
    });
  }

  const disks = domain.disks.map((disk): ResolvedDisk => {
    const requested = byTarget.get(disk.target);
    if (requested) return requested;
    const mode = isEmptyDrive(disk) ? 'no' : (domainDiskDefault(disk) ?? align);
    return {
      target: disk.target,
      mode,
      file: null,
      fileIsDefault: false,
      driverType: mode === 'external' ? 'qcow2' : null,
      sourceType: 'file',
      requested: false,
      disk,
    };
  });

  // virDomainSnapshotDefAssignExternalNames
  for (const [index, resolved] of disks.entries()) {
    if (resolved.mode !== 'external' || resolved.file !== null) continue;
    const { disk } = resolved;
    if (resolved.sourceType !== 'file') {
      return unsupported(
        `cannot generate external snapshot name for disk '${disk.target}' on a '${resolved.sourceType}' device`,
      );
    }
    if (isEmptyDrive(disk)) {
      return unsupported(`cannot generate external snapshot name for disk '${disk.target}' without source`);
    }
    if (disk.type !== 'file') {
      return unsupported(
        `source for disk '${disk.target}' is not a regular file; refusing to generate external snapshot name ` +
          '(give the overlay a file)',
      );
    }
    resolved.file = defaultOverlayPath(disk.source as string, name);
    resolved.fileIsDefault = true;
    const clash = disks.slice(0, index).find((other) => other.file === resolved.file);
    if (clash) {
      return unsupported(
        `cannot generate external snapshot name for disk '${disk.target}': collision with disk '${clash.target}'`,
      );
    }
  }
  return { memory, state, disks };
}

/**
 * Two targets writing one file, or an overlay over an image the domain uses: libvirt does
 * not check this itself, and what follows is a failed or corrupt chain, so it is refused here.
 */
function checkDistinctFiles(domain: PlannerDomain, aligned: Aligned, memoryFile: string | null): Refusal | null {
  const owners = new Map<string, string>();
  if (aligned.memory === 'external' && memoryFile !== null) {
    if (fileNameTooLong(memoryFile)) return invalid(`the memory file name is longer than 255 bytes: ${memoryFile}`);
    owners.set(memoryFile, 'the memory');
  }
  for (const resolved of aligned.disks) {
    if (resolved.mode !== 'external' || resolved.file === null) continue;
    if (fileNameTooLong(resolved.file)) {
      return invalid(`the overlay for disk ${resolved.target} would have a file name longer than 255 bytes (${resolved.file}); use a shorter snapshot name or give the file`);
    }
    const owner = owners.get(resolved.file);
    if (owner) return invalid(`the overlay for disk ${resolved.target} and ${owner} would both be written to ${resolved.file}`);
    owners.set(resolved.file, `the overlay for disk ${resolved.target}`);
    const user = domain.disks.find((d) => d.source === resolved.file);
    if (user) return invalid(`the overlay for disk ${resolved.target} would overwrite ${resolved.file}, the image of disk ${user.target}`);
  }
  return null;
}

/** Per-disk checks of qemuSnapshotPrepareDiskInternal / …External for one disk. */
function prepareDisk(resolved: ResolvedDisk, online: boolean, state: SnapshotState, request: CreateRequest, env: PlannerEnvironment): Refusal | null {
  const { disk } = resolved;
  if (resolved.mode !== 'no' && disk.blockJob) return unsupported(`disk '${disk.target}' already in active block job`);
  if (resolved.mode === 'internal') {
    if (state === 'disk-snapshot' && online) {
      return unsupported(`active qemu domains require external disk snapshots; disk ${disk.target} requested internal`);
    }
    if (!online && disk.type !== 'file' && disk.type !== 'block') {
      return unsupported(`internal inactive snapshots are not supported on '${disk.type ?? 'unknown'}' disks`);
    }
    if (disk.format !== null && disk.format !== 'qcow2') {
      return unsupported(`internal snapshot for disk ${disk.target} unsupported for storage type ${disk.format}`);
    }
    return null;
  }
  if (resolved.mode !== 'external') return null;
  // virDomainSnapshotDefAssignExternalNames stat()s the image it names the overlay after
  if (resolved.fileIsDefault && env.isRegularFile?.(disk.source as string) === false) {
    return unsupported(
      `source for disk '${disk.target}' is not a regular file; refusing to generate external snapshot name ` +
        `(${disk.source} is not a regular file on the host; give the overlay a file: --diskspec ${disk.target},snapshot=external,file=PATH)`,
    );
  }
  const driverType = resolved.driverType ?? 'qcow2';
  if (!QEMU_OVERLAY_FORMATS.includes(driverType)) {
    return unsupported(`external snapshot format for disk ${disk.target} is unsupported: ${driverType}`);
  }
  if (!online && disk.type !== 'file' && disk.type !== 'block') {
    return unsupported(`external inactive snapshots are not supported on '${disk.type ?? 'unknown'}' disks`);
  }
  if (online && disk.device === 'lun') {
    return unsupported('external active snapshots are not supported on scsi passthrough devices');
  }
  if (online && disk.type !== null && !['file', 'block', 'network'].includes(disk.type)) {
    return unsupported(`external active snapshots are not supported on '${disk.type}' disks`);
  }
  return overlayFileProblem(
    {
      disk: disk.target,
      path: resolved.file as string,
      sourceType: resolved.sourceType,
      reuse: request.flags.reuseExternal === true,
    },
    env,
  );
}

/** qemuSnapshotPrepare: the whole-snapshot rules once every disk has its mode. */
function prepare(aligned: Aligned, online: boolean, request: CreateRequest, env: PlannerEnvironment): Refusal | null {
  let foundInternal = false;
  let forbidInternal = false;
  let external = 0;
  for (const resolved of aligned.disks) {
    const problem = prepareDisk(resolved, online, aligned.state, request, env);
    if (problem) return problem;
    const { disk } = resolved;
    if (resolved.mode === 'internal') foundInternal = true;
    else if (resolved.mode === 'external') external += 1;
    else if (resolved.mode === 'manual') forbidInternal = true;
    else if (!isEmptyDrive(disk) && !isReadonly(disk)) forbidInternal = true;
  }
  const { memory, state } = aligned;
  if (!foundInternal && external === 0 && memory === 'no') return invalid('nothing selected for snapshot');
  if ((memory === 'internal' && !foundInternal) || (foundInternal && forbidInternal)) {
    return unsupported('internal and full system snapshots require all disks to be selected for snapshot');
  }
  if (state === 'disk-snapshot' && external === 0) {
    return invalid('disk-only snapshots require at least one disk to be selected for snapshot');
  }
  if ((foundInternal && external > 0) || (memory === 'internal' && external > 0) || (memory === 'external' && foundInternal)) {
    return unsupported('mixing internal and external targets for a snapshot is not yet supported');
  }
  return null;
}

/**
 * How libvirt carries it out. A shut-off domain with --disk-only goes down libvirt's
 * external path whatever the disks say, and that path only creates overlays: with no
 * external disk it records the snapshot and does nothing (null).
 */
function methodOf(aligned: Aligned, online: boolean, diskOnly: boolean): PlanMethod | null {
  const external = aligned.disks.some((d) => d.mode === 'external');
  if (!online) return diskOnly && !external ? null : 'qemu-img';
  if (diskOnly || aligned.memory === 'external') {
    if (aligned.memory === 'external') return external ? 'migrate+transaction' : 'migrate';
    return 'transaction';
  }
  return 'savevm';
}

/** libvirt's view of the request: the resolved snapshot, or the reason it refuses. */
export function resolveModes(
  domain: PlannerDomain,
  request: CreateRequest,
  name: string,
  env: PlannerEnvironment,
): Resolution | Refusal {
  const online = domain.state !== 'shutoff';
  const diskOnly = request.flags.diskOnly === true;

  const flagProblem = checkFlags(domain, request);
  if (flagProblem) return flagProblem;

  const parsedMemory = parseMemory(request, diskOnly || !online);
  if (parsedMemory instanceof Refusal) return parsedMemory;
  const diskProblem = checkDiskRequests(request);
  if (diskProblem) return diskProblem;

  const nameProblem = snapshotNameProblem(name, request.flags.noMetadata === true);
  if (nameProblem) return invalid(nameProblem);
  if (request.flags.live && (!online || parsedMemory !== 'external')) {
    return unsupported(
      'live snapshot creation is supported only during full system snapshots (--live needs a running domain and an external memory snapshot)',
    );
  }

  const aligned = alignDisks(domain, request, parsedMemory, name);
  if (aligned instanceof Refusal) return aligned;
  const prepared = prepare(aligned, online, request, env);
  if (prepared) return prepared;
  const clash = checkDistinctFiles(domain, aligned, request.memory?.file ?? null);
  if (clash) return clash;

  if (!request.flags.noMetadata && domain.snapshotNames?.includes(name)) {
    return invalid(`domain moment ${name} already exists`);
  }
  if (aligned.memory === 'external' && domain.state === 'paused' && domain.pausedSinceMemorySnapshot) {
    return unsupported(
      "Can't migrate the vm that was paused due to previous migration: QEMU saves the memory of a guest " +
        'paused since an earlier external memory snapshot only after it has been resumed',
    );
  }
  // The agent is asked to freeze only on the live external path.
  if (request.flags.quiesce && online && !domain.guestAgent) {
    return unsupported('QEMU guest agent is not configured (--quiesce needs an org.qemu.guest_agent.0 channel)');
  }

  return {
    memory: { mode: aligned.memory, file: aligned.memory === 'external' ? (request.memory?.file ?? null) : null },
    disks: aligned.disks,
    state: aligned.state,
    method: methodOf(aligned, online, diskOnly),
    hasManual: aligned.disks.some((d) => d.mode === 'manual'),
    online,
  };
}
