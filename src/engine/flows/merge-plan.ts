// The pre-flight of a merge (block commit) or flatten (block pull) on one disk or on all the
// disks of a domain, decided once into plain JSON (MergeParams) from which merge-run.ts builds
// the steps. It chooses the way it runs:
//   online:  the domain runs (or is paused): libvirt block jobs, one disk after the other;
//   offline: the domain is shut off, and libvirt 9.0 answers "domain is not running" to block
//            jobs: qemu-img commit/rebase on the image files, then `virsh define` of the
//            persistent definition with the disks on their new tops.
// Runs only read commands.

import type { Host } from '../host.js';
import type { ChainLayer } from '../model.js';
import { parseDomState } from '../parse/index.js';
import { virshCommands } from '../virsh/commands.js';
import { SnapshotXml } from '../xml/snapshot-edit.js';
import { BlockPlanError, chainChange, resolveLayer, type ChainChange, type CommitMode } from './block-chain-change.js';
import type { BlockPlan, StaleSnapshot } from './block-flow.js';
import { planBlockCommit, planBlockPull } from './block-plan.js';
import { estimateCopy, freeBytesFor, isLocalUri, spaceVerdict, type CopyEstimate } from './block-space.js';
import { staleSnapshotsFor } from './block-stale-snapshots.js';
import { imageChain } from './offline-qemu-img.js';
import { filesOf } from '../host-files.js';
import type { PlannedCommand } from './step-machine.js';

/** One disk and, optionally, the layers to merge (path, file name or DISK[N]; defaults as for `commit`/`pull`). */
export interface DiskRange {
  disk: string;
  top?: string;
  base?: string;
}

export interface MergeRequest {
  operation: 'commit' | 'pull';
  domain: string;
  /** The disks, or every disk that has a backing chain. */
  disks: DiskRange[] | 'all';
  /** Commit of the active layer: switch to the base (default offline), or keep the overlay. */
  pivot?: boolean;
  keepOverlay?: boolean;
  bandwidthMiB?: number;
  forgetMetadata?: boolean;
  deleteUnusedFiles?: boolean;
}

/** A snapshot redefined after the stale ones are forgotten: under its nearest surviving ancestor, its own disk states kept. */
export interface ChildRedefine {
  name: string;
  /** Its XML with <parent> set to the surviving ancestor. */
  xml: string;
  parent: string | null;
  current: boolean;
}

/** What the metadata clean-up afterwards does, for every disk of the merge at once. */
export interface MetadataCleanup {
  staleSnapshots: StaleSnapshot[];
  forgetMetadata: boolean;
  children: ChildRedefine[];
  /** Files that leave the chains, deleted afterwards (if nothing uses them) when asked. */
  unused: string[];
  deleteFiles: boolean;
}

export interface OfflineDisk {
  disk: string;
  change: ChainChange;
  /** Each layer's format, as change.before. */
  formats: string[];
  mode: CommitMode | null;
  copy: CopyEstimate | null;
  freeBytes: number | null;
  /** qemu-img commit or rebase, with -p. */
  merge: PlannedCommand;
  /** Intermediate commit: the layer above the top moves onto the base (`rebase -u`, metadata only). */
  rebaseAbove: { file: string; command: PlannedCommand } | null;
}

export interface OfflineParams {
  way: 'offline';
  operation: 'commit' | 'pull';
  domain: string;
  why: string;
  bandwidthMiB: number | null;
  disks: OfflineDisk[];
  cleanup: MetadataCleanup;
  warnings: string[];
  refusal: string | null;
}

export interface OnlineParams {
  way: 'online';
  operation: 'commit' | 'pull';
  domain: string;
  why: string;
  /** One plan per disk, each without its own clean-up (cleanup does it once for all). */
  plans: BlockPlan[];
  cleanup: MetadataCleanup;
  warnings: string[];
  refusal: string | null;
}

