// The pre-flight of a block copy (`virsh blockcopy`): a running domain's disk mirrored into a new
// file, then the disk pivoted onto the copy, or the copy finished (the job ends once ready; the
// copy is a consistent image and the disk stays where it was), or the job left synchronized.
// Decides a BlockPlan with operation 'copy', so the copy runs on the same steps as an active
// commit (block-run.ts: start, copy until ready, pivot or finish, verify). Runs only read commands.
//
// Measured on libvirt 9.0 (lab): a persistent domain's copy is refused without --transient-job
// ("Requested operation is not valid: domain is not transient"); with it the job runs, and after
// the pivot both the live and the persistent definition name the copy. A transient job is not
// kept if the domain stops before the pivot.

import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import type { Host } from '../host.js';
import { parseDomState, parseNameList } from '../parse/index.js';
import { virshCommands } from '../virsh/commands.js';
import { BlockPlanError, type ChainChange, type CommitMode } from './block-chain-change.js';
import type { BlockPlan } from './block-flow.js';
import { NO_BLOCK_JOBS, runningJob } from './block-plan.js';
import { filesOf } from '../host-files.js';
import { freeBytesFor, isLocalUri, mappedBytes, remoteMappedBytes, spaceVerdict, type CopyEstimate } from './block-space.js';

export interface CopyRequest {
  domain: string;
  disk: string;
  dest: string;
  shallow?: boolean;
  format?: 'qcow2' | 'raw';
  bandwidthMiB?: number;
  /** pivot: switch the disk to the copy once ready; finish: end the job once ready (the disk stays). */
  end?: 'pivot' | 'finish';
}

export const TRANSIENT_JOB_NOTE =
  'libvirt 9.0 copies a persistent domain\'s disk only as a transient job (--transient-job; without it: "domain is not transient"): if the domain stops before the job ends, the copy is abandoned';

export async function planBlockCopy(host: Host, request: CopyRequest): Promise<BlockPlan> {
  const { domain, disk, dest } = request;
  if (!isAbsolute(dest)) throw new BlockPlanError(`the destination must be an absolute path, not '${dest}'`);
  const state = parseDomState((await host.run(virshCommands.domainState(domain))).stdout).state;
  if (state !== 'running' && state !== 'paused') {
    throw new BlockPlanError(
      `${domain} is ${state}: a block copy mirrors a running QEMU's disk; copy a shut-off domain's image with \`qemu-img convert\``,
      false,
    );
  }
  const disks = await host.disks(domain);
  const found = disks.find((d) => d.target === disk);
  if (!found || found.chain.length === 0) throw new BlockPlanError(`${domain} has no disk ${disk} (disks: ${disks.map((d) => d.target).join(', ') || 'none'})`);
  const layers = found.chain.map((l) => l.source);
  const topFormat = found.chain[0]!.format ?? 'raw';
  const format = request.format ?? (topFormat === 'raw' ? 'raw' : 'qcow2');
  if (request.shallow && format === 'raw') throw new BlockPlanError('--shallow keeps the backing chain, which a raw copy cannot have: use --format qcow2');
  if (request.shallow && layers.length < 2) throw new BlockPlanError(`${disk} has no backing chain: --shallow would copy the same as a full copy; leave it out`);
  const persistent = parseNameList((await host.run(virshCommands.persistentDomainNames())).stdout).includes(domain);
  const mode: CommitMode = request.end === 'pivot' ? 'pivot' : request.end === 'finish' ? 'keep-overlay' : 'synchronized';
  const copied = request.shallow ? layers.slice(0, 1) : layers;
  const pivoted = mode === 'pivot';
  const change: ChainChange = {
    before: layers,
    after: pivoted ? [dest, ...(request.shallow ? layers.slice(1) : [])] : layers,
    merges: [{ into: dest, from: copied }],
    unused: pivoted ? copied : [],
    target: dest,
    mapImage: layers[0]!,
    depthFrom: 0,
    depthTo: copied.length,
  };
  const start = virshCommands.blockCopy(domain, disk, { dest, format, shallow: request.shallow, bandwidthMiB: request.bandwidthMiB, transientJob: persistent });

  const warnings: string[] = [];
  let refusal: string | null = null;
  const running = await runningJob(host, domain, disk);
  if (running === 'unsupported') refusal = NO_BLOCK_JOBS;
  else if (running) refusal = `a ${running.type} job already runs on ${disk}: follow it with \`virtsnap jobs ${domain}\`, or end it with \`virtsnap job ${domain} ${disk} --abort\``;
  if (isLocalUri(host.uri)) {
    if (existsSync(dest)) refusal ??= `${dest} exists: libvirt would overwrite it; choose a new file`;
    else if (!existsSync(dirname(dest)) || !statSync(dirname(dest)).isDirectory()) refusal ??= `${dirname(dest)} is not a directory`;
  } else if (filesOf(host).kind === 'ssh') {
    // checked on the host, over SSH
    const files = filesOf(host);
    const facts = await files.probe([dest, dirname(dest)]);
    const target = facts.get(dest);
    const parent = facts.get(dirname(dest));
    if (target?.exists) refusal ??= `${dest} exists on ${files.where}: libvirt would overwrite it; choose a new file`;
    else if (parent && !(parent.exists && parent.directory)) refusal ??= `${dirname(dest)} is not a directory on ${files.where}`;
    else if (!target || !parent) warnings.push(`${dest} is on ${host.uri}: whether it exists is unknown (the check on ${files.where} did not answer)`);
  } else warnings.push(`${dest} is on ${host.uri}: whether it exists and the free space there are not checked`);
  let copy: CopyEstimate | null = null;
  if (isLocalUri(host.uri)) {
    try {
      copy = { bytes: await mappedBytes(change.mapImage, change.depthFrom, change.depthTo), basis: 'qemu-img map' };
    } catch {
      copy = null;
    }
  } else if (filesOf(host).kind === 'ssh') {
    const bytes = await remoteMappedBytes(host, change.mapImage, change.depthFrom, change.depthTo);
    copy = bytes === null ? null : { bytes, basis: 'qemu-img map' };
  }
  if (copy === null) warnings.push('could not measure how much data the copy takes');
  const freeBytes = await freeBytesFor(host, dest);
  if (copy && freeBytes !== null) {
    const space = spaceVerdict(copy.bytes, freeBytes, dest);
    if (space.kind === 'insufficient') refusal ??= space.message;
    else if (space.kind === 'tight') warnings.push(space.message);
  }
  if (persistent) warnings.push(TRANSIENT_JOB_NOTE);
  if (pivoted) warnings.push(`after the pivot ${disk} runs on ${dest}; libvirt 9.0 also points the persistent definition at it`);
  warnings.push(`an aborted copy leaves ${dest} behind, incomplete`);
  if (mode === 'synchronized') warnings.push(`the job stays ready (mirroring every guest write) until \`virtsnap job ${domain} ${disk} --pivot\` or --abort`);

  return {
    operation: 'copy',
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
    staleSnapshots: [],
    forgetMetadata: false,
    deleteFiles: false,
  };
}
