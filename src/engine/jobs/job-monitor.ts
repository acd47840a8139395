// Follows block jobs by polling `blockjob --raw` (2–4 times a second) and tells subscribers
// what each one does: progress, rate, time left, ready, and how it ended. libvirt has no
// progress events, and an event listener would need a second virsh; polling goes through
// the connection's one session between the other commands.
//
//   const monitor = new JobMonitor(host);
//   const off = monitor.subscribe((event) => render(event));
//   await monitor.attachRunning();              // jobs already on the host
//   const job = monitor.watch('vm', 'vda', { chainBefore });
//   await job.ready();  await monitor.pivot('vm', 'vda');  await job.finished;
//   monitor.close();

import type { Host } from '../host.js';
import type { BlockJobRaw } from '../parse/index.js';
import { VirshCommandError } from '../virsh/errors.js';
import { BlockJobControl } from './block-job-control.js';
import {
  blockJobKind,
  FINAL_PHASES,
  isTwoPhase,
  type BlockJobEvent,
  type BlockJobKind,
  type BlockJobPhase,
} from './block-job-types.js';
import { ProgressTracker, type ProgressTrackerOptions } from './progress-tracker.js';

export type BlockJobListener = (event: BlockJobEvent) => void;

export interface WatchOptions {
  /** The disk's chain (sources, top first) before the job: how a vanished job is judged. */
  chainBefore?: readonly string[];
  /** The job's kind, when known before the first poll. */
  type?: BlockJobKind;
  /** An active commit that is aborted after `ready` on purpose: it ends `completed`, overlay kept. */
  keepOverlay?: boolean;
}

export interface JobMonitorOptions {
  /** Milliseconds between polls of each job (default 300: about 3 per second). */
  intervalMs?: number;
  /** Consecutive failed polls before a job is given up as failed. */
  maxPollErrors?: number;
  /** Windows for the rate and for the not-converging verdict. */
  progress?: ProgressTrackerOptions;
}

/** Refused before anything is sent: a pivot needs a job in the `ready` phase. */
export class JobNotReadyError extends Error {
  override name = 'JobNotReadyError';
}

/** One followed job. Its promises settle from the monitor's polls. */
export class WatchedJob {
  latest: BlockJobEvent | null = null;
  readonly finished: Promise<BlockJobEvent>;
  /** Whether the job was seen running at least once. */
  seen = false;
  pollErrors = 0;
  chainBefore: readonly string[] | null;
  type: BlockJobKind;
  keepOverlay: boolean;
  abortRequested = false;
  pivotRequested = false;
  readonly tracker: ProgressTracker;
  private resolveFinished!: (event: BlockJobEvent) => void;
  private readyWaiters: ((event: BlockJobEvent) => void)[] = [];
  private nextWaiters: ((event: BlockJobEvent) => void)[] = [];

