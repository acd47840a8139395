// How much a block job will copy and whether the file that receives it has room.
// Locally the layers' own allocation is read with `qemu-img map` (exact: the data the job
// copies, the topmost copy of each range); on a remote host only libvirt's view is there,
// the layers' physical sizes from `domstats --block --backing` (an upper bound).

import { existsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { filesOf } from '../host-files.js';
import type { Host } from '../host.js';
import { parseDomstatsBlock } from '../parse/index.js';
import { BrokenChainError, imageChain, QEMU_IMG_INFO_TIMEOUT_MS, qemuImgFailure, QemuImgTimeoutError } from '../qemu-img.js';
import { virshCommands } from '../virsh/commands.js';
import type { ChainChange } from './block-chain-change.js';

export interface CopyEstimate {
  bytes: number;
  basis: 'qemu-img map' | 'domstats physical';
}

interface MapEntry {
  start: number;
  length: number;
  depth: number;
  data: boolean;
}

/** True when the URI names this machine: no host part (`qemu:///system`, `qemu+unix:///…`). */
export function isLocalUri(uri: string): boolean {
  const authority = /^[a-z0-9+.-]+:\/\/([^/?]*)/i.exec(uri)?.[1];
  return authority === '' || authority === 'localhost';
}

/** qemu-img map walks every cluster's mapping: seconds even for large images, so a minute only stops a hung one. */
export const QEMU_IMG_MAP_TIMEOUT_MS = 60_000;

/**
 * Allocated data of `image` in layers at depth from..to-1 (0 = the image itself). The chain is
 * read with `qemu-img info --backing-chain` first: on a chain with a loop `qemu-img map` never
 * ends, while info says what is wrong at once (BrokenChainError).
 */
export async function mappedBytes(
  image: string,
  depthFrom: number,
  depthTo: number,
  options: { infoTimeoutMs?: number; mapTimeoutMs?: number } = {},
): Promise<number> {
  // A file this process cannot see (another mount namespace) is not a broken chain.
  if (!existsSync(image)) throw new Error(`${image} is not visible here`);
  await imageChain(image, { timeoutMs: options.infoTimeoutMs });
  const timeoutMs = options.mapTimeoutMs ?? QEMU_IMG_MAP_TIMEOUT_MS;
  const args = ['map', '-U', '--output=json', image];
  const result = await execa('qemu-img', args, { reject: false, stdin: 'ignore', env: { LC_ALL: 'C' }, timeout: timeoutMs });
  if (result.failed) throw new Error(qemuImgFailure(args, result, timeoutMs));
  const entries = JSON.parse(String(result.stdout)) as MapEntry[];
  return entries
    .filter((e) => e.data && e.depth >= depthFrom && e.depth < depthTo)
    .reduce((sum, e) => sum + e.length, 0);
}

/** `qemu-img map` run on the host over SSH (its files are there, not here); null when it cannot tell. */
export async function remoteMappedBytes(host: Host, image: string, depthFrom: number, depthTo: number): Promise<number | null> {
  // As locally, the chain first: on a loop `qemu-img map` spins, and a remote one may outlive the
  // ssh client that timed out.
  const infoArgs = ['info', '-U', '--backing-chain', '--output=json', image];
  const info = await filesOf(host).qemuImg(infoArgs, { timeoutMs: QEMU_IMG_INFO_TIMEOUT_MS });
  if (info.failed && info.exitCode === 1 && !info.timedOut && info.notRun === null) {
    throw new BrokenChainError(`${qemuImgFailure(infoArgs, info, QEMU_IMG_INFO_TIMEOUT_MS)} (on ${filesOf(host).where})`);
  }
  if (info.failed) return null;
  const result = await filesOf(host).qemuImg(['map', '-U', '--output=json', image], { timeoutMs: QEMU_IMG_MAP_TIMEOUT_MS });
  if (result.failed) return null;
  try {
    const entries = JSON.parse(result.stdout) as MapEntry[];
    return entries.filter((e) => e.data && e.depth >= depthFrom && e.depth < depthTo).reduce((sum, e) => sum + e.length, 0);
  } catch {
    return null;
  }
}

export async function estimateCopy(host: Host, domain: string, change: ChainChange): Promise<CopyEstimate | null> {
  if (isLocalUri(host.uri)) {
    try {
      return { bytes: await mappedBytes(change.mapImage, change.depthFrom, change.depthTo), basis: 'qemu-img map' };
    } catch (error) {
      // A chain qemu-img cannot follow, or cannot read in time, is what the plan must say.
      if (error instanceof BrokenChainError || error instanceof QemuImgTimeoutError) throw error;
      // Not readable here (permissions, another mount namespace): fall back to libvirt's numbers.
    }
  } else if (filesOf(host).kind === 'ssh') {
    // a BrokenChainError goes to the plan, as locally
    const remote = await remoteMappedBytes(host, change.mapImage, change.depthFrom, change.depthTo);
    if (remote !== null) return { bytes: remote, basis: 'qemu-img map' };
  }
  try {
    const stats = parseDomstatsBlock((await host.run(virshCommands.domainBlockStats(domain))).stdout).get(domain) ?? [];
    const merged = new Set(change.merges.flatMap((m) => m.from));
    const layers = stats.filter((s) => s.path !== null && merged.has(s.path));
    if (layers.length === 0) return null;
    return { bytes: layers.reduce((sum, s) => sum + (s.physical ?? 0), 0), basis: 'domstats physical' };
  } catch {
    return null;
  }
}

/** Free bytes (for unprivileged users too: f_bavail) where `file` lives, or null when not local or unknown. */
export async function freeBytesFor(host: Host, file: string): Promise<number | null> {
  if (!isLocalUri(host.uri)) return file.startsWith('/') ? filesOf(host).freeBytes(file) : null;
  if (!file.startsWith('/')) return null;
  try {
    const stats = await statfs(dirname(file));
    return stats.bavail * stats.bsize;
  } catch {
    return null;
  }
}

export type SpaceVerdict = { kind: 'ok' } | { kind: 'tight' | 'insufficient'; message: string };

const MiB = 1024 * 1024;
export const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

/**
 * Whether the copy fits where the target file lives. The copy may need less (ranges the target
 * already holds are overwritten in place), never more, so "insufficient" is a safe refusal.
 */
export function spaceVerdict(copyBytes: number, freeBytes: number, target: string): SpaceVerdict {
  if (copyBytes > freeBytes) {
    return { kind: 'insufficient', message: `not enough space for ${target}: up to ${mib(copyBytes)} to copy, ${mib(freeBytes)} free` };
  }
  if (copyBytes > freeBytes / 2) {
    return { kind: 'tight', message: `the copy (up to ${mib(copyBytes)}) takes more than half of the ${mib(freeBytes)} free where ${target} lives` };
  }
  return { kind: 'ok' };
}
