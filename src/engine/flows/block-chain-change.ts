// What a block commit or pull does to a disk's backing chain, worked out before anything
// runs: the chain after, which files merge into which, which leave the chain. Pure.

import type { ChainLayer } from '../model.js';

/** A commit or pull that cannot be planned; `usage` when the request itself is wrong. */
export class BlockPlanError extends Error {
  override name = 'BlockPlanError';
  constructor(
    message: string,
    readonly usage = true,
  ) {
    super(message);
  }
}

/**
 * complete: a commit below the active layer, which ends by itself.
 * pivot: an active commit that switches the disk to the base once ready.
 * synchronized: an active commit left in its ready phase (pivot or abort later).
 * keep-overlay: an active commit aborted once ready: the base gets the data, the disk stays on the overlay.
 */
export type CommitMode = 'complete' | 'pivot' | 'synchronized' | 'keep-overlay';

export type ChainOperation =
  | { kind: 'commit'; top: number; base: number; mode: CommitMode }
  /** base: index of the layer the pull stops at (kept as backing); null = the whole chain. */
  | { kind: 'pull'; base: number | null };

export interface ChainChange {
  before: string[];
  after: string[];
  merges: { into: string; from: string[] }[];
  /** Files the chain no longer uses afterwards (never deleted by the job itself). */
  unused: string[];
  /** The file that receives the data. */
  target: string;
  /** Bytes to copy are the data of `mapImage` at depths in [depthFrom, depthTo) (`qemu-img map` depth). */
  mapImage: string;
  depthFrom: number;
  depthTo: number;
}

/**
 * A layer named as a path, as `DISK[N]` (libvirt's index, as in `dumpxml`), or as a file
 * name that occurs once in the chain. Returns its position, top = 0.
 */
export function resolveLayer(chain: readonly ChainLayer[], disk: string, spec: string): number {
  const byPath = chain.findIndex((l) => l.source === spec);
  if (byPath >= 0) return byPath;
  const indexed = /^(.+)\[(\d+)\]$/.exec(spec);
  if (indexed && indexed[1] === disk) {
    const at = chain.findIndex((l) => l.index === Number(indexed[2]));
    if (at >= 0) return at;
  }
  const byName = chain.map((l, i) => [l.source.split('/').at(-1), i] as const).filter(([name]) => name === spec);
  if (byName.length === 1) return byName[0]![1];
  if (byName.length > 1) throw new BlockPlanError(`'${spec}' names ${byName.length} layers of ${disk}'s chain: give the full path`);
  throw new BlockPlanError(`'${spec}' is not in ${disk}'s chain (${chain.map((l) => l.source).join(' <- ')})`);
}

export function chainChange(chain: readonly ChainLayer[], operation: ChainOperation): ChainChange {
  const before = chain.map((l) => l.source);
  if (before.length < 2) throw new BlockPlanError(`the disk has no backing chain (only ${before[0] ?? 'no image'}): nothing to merge`);
  if (operation.kind === 'commit') {
    const { top, base, mode } = operation;
    if (top < 0 || base >= before.length || top >= base) {
      throw new BlockPlanError('the base must be below the top in the chain');
    }
    const active = top === 0;
    if (active !== (mode !== 'complete')) {
      throw new BlockPlanError(active ? 'a commit of the active layer needs a mode (pivot, synchronized, keep-overlay)' : '--pivot and --keep-overlay only apply to the active layer');
    }
    const merged = before.slice(top, base);
    const switches = mode === 'complete' || mode === 'pivot';
    return {
      before,
      after: switches ? [...before.slice(0, top), ...before.slice(base)] : before,
      merges: [{ into: before[base]!, from: merged }],
      unused: switches ? merged : [],
      target: before[base]!,
      mapImage: before[top]!,
      depthFrom: 0,
      depthTo: base - top,
    };
  }
  const base = operation.base ?? before.length;
  if (base < 1 || base > before.length) throw new BlockPlanError('the base must be below the top in the chain');
  if (base === 1) throw new BlockPlanError(`${before[1]} is already the top image's backing file: nothing to pull`);
  const merged = before.slice(1, base);
  return {
    before,
    after: [before[0]!, ...before.slice(base)],
    merges: [{ into: before[0]!, from: merged }],
    unused: merged,
    target: before[0]!,
    mapImage: before[0]!,
    depthFrom: 1,
    depthTo: base,
  };
}
