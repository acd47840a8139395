// What the merge, flatten and copy wizards draw before anything is planned: each disk's chain
// (top first) with the snapshots that created each layer, the way a merge would run (online
// block jobs, offline qemu-img) and whether this driver can run block jobs at all. Also the
// wizards' default ranges (pure). Runs only read commands.

import type { Host } from '../host.js';
import { parseDomState, parseNameList } from '../parse/index.js';
import { virshCommands } from '../virsh/commands.js';
import { NO_BLOCK_JOBS, runningJob } from './block-plan.js';
import { filesOf } from '../host-files.js';
import { OFFLINE_WHY, ONLINE_WHY } from './merge-plan.js';
import { imageChain } from './offline-qemu-img.js';

export interface WizardLayer {
  source: string;
  format: string | null;
  /** Snapshots whose overlay this layer is. */
  createdBy: string[];
}

export interface WizardDisk {
  target: string;
  layers: WizardLayer[];
}

export interface MergeChains {
  domain: string;
  state: string;
  way: 'online' | 'offline' | 'none';
  why: string;
  disks: WizardDisk[];
  /** Why nothing can run here (a driver without block jobs, a state no merge runs in); the plan is still shown. */
  cannotRun: string | null;
}

export async function mergeChains(host: Host, domain: string): Promise<MergeChains> {
  const state = parseDomState((await host.run(virshCommands.domainState(domain))).stdout).state;
  const online = state === 'running' || state === 'paused';
  const offline = state === 'shut off';
  const testDriver = host.uri.startsWith('test:');
  const defined = (await host.disks(domain, { inactive: !online })).filter((d) => d.device === 'disk' && d.source !== null);
  const byFile = new Map<string, string[]>();
  for (const name of parseNameList((await host.run(virshCommands.snapshotNames(domain, 'external'))).stdout)) {
    const { detail } = await host.snapshot(domain, name);
    for (const spec of detail.disks) {
      if (spec.mode !== 'external' || !spec.file) continue;
      byFile.set(`${spec.name}\u0000${spec.file}`, [...(byFile.get(`${spec.name}\u0000${spec.file}`) ?? []), name]);
    }
  }
  const disks: WizardDisk[] = [];
  for (const disk of defined) {
    let chain = disk.chain.map((l) => ({ source: l.source, format: l.format }));
    // A shut-off domain's definition may name no chain, or a stale one: the images say what backs them.
    if (offline && !testDriver && filesOf(host).kind !== 'none' && (disk.type ?? 'file') === 'file') {
      try {
        chain = (await imageChain(disk.source!, filesOf(host))).map((l) => ({ source: l.source, format: l.format }));
      } catch {
        // unreadable here: the definition's chain is what there is
      }
    }
    disks.push({ target: disk.target, layers: chain.map((l) => ({ ...l, createdBy: byFile.get(`${disk.target}\u0000${l.source}`) ?? [] })) });
  }
  let cannotRun: string | null = null;
  if (online && disks[0]) {
    if ((await runningJob(host, domain, disks[0].target)) === 'unsupported') cannotRun = NO_BLOCK_JOBS;
  } else if (offline && testDriver) {
    cannotRun = 'this driver cannot run block jobs, and its images are not files qemu-img could merge: the plan is shown, but it cannot run here';
  } else if (!online && !offline) cannotRun = `${domain} is ${state}: a merge needs it running, paused or shut off`;
  return {
    domain,
    state,
    way: online ? 'online' : offline ? 'offline' : 'none',
    why: online ? ONLINE_WHY : offline ? OFFLINE_WHY : `${domain} is ${state}`,
    disks,
    cannotRun,
  };
}

/**
 * A merge's marks on one chain: `top` is the first layer merged, `base` the layer it merges into.
 * A flatten's: `top` is 0 (the active layer receives the data), `base` the lowest layer pulled in.
 */
export interface RangeMarks {
  top: number;
  base: number;
}

/**
 * Merge: the snapshot's own layer (the overlay it created) into its backing file; the active
 * layer when the snapshot has none in this chain. Flatten: everything below the top.
 * Null when the chain has nothing to merge.
 */
export function defaultMarks(operation: 'commit' | 'pull', disk: WizardDisk, snapshot: string | null): RangeMarks | null {
  const n = disk.layers.length;
  if (n < 2) return null;
  if (operation === 'pull') return { top: 0, base: n - 1 };
  const own = snapshot === null ? -1 : disk.layers.findIndex((l) => l.createdBy.includes(snapshot));
  const top = own >= 0 && own < n - 1 ? own : 0;
  return { top, base: top + 1 };
}

/** Moves one mark by `delta` (down the chain is +1), keeping top < base inside the chain. */
export function moveMark(operation: 'commit' | 'pull', marks: RangeMarks, which: 'top' | 'base', delta: number, length: number): RangeMarks {
  if (operation === 'pull' || which === 'base') {
    const base = Math.max(marks.top + 1, Math.min(length - 1, marks.base + delta));
    return { ...marks, base };
  }
  const top = Math.max(0, Math.min(marks.base - 1, marks.top + delta));
  return { ...marks, top };
}
