// qemu-img for the offline merge and flatten of a shut-off domain's disks: the chain as the
// images themselves record it (a shut-off domain's XML may have no <backingStore>, or a stale
// one), and commit/rebase runs with a timeout whose `-p` percentages become progress events
// like a block job's, so the CLI bar and the TUI jobs panel show them the same way. Each runs
// where the files are (HostFiles): on this machine, or on the host over SSH.

import type { HostFiles, ProcessOutcome } from '../host-files.js';
import type { BlockJobEvent, BlockJobKind } from '../jobs/block-job-types.js';
import { ProgressTracker } from '../jobs/progress-tracker.js';
import type { ChainLayer, ImageInfo } from '../model.js';
import { parseQemuImgInfoChain } from '../parse/qemu-img-info.js';
import { parseQemuImgProgress } from '../parse/qemu-img-progress.js';

/** qemu-img info is quick; a chain of network images may not be. */
const INFO_TIMEOUT_MS = 30_000;

export class OfflineImageError extends Error {
  override name = 'OfflineImageError';
}

function failure(what: string, outcome: ProcessOutcome, timeoutMs: number, stopped = false): string {
  if (outcome.notRun) return `${what}: ${outcome.notRun}`;
  if (outcome.timedOut) return `${what} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`;
  if (stopped) return `${what} was stopped (aborted)`;
  return `${what}: ${outcome.stderr.trim() || `exited with ${String(outcome.exitCode)}`}`;
}

/** What `qemu-img info -U --backing-chain` says of each image below `top`, top first, where the files are. */
export async function imageInfoChain(top: string, files: HostFiles): Promise<ImageInfo[]> {
  const outcome = await files.qemuImg(['info', '-U', '--backing-chain', '--output=json', top], { timeoutMs: INFO_TIMEOUT_MS });
  if (outcome.failed || outcome.notRun) throw new OfflineImageError(failure(`qemu-img info ${top}`, outcome, INFO_TIMEOUT_MS));
  return parseQemuImgInfoChain(outcome.stdout);
}

/** The image's chain, top first, with formats. */
export async function imageChain(top: string, files: HostFiles): Promise<ChainLayer[]> {
  return (await imageInfoChain(top, files)).map((image) => ({ source: image.filename, type: 'file', format: image.format, index: null }));
}

/** The backing file qemu-img resolves for `image` (null for none). */
export async function backingOf(image: string, files: HostFiles): Promise<string | null> {
  const chain = await imageChain(image, files);
  return chain[1]?.source ?? null;
}

/**
 * A long qemu-img run may take a while on a big image: 5 minutes, plus 1 s per MiB to copy
 * (local disks copy far faster; this only stops a hung process).
 */
export function offlineTimeoutMs(bytes: number | null): number {
  return 300_000 + Math.ceil((bytes ?? 0) / (1024 * 1024)) * 1000;
}

export interface QemuImgProgressRun {
  /** Where the files are: qemu-img runs there. */
  files: HostFiles;
  args: readonly string[];
  timeoutMs: number;
  signal?: AbortSignal;
  /** Each percentage `-p` prints (0–100). */
  onPercent?: (percent: number) => void;
}

/** Runs qemu-img with `-p` and reports its percentages; throws with qemu-img's own words. */
export async function runQemuImgProgress(run: QemuImgProgressRun): Promise<void> {
  const what = `qemu-img ${run.args[0] ?? ''}`;
  const child = run.files.spawnQemuImg(run.args, { timeoutMs: run.timeoutMs });
  if (!child) throw new OfflineImageError(`${what}: the files are not reachable (${run.files.where})`);
  const stop = () => void child.stop().catch(() => {});
  if (run.signal?.aborted) stop();
  run.signal?.addEventListener('abort', stop, { once: true });
  // An update may arrive split over two chunks: keep what follows the last complete one.
  let carry = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const text = carry + chunk.toString();
    const cut = text.lastIndexOf(')');
    carry = cut >= 0 ? text.slice(cut + 1) : text.slice(-64);
    for (const percent of parseQemuImgProgress(cut >= 0 ? text.slice(0, cut + 1) : '')) run.onPercent?.(percent);
  });
  try {
    const outcome = await child.done;
    if (outcome.failed || outcome.notRun) throw new OfflineImageError(failure(what, outcome, run.timeoutMs, child.stopped));
  } finally {
    run.signal?.removeEventListener('abort', stop);
  }
}

/**
 * Turns qemu-img percentages into block-job-like events: cur/end in bytes (of the estimate to
 * copy, or of 100 when unknown), with the same rate and time left as a block job.
 */
export class OfflineProgress {
  private readonly tracker = new ProgressTracker();
  private readonly end: number;
  private last: BlockJobEvent | null = null;

  constructor(
    private readonly domain: string,
    private readonly disk: string,
    private readonly type: BlockJobKind,
    bytes: number | null,
    private readonly bandwidthMiB: number,
  ) {
    this.end = bytes && bytes > 0 ? bytes : 100;
  }

  running(percent: number): BlockJobEvent {
    const at = Date.now();
    const cur = Math.round((Math.min(100, percent) / 100) * this.end);
    const estimate = this.tracker.add({ at, cur, end: this.end });
    return this.remember({
      domain: this.domain,
      disk: this.disk,
      type: this.type,
      cur,
      end: this.end,
      percent: Math.min(99.99, percent),
      bandwidth: this.bandwidthMiB,
      rate: estimate.rate,
      eta: estimate.eta,
      phase: 'running',
      converging: null,
      at,
      message: 'offline (qemu-img)',
    });
  }

  ended(phase: 'completed' | 'failed' | 'aborted', message?: string): BlockJobEvent {
    const last = this.last;
    return this.remember({
      domain: this.domain,
      disk: this.disk,
      type: this.type,
      cur: phase === 'completed' ? this.end : (last?.cur ?? 0),
      end: this.end,
      percent: phase === 'completed' ? 100 : (last?.percent ?? 0),
      bandwidth: this.bandwidthMiB,
      rate: last?.rate ?? null,
      eta: phase === 'completed' ? 0 : null,
      phase,
      converging: null,
      at: Date.now(),
      message: message ?? `offline (qemu-img): ${phase}`,
    });
  }

  private remember(event: BlockJobEvent): BlockJobEvent {
    this.last = event;
    return event;
  }
}
