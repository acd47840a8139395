// What an accepted plan should tell the user before it runs: disks left out, flags that do
// nothing, chains that mix internal and external snapshots, and what libvirt 9.0 cannot undo.

import type { Resolution, ResolvedDisk } from './resolve-modes.js';
import type { CreateRequest, PlannerDomain } from './types.js';

function diskLabel(resolved: ResolvedDisk): string {
  const { disk } = resolved;
  return disk.device === 'disk' ? disk.target : `${disk.target} (${disk.device})`;
}

function skippedDisks(resolution: Resolution): string[] {
  const warnings: string[] = [];
  for (const resolved of resolution.disks) {
    if (resolved.mode !== 'no' || resolved.requested) continue;
    const { disk } = resolved;
    if (disk.source === null || disk.source === '') {
      warnings.push(`${diskLabel(resolved)} is an empty drive and is left out of the snapshot.`);
    } else if (disk.readonly || disk.device === 'cdrom') {
      warnings.push(`${diskLabel(resolved)} is read-only and is left out of the snapshot.`);
    } else if (disk.snapshotDefault === 'no') {
      warnings.push(`${diskLabel(resolved)} is configured with snapshot='no' in the domain and is left out of the snapshot.`);
    }
  }
  return warnings;
}

function chainWarnings(resolution: Resolution): string[] {
  const warnings: string[] = [];
  for (const resolved of resolution.disks) {
    const { disk } = resolved;
    if (resolved.mode === 'internal' && (disk.chainDepth ?? 0) > 0) {
      warnings.push(
        `${disk.target} runs on an external overlay: the internal snapshot goes into the overlay (${disk.source}), ` +
          'mixing internal and external snapshots in one chain. Reverting to an internal snapshot while the disk ' +
          'runs on overlays drops the overlays from the chain.',
      );
    }
    if (resolved.mode === 'external' && disk.hasInternalSnapshots) {
      warnings.push(
        `${disk.target} holds internal snapshots: they stay in the image below the new overlay, mixing internal ` +
          'and external snapshots in one chain; reverting to one of them later drops the overlay.',
      );
    }
  }
  return warnings;
}

function diskWarnings(resolution: Resolution): string[] {
  const warnings: string[] = [];
  for (const resolved of resolution.disks) {
    const { disk } = resolved;
    if (resolved.mode === 'no') continue;
    if (disk.type === 'network') {
      warnings.push(
        `${disk.target} is a network disk: libvirt can snapshot it only while the domain runs, and its ` +
          `${resolved.mode} snapshot depends on the storage server.`,
      );
    }
    if (resolved.mode === 'internal' && disk.format === null) {
      warnings.push(`${disk.target}'s image format is unknown: an internal snapshot works only on qcow2.`);
    }
    if (resolved.mode === 'internal' && (disk.readonly || disk.device === 'cdrom')) {
      warnings.push(`${disk.target} is read-only: QEMU cannot write an internal snapshot into it.`);
    }
  }
  return warnings;
}

function flagWarnings(domain: PlannerDomain, request: CreateRequest, resolution: Resolution): string[] {
  const { flags } = request;
  const warnings: string[] = [];
  if (flags.quiesce && resolution.online) {
    warnings.push('--quiesce: the QEMU guest agent must be running in the guest, or the snapshot fails.');
  }
  if (flags.quiesce && !resolution.online) warnings.push('--quiesce has no effect: the domain is shut off.');
  if (flags.live) {
    warnings.push('--live: the memory file grows with every page the guest changes during the copy.');
  }
  if (flags.halt && !resolution.online) warnings.push('--halt has no effect: the domain is already shut off.');
  if (flags.halt && resolution.online) warnings.push(`--halt: ${domain.name} is shut off after the snapshot.`);
  if (flags.noMetadata) {
    warnings.push(
      '--no-metadata: libvirt forgets the snapshot at once; it does not appear in lists and cannot be reverted to ' +
        'through libvirt (its data stays in the images and files).',
    );
  }
  if (flags.atomic && resolution.method === 'savevm') {
    warnings.push('--atomic changes nothing here: savevm is all-or-nothing anyway.');
  }
  if (!resolution.online && request.flags.diskOnly && resolution.disks.some((d) => d.mode === 'internal')) {
    warnings.push(
      'With --disk-only on a shut-off domain libvirt 9.0 only creates external overlays: the disks marked ' +
        'internal are recorded in the snapshot but get no internal snapshot, so the snapshot holds nothing ' +
        'to revert to. Leave out --disk-only for internal snapshots of a shut-off domain.',
    );
  }
  if (domain.state === 'paused' && resolution.memory.mode === 'external' && domain.pausedSinceMemorySnapshot === undefined) {
    warnings.push(
      'QEMU refuses to save the memory of a guest that has stayed paused since an earlier external memory ' +
        "snapshot (\"Can't migrate the vm that was paused due to previous migration\"): resume it in between.",
    );
  }
  return warnings;
}

function outcomeWarnings(domain: PlannerDomain, resolution: Resolution): string[] {
  const warnings: string[] = [];
  if (resolution.hasManual && resolution.online) {
    const manual = resolution.disks.filter((d) => d.mode === 'manual').map((d) => d.target);
    warnings.push(
      `${domain.name} is left paused: snapshot ${manual.join(', ')} with your storage tools, then run ` +
        `virsh resume ${domain.name}.`,
    );
  }
  if (resolution.hasManual && !resolution.online) {
    const manual = resolution.disks.filter((d) => d.mode === 'manual').map((d) => d.target);
    warnings.push(`libvirt does nothing for ${manual.join(', ')} (manual): snapshot it yourself before starting the domain.`);
  }
  const external = resolution.memory.mode === 'external' || resolution.disks.some((d) => d.mode === 'external');
  if (external) {
    warnings.push(
      'libvirt before 9.9 cannot revert to an external snapshot itself; `virtsnap revert` (and v in the TUI) does it from parts libvirt has (new overlays, the recorded definition, a restore from the memory file).',
    );
  }
  return warnings;
}

export function planWarnings(domain: PlannerDomain, request: CreateRequest, resolution: Resolution): string[] {
  return [
    ...skippedDisks(resolution),
    ...diskWarnings(resolution),
    ...chainWarnings(resolution),
    ...flagWarnings(domain, request, resolution),
    ...outcomeWarnings(domain, resolution),
  ];
}