export type MergeParams = OnlineParams | OfflineParams;

export const ONLINE_WHY = 'the domain runs: libvirt block jobs copy while the guest keeps running';
export const OFFLINE_WHY =
  'the domain is shut off and libvirt 9.0 runs block jobs only inside a running QEMU ("domain is not running"): qemu-img merges the image files, then `virsh define` points the disks at their new tops';
export const SEQUENCE_WHY =
  'one disk after the other: the disks share the host\'s I/O, and a failure stops before the next disk starts, so at most one disk is left part-way and the journal names it';

export const NO_CLEANUP: MetadataCleanup = { staleSnapshots: [], forgetMetadata: false, children: [], unused: [], deleteFiles: false };

async function domainState(host: Host, domain: string) {
  return parseDomState((await host.run(virshCommands.domainState(domain))).stdout).state;
}

/** Every disk with a backing chain (cdroms and disks without a chain have nothing to merge). */
function chainedDisks(disks: { target: string; device: string; source: string | null; chain: unknown[] }[], minimum: number): DiskRange[] {
  return disks.filter((d) => d.device === 'disk' && d.source !== null && d.chain.length >= minimum).map((d) => ({ disk: d.target }));
}

export async function planMerge(host: Host, request: MergeRequest): Promise<MergeParams> {
  const state = await domainState(host, request.domain);
  if (state === 'running' || state === 'paused') return planOnline(host, request);
  if (state === 'shut off') return planOffline(host, request);
  throw new BlockPlanError(`${request.domain} is ${state}: a merge needs it running, paused or shut off`, false);
}

async function planOnline(host: Host, request: MergeRequest): Promise<OnlineParams> {
  const { domain } = request;
  let ranges = request.disks;
  if (ranges === 'all') {
    ranges = chainedDisks(await host.disks(domain), 2);
    if (ranges.length === 0) throw new BlockPlanError(`${domain} has no disk with a backing chain: nothing to merge`);
  }
  const plans: BlockPlan[] = [];
  // One disk: its plan keeps its own clean-up and runs as the plain commit or pull flow.
  const single = ranges.length === 1;
  for (const range of ranges) {
    const common = {
      domain,
      disk: range.disk,
      base: range.base,
      bandwidthMiB: request.bandwidthMiB,
      forgetMetadata: single ? request.forgetMetadata : false,
      deleteUnusedFiles: single ? request.deleteUnusedFiles : false,
    };
    plans.push(
      request.operation === 'commit'
        ? await planBlockCommit(host, { ...common, top: range.top, pivot: request.pivot, keepOverlay: request.keepOverlay })
        : await planBlockPull(host, common),
    );
  }
  const cleanup = single
    ? NO_CLEANUP
    : await cleanupFor(host, domain, await staleAcross(host, domain, plans.map((p) => ({ disk: p.disk, unused: p.change.unused }))), plans.flatMap((p) => p.change.unused), request);
  const refused = plans.filter((p) => p.refusal);
  // The same refusal on every disk (a driver without block jobs) is said once.
  const refusals =
    refused.length > 0 && refused.length === plans.length && refused.every((p) => p.refusal === refused[0]!.refusal)
      ? [refused[0]!.refusal!]
      : refused.map((p) => `${p.disk}: ${p.refusal}`);
  const warnings = plans.flatMap((p) => p.warnings.map((w) => (plans.length > 1 ? `${p.disk}: ${w}` : w)));
  return {
    way: 'online',
    operation: request.operation,
    domain,
    why: plans.length > 1 ? `${ONLINE_WHY}; ${SEQUENCE_WHY}` : ONLINE_WHY,
    plans,
    cleanup,
    warnings,
    refusal: refusals.length ? refusals.join('; ') : cleanup.deleteFiles && !isLocalUri(host.uri) ? 'deleting files needs a local connection: the files are on another host' : null,
  };
}

