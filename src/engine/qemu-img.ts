// Reading images directly with qemu-img: the independent view of a disk's backing chain
// and of the internal snapshots stored in each layer. Only meaningful for local files.
//
// Every run has a bound and a hung qemu-img is killed. `qemu-img info --backing-chain` answers
// at once on a broken chain ("creates an infinite loop", a missing backing file), while other
// subcommands can spin on it for ever (`qemu-img map -U` on a chain whose overlay names itself
// as its backing file runs at 100 % CPU): read the chain with info first.

import { execa } from 'execa';
import type { ImageInfo } from './model.js';
import { parseQemuImgInfoChain } from './parse/index.js';

/** qemu-img info reads headers only: it answers in milliseconds unless the storage hangs. */
export const QEMU_IMG_INFO_TIMEOUT_MS = 30_000;

export class QemuImgError extends Error {
  override name = 'QemuImgError';
}

/** qemu-img could not open the chain below an image that exists: a loop, a missing or unreadable backing file, a corrupt header. */
export class BrokenChainError extends QemuImgError {
  override name = 'BrokenChainError';
}

/** qemu-img did not finish within its bound and was killed. */
export class QemuImgTimeoutError extends QemuImgError {
  override name = 'QemuImgTimeoutError';
}

export interface QemuImgFailure {
  timedOut?: boolean;
  isCanceled?: boolean;
  code?: string;
  stderr?: unknown;
  exitCode?: number | null;
  signal?: string;
}

/** `30 s`, or `300 ms` for the short bounds of tests. */
export function boundText(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

/** Why a qemu-img run failed, naming the command: `qemu-img map -U … X did not finish within 30 s and was killed`. */
export function qemuImgFailure(args: readonly string[], result: QemuImgFailure, timeoutMs: number): string {
  const command = ['qemu-img', ...args].join(' ');
  if (result.timedOut) return `${command} did not finish within ${boundText(timeoutMs)} and was killed`;
  if (result.isCanceled) return `${command} was stopped (aborted)`;
  if (result.code === 'ENOENT') return `${command}: qemu-img is not installed (package qemu-utils)`;
  const stderr = String(result.stderr ?? '').trim().replace(/^qemu-img: /, '');
  return `${command}: ${stderr || (result.signal ? `killed by ${result.signal}` : `exited with ${String(result.exitCode)}`)}`;
}

export interface ChainReadOptions {
  timeoutMs?: number;
}

/**
 * The whole chain below `path`, top first. `-U` (no lock) because the image is usually
 * open by a running QEMU. Throws BrokenChainError when qemu-img cannot follow the chain.
 */
export async function imageChain(path: string, options: ChainReadOptions = {}): Promise<ImageInfo[]> {
  const timeoutMs = options.timeoutMs ?? QEMU_IMG_INFO_TIMEOUT_MS;
  const args = ['info', '-U', '--backing-chain', '--output=json', path];
  const result = await execa('qemu-img', args, {
    reject: false,
    env: { LC_ALL: 'C' },
    stdin: 'ignore',
    timeout: timeoutMs,
  });
  if (result.failed) {
    const message = qemuImgFailure(args, result, timeoutMs);
    if (result.timedOut) throw new QemuImgTimeoutError(message);
    throw result.exitCode === 1 ? new BrokenChainError(message) : new QemuImgError(message);
  }
  return parseQemuImgInfoChain(String(result.stdout));
}
