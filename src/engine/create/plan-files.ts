// The files a snapshot writes, and libvirt 9.0's rules about files that already exist
// (qemuSnapshotPrepareDiskExternal).

import { invalid, unsupported, type Refusal } from './refusal.js';
import type { PlannedFile, PlannerEnvironment } from './types.js';

export interface OverlayCheck {
  disk: string;
  path: string;
  /** `file` or `block`: a block target is a device that must exist. */
  sourceType: string;
  reuse: boolean;
}

/** A file exists and has data in it; without fileSize every existing file counts as non-empty. */
function hasData(env: PlannerEnvironment, path: string): boolean {
  if (!env.fileExists(path)) return false;
  const size = env.fileSize?.(path);
  return size === undefined || size === null || size > 0;
}

/**
 * Why libvirt refuses this overlay path, or null. libvirt writes a new overlay into a missing
 * or empty file; an existing file with data is used only with --reuse-external, which in
 * turn needs the file to exist.
 */
export function overlayFileProblem(check: OverlayCheck, env: PlannerEnvironment): Refusal | null {
  const { disk, path, sourceType, reuse } = check;
  const exists = env.fileExists(path);
  if (!exists) {
    if (reuse) {
      return invalid(`missing existing file for disk ${disk}: ${path} (--reuse-external needs an existing file)`);
    }
    if (sourceType === 'block') return unsupported(`block device snapshot target '${path}' doesn't exist`);
    return null;
  }
  if (!reuse && sourceType === 'file' && hasData(env, path)) {
    return invalid(
      `external snapshot file for disk ${disk} already exists and is not a block device: ${path} ` +
        '(choose another file, or pass --reuse-external to use it as the overlay)',
    );
  }
  return null;
}

/** Warnings about planned files that libvirt accepts but the user should know about. */
export function fileWarnings(files: PlannedFile[], reuse: boolean, env: PlannerEnvironment): string[] {
  const warnings: string[] = [];
  for (const file of files) {
    if (file.role === 'overlay' && file.exists && !reuse && !hasData(env, file.path)) {
      warnings.push(`The overlay for ${file.disk} exists but is empty (${file.path}): libvirt writes the new overlay into it.`);
    }
    if (file.role === 'overlay' && file.exists && reuse) {
      warnings.push(
        `--reuse-external: libvirt uses ${file.path} as ${file.disk}'s overlay as it is, without checking it; ` +
          `it must be a qcow2 image whose backing file is ${file.disk}'s current image.`,
      );
    }
    if (file.role === 'memory' && file.exists) {
      warnings.push(`The memory file ${file.path} already exists and will be overwritten.`);
    }
  }
  return warnings;
}