async function planOffline(host: Host, request: MergeRequest): Promise<OfflineParams> {
  const { domain } = request;
  // qemu-img runs where the images are: on this machine, or on the host over SSH.
  const files = filesOf(host);
  const testDriver = host.uri.startsWith('test:');
  if (files.kind === 'none' && !testDriver) {
    throw new BlockPlanError(`${domain} is shut off: an offline merge runs qemu-img on the image files, which cannot be reached from here (${files.where})`, false);
  }
  const defined = (await host.disks(domain, { inactive: true })).filter((d) => d.device === 'disk' && d.source !== null);
  // libvirt's test driver (the demo host) has no image files: its plans are shown from the XML's chains, and refused.
  // The images themselves say what backs them: the definition may hold no chain, or a stale one.
  const chains = new Map<string, ChainLayer[]>();
  for (const disk of defined) {
    if (disk.type !== null && disk.type !== 'file') continue;
    chains.set(disk.target, testDriver ? disk.chain : await imageChain(disk.source!, files));
  }
  let ranges = request.disks;
  if (ranges === 'all') {
    ranges = [...chains].filter(([, chain]) => chain.length >= 2).map(([disk]) => ({ disk }));
    if (ranges.length === 0) throw new BlockPlanError(`${domain} has no disk with a backing chain: nothing to merge`);
  }
  if (request.pivot && request.keepOverlay) throw new BlockPlanError('--pivot and --keep-overlay exclude each other');
  const warnings: string[] = [];
  let refusal: string | null = testDriver ? 'this driver cannot run block jobs, and its images are not files qemu-img could merge: the plan is shown, but it cannot run here' : null;
  const disks: OfflineDisk[] = [];
  for (const range of ranges) {
    const layers = chains.get(range.disk);
    if (!layers) {
      const known = defined.find((d) => d.target === range.disk);
      throw new BlockPlanError(
        known ? `${range.disk} is not a file image (${known.type}): qemu-img cannot merge it offline` : `${domain} has no disk ${range.disk} (disks: ${defined.map((d) => d.target).join(', ') || 'none'})`,
      );
    }
    const formats = layers.map((l) => l.format ?? 'raw');
    const fmt = (i: number) => formats[i]!;
    let change: ChainChange;
    let mode: CommitMode | null = null;
    let merge: PlannedCommand;
    let rebaseAbove: OfflineDisk['rebaseAbove'] = null;
    if (request.operation === 'commit') {
      const top = range.top !== undefined ? resolveLayer(layers, range.disk, range.top) : 0;
      const base = range.base !== undefined ? resolveLayer(layers, range.disk, range.base) : layers.length - 1;
      if (top !== 0 && (request.pivot || request.keepOverlay)) throw new BlockPlanError('--pivot and --keep-overlay apply to a commit of the active layer only');
      // Offline there is no job to leave synchronized: the disk moves to the base unless the overlay is kept.
      mode = top !== 0 ? 'complete' : request.keepOverlay ? 'keep-overlay' : 'pivot';
      change = chainChange(layers, { kind: 'commit', top, base, mode });
      const rate = request.bandwidthMiB ? ['-r', `${request.bandwidthMiB}M`] : [];
      // -b names the base explicitly (a base below the top's backing file too) and keeps the top's data (-b implies -d).
      merge = { program: 'qemu-img', args: ['commit', '-p', '-f', fmt(top), ...rate, '-b', change.target, layers[top]!.source], mutates: true };
      if (top > 0) {
        const above = layers[top - 1]!.source;
        rebaseAbove = {
          file: above,
          command: { program: 'qemu-img', args: ['rebase', '-u', '-f', fmt(top - 1), '-F', fmt(base), '-b', change.target, above], mutates: true },
        };
      }
    } else {
      const base = range.base !== undefined ? resolveLayer(layers, range.disk, range.base) : null;
      change = chainChange(layers, { kind: 'pull', base });
      const backing = base === null ? ['-b', ''] : ['-b', layers[base]!.source, '-F', fmt(base)];
      merge = { program: 'qemu-img', args: ['rebase', '-p', '-f', fmt(0), ...backing, layers[0]!.source], mutates: true };
      if (request.bandwidthMiB) warnings.push(`${range.disk}: qemu-img rebase has no rate limit: the flatten runs at full speed`);
    }
    const [copy, freeBytes] = await Promise.all([estimateCopy(host, domain, change), freeBytesFor(host, change.target)]);
    if (copy === null) warnings.push(`${range.disk}: could not measure how much data qemu-img copies`);
    if (copy && freeBytes !== null) {
      const space = spaceVerdict(copy.bytes, freeBytes, change.target);
      if (space.kind === 'insufficient') refusal ??= space.message;
      else if (space.kind === 'tight') warnings.push(space.message);
    }
    if (request.operation === 'commit') {
      warnings.push(`${change.target} is changed in place: any other image or domain built on it (outside this chain) becomes invalid`);
    }
    disks.push({ disk: range.disk, change, formats, mode, copy, freeBytes, merge, rebaseAbove });
  }
  const stale = await staleAcross(host, domain, disks.map((d) => ({ disk: d.disk, unused: d.change.unused })));
  const cleanup = await cleanupFor(host, domain, stale, disks.flatMap((d) => d.change.unused), request);
  if (cleanup.deleteFiles && !isLocalUri(host.uri)) refusal ??= 'deleting files needs a local connection: the files are on another host';
  return {
    way: 'offline',
    operation: request.operation,
    domain,
    why: disks.length > 1 ? `${OFFLINE_WHY}; ${SEQUENCE_WHY}` : OFFLINE_WHY,
    bandwidthMiB: request.bandwidthMiB ?? null,
    disks,
    cleanup,
    warnings,
    refusal,
  };
}