  constructor(
    readonly domain: string,
    readonly disk: string,
    options: WatchOptions,
    progress: ProgressTrackerOptions = {},
  ) {
    this.tracker = new ProgressTracker(progress);
    this.chainBefore = options.chainBefore ?? null;
    this.type = options.type ?? 'unknown';
    this.keepOverlay = options.keepOverlay ?? false;
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  get done(): boolean {
    return this.latest !== null && FINAL_PHASES.has(this.latest.phase);
  }

  /** Settles at `ready`, or at the end for jobs that finish without one. */
  ready(): Promise<BlockJobEvent> {
    if (this.latest && (this.latest.phase === 'ready' || this.done)) return Promise.resolve(this.latest);
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** The latest event, or the first one once the job has been polled. */
  current(): Promise<BlockJobEvent> {
    if (this.latest) return Promise.resolve(this.latest);
    return new Promise((resolve) => this.nextWaiters.push(resolve));
  }

  /** @internal called by the monitor */
  record(event: BlockJobEvent): void {
    this.latest = event;
    for (const waiter of this.nextWaiters.splice(0)) waiter(event);
    if (event.phase === 'ready' || FINAL_PHASES.has(event.phase)) {
      for (const waiter of this.readyWaiters.splice(0)) waiter(event);
    }
    if (FINAL_PHASES.has(event.phase)) this.resolveFinished(event);
  }
}

const key = (domain: string, disk: string) => `${domain}\u0000${disk}`;

export class JobMonitor {
  readonly control: BlockJobControl;
  private readonly jobs = new Map<string, WatchedJob>();
  private readonly listeners = new Set<BlockJobListener>();
  private readonly intervalMs: number;
  private readonly maxPollErrors: number;
  private readonly progress: ProgressTrackerOptions;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private closed = false;

  constructor(
    readonly host: Host,
    options: JobMonitorOptions = {},
  ) {
    this.control = new BlockJobControl(host);
    this.intervalMs = options.intervalMs ?? 300;
    this.maxPollErrors = options.maxPollErrors ?? 5;
    this.progress = options.progress ?? {};
  }

  /** Every event of every followed job; returns the unsubscribe function. */
  subscribe(listener: BlockJobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Jobs followed now (finished ones stay until unwatched or replaced). */
  watched(): WatchedJob[] {
    return [...this.jobs.values()];
  }

  get(domain: string, disk: string): WatchedJob | undefined {
    return this.jobs.get(key(domain, disk));
  }

  /** Starts following the job on a disk (a finished one on the same disk is replaced). */
  watch(domain: string, disk: string, options: WatchOptions = {}): WatchedJob {
    const existing = this.jobs.get(key(domain, disk));
    if (existing && !existing.done) return existing;
    const job = new WatchedJob(domain, disk, options, this.progress);
    this.jobs.set(key(domain, disk), job);
    this.schedule(0);
    return job;
  }

  unwatch(domain: string, disk: string): void {
    this.jobs.delete(key(domain, disk));
  }

  /** Finds the jobs already running (on the host, one domain, or the running domains given) and follows them. */
  async attachRunning(domains?: string | readonly string[]): Promise<WatchedJob[]> {
    const running = await this.control.findRunning(domains);
    const attached: WatchedJob[] = [];
    const chains = new Map<string, Map<string, string[]>>();
    for (const found of running) {
      let byDisk = chains.get(found.domain);
      if (!byDisk) {
        const { disks } = await this.control.liveDisks(found.domain);
        byDisk = new Map(disks.map((d) => [d.target, d.chain.map((l) => l.source)]));
        chains.set(found.domain, byDisk);
      }
      attached.push(this.watch(found.domain, found.disk, { type: found.type, chainBefore: byDisk.get(found.disk) ?? [] }));
    }
    return attached;
  }

  /** Aborts the job; the watched job then ends `aborted` (or `completed` with keepOverlay). */
  async abort(domain: string, disk: string): Promise<void> {
    const job = this.get(domain, disk);
    if (job) job.abortRequested = true;
    try {
      await this.control.abort(domain, disk);
    } catch (error) {
      if (job) job.abortRequested = false;
      throw error;
    }
    if (job) await this.pollNow(job);
  }

  /** Pivots a job that is `ready`; refused (nothing sent) before that. */
  async pivot(domain: string, disk: string): Promise<void> {
    const job = this.get(domain, disk);
    if (job && job.latest?.phase !== 'ready') {
      throw new JobNotReadyError(
        `the job on ${domain} ${disk} is ${job.latest?.phase ?? 'not seen yet'}: a pivot needs it ready (caught up with the guest)`,
      );
    }
    if (job) job.pivotRequested = true;
    try {
      await this.control.pivot(domain, disk);
    } catch (error) {
      if (job) job.pivotRequested = false;
      throw error;
    }
    if (job) await this.pollNow(job);
  }

  async setBandwidth(domain: string, disk: string, bandwidthMiB: number): Promise<void> {
    await this.control.setBandwidth(domain, disk, bandwidthMiB);
  }

  /** Stops polling; followed jobs keep running on the host. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.timer || this.polling) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.pollAll();
    }, delayMs);
  }

  private async pollAll(): Promise<void> {
    this.polling = true;
    const started = Date.now();
    try {
      for (const job of [...this.jobs.values()]) if (!job.done) await this.poll(job);
    } finally {
      this.polling = false;
    }
    const open = [...this.jobs.values()].filter((j) => !j.done);
    if (open.length > 0) {
      // A job about to be ready (or about to end) is polled faster: its caller is waiting for it.
      const closing = open.some((j) => j.latest?.phase === 'running' && j.latest.end > 0 && j.latest.cur >= j.latest.end - 1);
      const interval = closing ? Math.min(this.intervalMs, 100) : this.intervalMs;
      this.schedule(Math.max(0, interval - (Date.now() - started)));
    }
  }

  /** An extra poll right after an abort or pivot, so its outcome shows at once. */
  private async pollNow(job: WatchedJob): Promise<void> {
    if (!job.done) await this.poll(job);
  }

  private async poll(job: WatchedJob): Promise<void> {
    let raw: BlockJobRaw | null;
    const at = Date.now();
    try {
      raw = await this.control.info(job.domain, job.disk);
      job.pollErrors = 0;
    } catch (error) {
      const stopped = error instanceof VirshCommandError && /not running|Domain not found|no domain with matching/.test(error.libvirtMessage);
      if (stopped || ++job.pollErrors >= this.maxPollErrors) {
        this.finish(job, 'failed', at, error instanceof Error ? error.message : String(error));
      }
      return;
    }
    if (job.done) return;
    if (raw === null) {
      await this.judgeEnd(job, at);
      return;
    }
    job.seen = true;
    job.type = blockJobKind(raw.type);
    let ready = job.latest?.phase === 'ready';
    // The mirror state costs one more command: read it only when the job may have caught up.
    if (!ready && isTwoPhase(job.type) && raw.end > 0 && raw.cur >= raw.end - 1) {
      const { mirrors } = await this.control.liveDisks(job.domain);
      ready = mirrors.get(job.disk)?.ready ?? false;
    }
    const estimate = job.tracker.add({ at, cur: raw.cur, end: raw.end });
    const phase: BlockJobPhase = ready ? 'ready' : 'running';
    const event: BlockJobEvent = {
      domain: job.domain,
      disk: job.disk,
      type: job.type,
      cur: raw.cur,
      end: raw.end,
      percent: ready ? 100 : percentOf(raw.cur, raw.end),
      bandwidth: raw.bandwidth,
      rate: estimate.rate,
      eta: ready ? 0 : estimate.eta,
      phase,
      converging: isTwoPhase(job.type) && !ready ? estimate.converging : null,
      at,
    };
    if (event.converging === false) {
      event.message = 'not converging: the guest writes faster than the job copies; raise the bandwidth or abort';
    }
    const last = job.latest;
    const unchanged =
      last !== null &&
      last.phase === phase &&
      last.cur === event.cur &&
      last.end === event.end &&
      last.bandwidth === event.bandwidth;
    // A ready job waiting for its pivot would otherwise repeat itself three times a second.
    if (phase === 'ready' && unchanged) return;
    this.emit(job, event);
  }

  /** The job is gone: what happened is read from the disk's chain now. */
  private async judgeEnd(job: WatchedJob, at: number): Promise<void> {
    if (job.pivotRequested) return this.finish(job, 'completed', at, 'pivoted: the disk now runs on the base');
    if (job.abortRequested) {
      return job.keepOverlay && job.latest?.phase === 'ready'
        ? this.finish(job, 'completed', at, 'committed; the overlay was kept and the disk still runs on it')
        : this.finish(job, 'aborted', at, 'aborted; the chain is as it was');
    }
    let chainNow: string[] | null = null;
    try {
      const { disks } = await this.control.liveDisks(job.domain);
      chainNow = disks.find((d) => d.target === job.disk)?.chain.map((l) => l.source) ?? null;
    } catch (error) {
      return this.finish(job, 'failed', at, error instanceof Error ? error.message : String(error));
    }
    const before = job.chainBefore;
    if (before && chainNow && chainNow.length < before.length) return this.finish(job, 'completed', at);
    if (before && chainNow && sameChain(before, chainNow)) {
      if (job.latest?.phase === 'ready') {
        return this.finish(job, 'aborted', at, 'ended after ready without a pivot (aborted elsewhere): the overlay is still in use');
      }
      return this.finish(job, 'failed', at, 'the job ended and the chain is unchanged: it failed, or was aborted elsewhere');
    }
    // Unknown starting chain, or a chain changed some other way: report what is there now.
    return this.finish(job, 'completed', at, chainNow ? `chain now: ${chainNow.join(' <- ')}` : undefined);
  }

  private finish(job: WatchedJob, phase: BlockJobPhase, at: number, message?: string): void {
    const last = job.latest;
    const end = last?.end ?? 0;
    const event: BlockJobEvent = {
      domain: job.domain,
      disk: job.disk,
      type: job.type,
      cur: phase === 'completed' ? end : (last?.cur ?? 0),
      end,
      percent: phase === 'completed' ? 100 : (last?.percent ?? 0),
      bandwidth: last?.bandwidth ?? 0,
      rate: last?.rate ?? null,
      eta: phase === 'completed' ? 0 : null,
      phase,
      converging: null,
      at,
      ...(message !== undefined ? { message } : {}),
    };
    this.emit(job, event);
  }

  private emit(job: WatchedJob, event: BlockJobEvent): void {
    // An extra poll after an abort or pivot can overlap the regular one: report the end once.
    if (job.done) return;
    job.record(event);
    for (const listener of this.listeners) listener(event);
  }
}

function percentOf(cur: number, end: number): number {
  if (end <= 0) return 0;
  // Capped below 100 like virsh: 100 means done (or ready), which polling alone cannot tell.
  return Math.min(99.99, Math.floor((cur * 10000) / end) / 100);
}

function sameChain(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((source, i) => source === b[i]);
}
