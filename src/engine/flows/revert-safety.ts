// The safety snapshot: before a revert throws the present state away, that state is kept as a
// snapshot named `pre-revert-<UTC time>`, so the revert itself can be undone by reverting to it.
//
// Its kind is chosen so that it works on this host and survives the revert that follows, and the
// creation planner (src/engine/create/) decides whether libvirt 9.0 accepts it:
//  * a live domain is snapshotted with --halt, which stops it in the same operation, so no write
//    falls between the snapshot and the revert (and the revert needs no destroy of its own);
//  * external (memory + disk overlays) where the disks run on overlays or the target is external;
//  * internal (savevm; offline: qemu-img) where the disks hold internal snapshots only, and
//    always when an internal revert will write the images the disks run on now: an external
//    snapshot's point in time would be the image that revert writes again.

import { basename, dirname, join } from 'node:path';
import { planSnapshot } from '../create/planner.js';
import type { CreateRequest, DiskRequest, Plan, PlannerDisk, PlannerDomain, PlannerEnvironment } from '../create/types.js';
import { formatBytes } from '../../format/bytes.js';

export type SafetyKind = 'external' | 'internal';

export interface SafetyParams {
  name: string;
  kind: SafetyKind;
  /** The domain is live and is stopped by the snapshot (--halt). */
  halts: boolean;
  /** The creation planner's accepted plan (verdict ok), run as it is. */
  plan: Plan;
  /** The memory file and overlays it creates. */
  files: string[];
  /** Overlay per disk target (external only): the images the disks run on after it. */
  overlays: Record<string, string>;
  /** Time and space, in words. */
  cost: string;
  warnings: string[];
}

/** `pre-revert-20261130T031500Z` */
export function safetySnapshotName(now: Date, taken: ReadonlySet<string>): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const base = `pre-revert-${stamp}`;
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

const covered = (disk: PlannerDisk) =>
  disk.source !== null && disk.source !== '' && !disk.readonly && disk.device !== 'cdrom' && disk.snapshotDefault !== 'no';

/** `/img/vm-vda.qcow2` → `/img/vm-vda.NAME.qcow2`, with -2, -3… until the name is free. */
function freePath(dir: string, stem: string, suffix: string, exists: (path: string) => boolean, used: Set<string>): string {
  for (let n = 1; ; n++) {
    const path = join(dir, `${stem}${n === 1 ? '' : `-${n}`}${suffix}`);
    if (!exists(path) && !used.has(path)) {
      used.add(path);
      return path;
    }
  }
}

const fileSafe = (text: string) => text.replace(/[^A-Za-z0-9._+-]+/g, '_');

function request(domain: PlannerDomain, name: string, kind: SafetyKind, env: PlannerEnvironment): CreateRequest {
  const live = domain.state !== 'shutoff';
  const used = new Set<string>();
  const disks: DiskRequest[] = domain.disks.map((disk) => {
    if (!covered(disk)) return { target: disk.target, mode: 'no' };
    if (kind === 'internal') return { target: disk.target, mode: 'internal' };
    const source = disk.source!;
    const stem = basename(source).replace(/\.(qcow2|qed|raw|img)$/, '');
    return { target: disk.target, mode: 'external', file: freePath(dirname(source), `${stem}.${fileSafe(name)}`, '.qcow2', env.fileExists, used) };
  });
  const firstSource = domain.disks.find(covered)?.source ?? null;
  const memory =
    !live ? undefined
    : kind === 'internal' ? ({ mode: 'internal' } as const)
    : firstSource === null ? undefined
    : ({ mode: 'external', file: freePath(dirname(firstSource), `${fileSafe(domain.name)}.${fileSafe(name)}`, '.mem', env.fileExists, used) } as const);
  return {
    name,
    description: 'the state before a revert (virtsnap); revert to it to undo that revert',
    memory,
    disks,
    flags: { halt: live, diskOnly: !live && kind === 'external', atomic: kind === 'external' },
  };
}

function cost(kind: SafetyKind, live: boolean, memoryBytes: number | null): string {
  const memory = memoryBytes === null ? 'the guest’s memory size' : `about ${formatBytes(memoryBytes)} (the guest’s memory size)`;
  const seconds = memoryBytes === null ? null : Math.max(1, Math.round(memoryBytes / (300 * 1024 ** 2)));
  const pause = seconds === null ? 'a pause that grows with the memory in use' : `about ${seconds} s`;
  if (kind === 'external') {
    return live
      ? `${pause} while the memory is written; space: ${memory} for the memory file, and overlays that start empty (a few hundred KiB each)`
      : 'well under a second; space: overlays that start empty (a few hundred KiB each)';
  }
  return live
    ? `${pause} while QEMU writes the memory into the qcow2 images (savevm, no progress shown); space: ${memory} in the images, plus the disk clusters kept for the snapshot as the guest writes on`
    : `well under a second (qemu-img); space: the disk clusters kept for the snapshot as the guest writes on`;
}

export interface SafetyChoice {
  params: SafetyParams | null;
  /** Why no kind works here (the planner's own reasons). */
  refusal: string | null;
}

/**
 * The kinds to try, best first. `internalRevertWrites`: the internal revert that follows will
 * run the domain on images it runs on now, so an external snapshot's state image would be
 * written again.
 */
export function safetyKinds(
  domain: PlannerDomain,
  target: 'internal' | 'external',
  internalRevertWrites: boolean,
  onOverlays: boolean,
): SafetyKind[] {
  if (target === 'internal' && internalRevertWrites) return ['internal'];
  if (domain.state === 'shutoff') return ['internal', 'external'];
  if (target === 'external' || onOverlays) return ['external', 'internal'];
  return ['internal', 'external'];
}

export function planSafetySnapshot(
  domain: PlannerDomain,
  name: string,
  kinds: SafetyKind[],
  env: PlannerEnvironment,
  memoryBytes: number | null,
): SafetyChoice {
  const reasons: string[] = [];
  const live = domain.state !== 'shutoff';
  for (const kind of kinds) {
    const plan = planSnapshot(domain, request(domain, name, kind, env), env);
    if (plan.verdict !== 'ok' || plan.commands.length !== 1) {
      reasons.push(`${kind}: ${plan.reason ?? plan.verdict}`);
      continue;
    }
    const overlays: Record<string, string> = {};
    for (const disk of plan.resolved?.disks ?? []) if (disk.mode === 'external' && disk.file) overlays[disk.target] = disk.file;
    return {
      params: {
        name,
        kind,
        halts: live,
        plan,
        files: plan.files.map((f) => f.path),
        overlays,
        cost: cost(kind, live, memoryBytes),
        warnings: plan.warnings,
      },
      refusal: null,
    };
  }
  return { params: null, refusal: `the safety snapshot cannot be taken here (${reasons.join('; ')})` };
}