/** The stale snapshots of every disk, each once (a snapshot over two merged disks is stale for both). */
async function staleAcross(host: Host, domain: string, disks: { disk: string; unused: string[] }[]): Promise<StaleSnapshot[]> {
  const byName = new Map<string, StaleSnapshot>();
  for (const { disk, unused } of disks) {
    for (const snapshot of await staleSnapshotsFor(host, domain, disk, unused)) {
      if (!byName.has(snapshot.name)) byName.set(snapshot.name, snapshot);
    }
  }
  return [...byName.values()];
}

async function cleanupFor(host: Host, domain: string, stale: StaleSnapshot[], unused: string[], request: MergeRequest): Promise<MetadataCleanup> {
  const forget = request.forgetMetadata !== false && stale.length > 0;
  const children: ChildRedefine[] = [];
  if (forget) {
    // libvirt 9.0 rewrites a child's recorded disk states when its parent's metadata is deleted
    // (as if that parent's overlay had been committed): the children are redefined with their
    // own XML, under the nearest ancestor that stays.
    const summaries = await host.listSnapshots(domain);
    const parentOf = new Map(summaries.map((s) => [s.name, s.parent]));
    const gone = new Set(stale.map((s) => s.name));
    const survivor = (name: string | null): string | null => {
      let at = name;
      while (at !== null && gone.has(at)) at = parentOf.get(at) ?? null;
      return at;
    };
    for (const summary of summaries) {
      if (gone.has(summary.name) || summary.parent === null || !gone.has(summary.parent)) continue;
      const parent = survivor(summary.parent);
      const doc = SnapshotXml.parse((await host.run(virshCommands.snapshotXmlForRedefine(domain, summary.name))).stdout);
      doc.setParent(parent);
      children.push({ name: summary.name, xml: doc.toXml(), parent, current: summary.current });
    }
  }
  return { staleSnapshots: stale, forgetMetadata: forget, children, unused, deleteFiles: Boolean(request.deleteUnusedFiles) && unused.length > 0 };
}
