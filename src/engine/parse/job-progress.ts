export interface JobProgress {
  /** `Block commit`, `Block Pull`, `Active Block Commit`, … */
  label: string;
  /** 0–100, with the two decimals newer virsh prints. */
  percent: number;
}

// virsh ≤ 9.0 prints `\rLABEL: [ 45 %]` (%3d), newer versions `\rLABEL: [45.00 %]` (%5.2f).
const METER = /([^\r\n:]+): \[\s*(\d+(?:\.\d+)?) %\]/g;

/**
 * The last complete progress meter in a chunk of virsh's stderr (`blockcommit
 * --verbose`, `blockjob --info`), or null when the chunk holds none. A meter cut in
 * half at the end of the chunk is ignored.
 */
export function parseProgressLine(stderrChunk: string): JobProgress | null {
  let last: JobProgress | null = null;
  for (const match of stderrChunk.matchAll(METER)) {
    last = { label: (match[1] ?? '').trim(), percent: Number(match[2]) };
  }
  return last;
}
