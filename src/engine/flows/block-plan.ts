// The pre-flight of a block commit or pull: reads the host (domain state, the disk's chain,
// a job already running, layer allocation, free space, snapshots that would go stale) and
// decides everything the flow needs (BlockPlan, plain JSON; block-run.ts builds its steps).
// Runs only read commands.

import type { Host } from '../host.js';
import { BlockJobControl } from '../jobs/block-job-control.js';
import { parseDomState, type BlockJobRaw } from '../parse/index.js';
import { BrokenChainError, QemuImgTimeoutError } from '../qemu-img.js';
import { VirshCommandError } from '../virsh/errors.js';
import { virshCommands, type VirshCommand } from '../virsh/commands.js';
import { BlockPlanError, chainChange, resolveLayer, type ChainOperation, type CommitMode } from './block-chain-change.js';
import type { BlockPlan } from './block-flow.js';
import { estimateCopy, freeBytesFor, isLocalUri, spaceVerdict } from './block-space.js';
import { staleSnapshotsFor } from './block-stale-snapshots.js';

interface CommonRequest {
  domain: string;
  disk: string;
  base?: string;
  /** MiB/s; omitted = unlimited. */
  bandwidthMiB?: number;
  /** Forget the metadata of external snapshots whose files leave the chain (default true). */
  forgetMetadata?: boolean;
  /** Delete the files that leave the chain once no chain or snapshot uses them (default false). */
  deleteUnusedFiles?: boolean;
}

export interface CommitRequest extends CommonRequest {
  top?: string;
  /** Optional: implied when the top is the active layer (the default top). */
  active?: boolean;
  pivot?: boolean;
  keepOverlay?: boolean;
}

export type PullRequest = CommonRequest;

export { BlockPlanError };

export async function planBlockCommit(host: Host, request: CommitRequest): Promise<BlockPlan> {
  const { domain, disk } = request;
  const layers = await chainOf(host, domain, disk);
  const top = request.top !== undefined ? resolveLayer(layers, disk, request.top) : 0;
  const base = request.base !== undefined ? resolveLayer(layers, disk, request.base) : layers.length - 1;
  if (request.pivot && request.keepOverlay) throw new BlockPlanError('--pivot and --keep-overlay exclude each other');
  if (request.active && top !== 0) throw new BlockPlanError(`--active commits the active layer, but --top names ${layers[top]?.source}`);
  const mode: CommitMode = top !== 0 ? 'complete' : request.pivot ? 'pivot' : request.keepOverlay ? 'keep-overlay' : 'synchronized';
  if (top !== 0 && (request.pivot || request.keepOverlay)) {
    throw new BlockPlanError('--pivot and --keep-overlay apply to a commit of the active layer only');
  }
  const change = chainChange(layers, { kind: 'commit', top, base, mode });
  const start = virshCommands.blockCommit(domain, disk, {
    active: top === 0,
    top: top === 0 ? undefined : change.mapImage,
    base: change.target,
    bandwidthMiB: request.bandwidthMiB,
  });
  return assemble(host, request, { kind: 'commit', top, base, mode }, change, start);
}

export async function planBlockPull(host: Host, request: PullRequest): Promise<BlockPlan> {
  const { domain, disk } = request;
  const layers = await chainOf(host, domain, disk);
  const base = request.base !== undefined ? resolveLayer(layers, disk, request.base) : null;
  const change = chainChange(layers, { kind: 'pull', base });
  const start = virshCommands.blockPull(domain, disk, {
    base: base === null ? undefined : layers[base]!.source,
    bandwidthMiB: request.bandwidthMiB,
  });
  return assemble(host, request, { kind: 'pull', base }, change, start);
}

/** The disk's chain from the live XML; only a running domain has one (and can run block jobs). */
async function chainOf(host: Host, domain: string, disk: string) {
  const state = parseDomState((await host.run(virshCommands.domainState(domain))).stdout).state;
  if (state !== 'running' && state !== 'paused') {
    throw new BlockPlanError(`${domain} is ${state}: block jobs run inside QEMU, so the domain must be running (or paused)`, false);
  }
  const disks = await host.disks(domain);
  const found = disks.find((d) => d.target === disk);
  if (!found) throw new BlockPlanError(`${domain} has no disk ${disk} (disks: ${disks.map((d) => d.target).join(', ') || 'none'})`);
  return found.chain;
}

/** The refusal on a driver without the block-job API (libvirt's test driver, the demo host): the plan is still shown. */
export const NO_BLOCK_JOBS = 'this driver cannot run block jobs (libvirt: virDomainGetBlockJobInfo is not supported by the connection driver): the plan is shown, but it cannot run here';

/** The job on the disk, or 'unsupported' where the driver has no block jobs at all. */
export async function runningJob(host: Host, domain: string, disk: string): Promise<BlockJobRaw | null | 'unsupported'> {
  try {
    return await new BlockJobControl(host).info(domain, disk);
  } catch (error) {
    if (error instanceof VirshCommandError && error.code === 'unsupported') return 'unsupported';
    throw error;
  }
}

async function assemble(
  host: Host,
  request: CommonRequest,
  operation: ChainOperation,
  change: ReturnType<typeof chainChange>,
  start: VirshCommand,
): Promise<BlockPlan> {
  const { domain, disk } = request;
  const warnings: string[] = [];
  let refusal: string | null = null;

  const running = await runningJob(host, domain, disk);
  if (running === 'unsupported') refusal = NO_BLOCK_JOBS;
  else if (running) {
    refusal = `a ${running.type} job already runs on ${disk}: follow it with \`virtsnap jobs ${domain}\`, or end it with \`virtsnap job ${domain} ${disk} --abort\``;
  }

  const [copy, freeBytes, staleSnapshots] = await Promise.all([
    // A broken chain (a loop, a missing backing file) refuses the plan, saying what qemu-img says.
    estimateCopy(host, domain, change).catch((error: unknown) => {
      if (!(error instanceof BrokenChainError || error instanceof QemuImgTimeoutError)) throw error;
      refusal ??= `the backing chain of ${disk} cannot be read: ${error.message}`;
      return null;
    }),
    freeBytesFor(host, change.target),
    staleSnapshotsFor(host, domain, disk, change.unused),
  ]);
  if (copy === null) warnings.push('could not measure how much data the job copies');
  if (copy && freeBytes !== null) {
    const space = spaceVerdict(copy.bytes, freeBytes, change.target);
    if (space.kind === 'insufficient') refusal ??= space.message;
    else if (space.kind === 'tight') warnings.push(space.message);
  }
  if (operation.kind === 'commit') {
    warnings.push(`${change.target} is changed in place: any other image or domain built on it (outside this chain) becomes invalid`);
  }
  for (const snapshot of staleSnapshots) {
    if (snapshot.otherDisks.length > 0) {
      warnings.push(`snapshot ${snapshot.name} also covers ${snapshot.otherDisks.join(', ')}: forgetting it forgets those parts too (their files stay)`);
    }
  }

  const mode = operation.kind === 'commit' ? operation.mode : null;
  const forget = request.forgetMetadata !== false && staleSnapshots.length > 0;
  const deleteFiles = Boolean(request.deleteUnusedFiles) && change.unused.length > 0;
  if (deleteFiles && !isLocalUri(host.uri)) refusal ??= 'deleting files needs a local connection: the files are on another host';

  return {
    operation: operation.kind,
    domain,
    disk,
    mode,
    bandwidthMiB: request.bandwidthMiB ?? null,
    start,
    change,
    copy,
    freeBytes,
    warnings,
    refusal,
    staleSnapshots,
    forgetMetadata: forget,
    deleteFiles,
  };
}
