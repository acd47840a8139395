// Rate, time left and convergence of one block job, from the (time, cur, end) samples of
// successive polls. Pure: the monitor feeds it, tests feed it made-up clocks.

export interface ProgressSample {
  /** Milliseconds, any monotonic origin. */
  at: number;
  cur: number;
  end: number;
}

export interface ProgressEstimate {
  /** Bytes per second over the rate window; null until two samples span some time. */
  rate: number | null;
  /** Seconds left; null when the rate is unknown or zero. */
  eta: number | null;
  /** null until the convergence window is full; only meaningful for jobs that follow guest writes. */
  converging: boolean | null;
}

export interface ProgressTrackerOptions {
  /** How far back the rate looks (ms). */
  rateWindowMs?: number;
  /** How long the bytes left must fail to shrink before a job counts as not converging (ms). */
  convergenceWindowMs?: number;
}

export class ProgressTracker {
  private samples: ProgressSample[] = [];
  private readonly rateWindowMs: number;
  private readonly convergenceWindowMs: number;

  constructor(options: ProgressTrackerOptions = {}) {
    this.rateWindowMs = options.rateWindowMs ?? 3000;
    this.convergenceWindowMs = options.convergenceWindowMs ?? 8000;
  }

  add(sample: ProgressSample): ProgressEstimate {
    // A new job on the same disk starts again from zero: forget the old one.
    const last = this.samples.at(-1);
    if (last && sample.cur < last.cur) this.samples = [];
    this.samples.push(sample);
    const keepFrom = sample.at - Math.max(this.rateWindowMs, this.convergenceWindowMs) - 1000;
    while (this.samples.length > 2 && this.samples[0]!.at < keepFrom) this.samples.shift();
    return this.estimate();
  }

  estimate(): ProgressEstimate {
    const now = this.samples.at(-1);
    if (!now) return { rate: null, eta: null, converging: null };
    const rateFrom = this.oldestWithin(now.at - this.rateWindowMs);
    let rate: number | null = null;
    if (rateFrom && now.at > rateFrom.at) rate = ((now.cur - rateFrom.cur) * 1000) / (now.at - rateFrom.at);
    const left = Math.max(0, now.end - now.cur);
    const eta = rate !== null && rate > 0 ? left / rate : null;
    return { rate, eta, converging: this.converging(now) };
  }

  /**
   * Not converging: over the whole window the bytes left did not shrink (by 2 % or more)
   * while the total grew, i.e. the guest dirtied at least as much as the job copied.
   */
  private converging(now: ProgressSample): boolean | null {
    const first = this.samples[0]!;
    if (now.at - first.at < this.convergenceWindowMs) return null;
    const from = this.newestAtOrBefore(now.at - this.convergenceWindowMs) ?? first;
    const leftThen = from.end - from.cur;
    const leftNow = now.end - now.cur;
    if (leftNow === 0) return true;
    const grew = now.end > from.end;
    return !(grew && leftNow >= leftThen * 0.98);
  }

  private oldestWithin(since: number): ProgressSample | undefined {
    return this.samples.find((s) => s.at >= since);
  }

  private newestAtOrBefore(at: number): ProgressSample | undefined {
    let found: ProgressSample | undefined;
    for (const s of this.samples) if (s.at <= at) found = s;
    return found;
  }
}
