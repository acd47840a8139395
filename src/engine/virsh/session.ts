// One long-lived `virsh -q -c URI` per connection, fed commands on stdin one at a time.
//
// Why: a virsh process costs 20–30 ms to start and connect, a command through a running
// one 2–4 ms; and the test driver keeps its state only for the life of one process.
//
// Protocol: after each command we send two marker commands,
//   echo --err "__VS""<nonce>_<n>__"   → stderr gets `error: __VS<nonce>_<n>__`
//   echo "__VS""<nonce>_<n>__"         → stdout gets `__VS<nonce>_<n>__`
// virsh joins the quoted halves, so the marker text never appears in the echoed input.
// A command is complete when both markers have arrived. On stdout virsh also echoes each
// input line after its prompt (`virsh # cmd`), wrapped with `\r` but never with `\n`, so
// a command's output is everything after the first newline of its chunk and before the
// prompt line of the first marker command.

import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { CommandLog, type CommandLogEntry } from './command-log.js';
import type { VirshCommand } from './commands.js';
import {
  ReadOnlyError,
  VirshArgumentError,
  VirshClosedError,
  VirshDiedError,
  VirshTimeoutError,
  type VirshError,
} from './errors.js';
import { LinkWatch } from './connection-loss.js';
import { OneShotRunner } from './one-shot.js';
import { takePrestartedVirsh, unrefChild, type SessionProcess } from './prestart.js';
import { isLineSafe, toVirshLine } from './quote.js';
import {
  interpretOutput,
  timeoutFor,
  VIRSH_ENV,
  virshBaseArgs,
  type CloseOptions,
  type RunOptions,
  type VirshResult,
  type VirshRunner,
} from './runner.js';

interface Job {
  command: VirshCommand;
  timeoutMs: number;
  resolve: (result: VirshResult) => void;
  reject: (error: VirshError) => void;
  marker: string;
  errMarkerLine: string;
  entry?: CommandLogEntry;
  startedHr?: bigint;
  timer?: NodeJS.Timeout;
  stallTimer?: NodeJS.Timeout;
  /** Set when the command was sent a second time after virsh showed no sign of reading it. */
  resent?: boolean;
}

/**
 * How long a read-only command may go without virsh even echoing it before it is sent again.
 * Rarely, under heavy load, a command written to virsh was never read; a query can safely be
 * repeated (with new markers), and the first copy's output, should it ever come, is dropped.
 */
const STALL_MS = 4000;

/**
 * Queries are written back to back, up to this many, without waiting for each answer: virsh
 * reads and answers them in order, so a refresh of several commands costs one wait for the
 * process, not one per command. A command that changes the host is written alone.
 */
const PIPELINE_DEPTH = 16;

export interface VirshSessionOptions {
  uri: string;
  readonly?: boolean;
  log?: CommandLog;
  /** Program to run; tests point it at a wrapper. */
  virshPath?: string;
}

type RestartListener = (info: { generation: number; reason: string }) => void;

export class VirshSession implements VirshRunner {
  readonly uri: string;
  readonly readonly: boolean;
  readonly log: CommandLog;
  private readonly virshPath: string;
  private readonly nonce = randomBytes(6).toString('hex');
  private readonly prompt: string;
  private proc: SessionProcess | null = null;
  private stdoutBuf = '';
  private stderrBuf = '';
  private readonly queue: Job[] = [];
  /** Written to virsh and not yet answered, oldest (the one answering now) first. */
  private inFlight: Job[] = [];
  private counter = 0;
  private closed = false;
  /** Incremented each time a virsh process is started: 1 for the first. */
  generation = 0;
  private readonly restartListeners = new Set<RestartListener>();
  /** Whether the running virsh has answered a command. */
  private answered = false;
  private fallback: OneShotRunner | null = null;
  /** Markers of commands that were sent again: their output, if any, is dropped. */
  private abandoned: string[] = [];

  constructor(options: VirshSessionOptions) {
    this.uri = options.uri;
    this.readonly = options.readonly ?? false;
    this.log = options.log ?? new CommandLog();
    this.virshPath = options.virshPath ?? 'virsh';
    this.prompt = this.readonly ? 'virsh > ' : 'virsh # ';
  }

  /** PID of the running virsh process, if any. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /**
   * Called when a virsh process replaces one that died or was stopped. On the test
   * driver this means the host's state was reset to the file's content.
   */
  /** The link under virsh: connection lost and regained (virsh reconnects by itself), for flows to note the gap. */
  readonly link = new LinkWatch();

  onRestart(listener: RestartListener): () => void {
    this.restartListeners.add(listener);
    return () => this.restartListeners.delete(listener);
  }

  run(command: VirshCommand, options?: RunOptions): Promise<VirshResult> {
    if (this.closed) return Promise.reject(new VirshClosedError(command.args));
    if (this.readonly && command.mutates) {
      const entry = this.log.start({ uri: this.uri, args: command.args, mutates: true, mode: 'session' });
      const error = new ReadOnlyError(command.args);
      this.log.finish(entry, 'refused', process.hrtime.bigint(), error.message);
      return Promise.reject(error);
    }
    if (!command.args.every(isLineSafe)) return this.runOutsideSession(command, options);
    return new Promise<VirshResult>((resolve, reject) => {
      this.queue.push({ command, timeoutMs: timeoutFor(command, options), resolve, reject, ...this.newMarkers() });
      this.pump();
    });
  }

  async close(options: CloseOptions = {}): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new VirshClosedError(job.command.args));
    const proc = this.proc;
    if (proc) {
      proc.stdin.end();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 2000);
      if (options.wait === false) {
        // virsh reads the end of its input and exits by itself; with every answer in, there
        // is nothing left to wait for, and freeing a large test-driver host takes it a while.
        timer.unref();
        unrefChild(proc);
      } else {
        await proc;
        clearTimeout(timer);
      }
    }
    await this.fallback?.close(options);
  }

  /**
   * A control character cannot go through an interactive line. On a real host the
   * command runs in its own virsh process instead; the test driver's state lives only in
   * this session, so there it cannot run at all.
   */
  private runOutsideSession(command: VirshCommand, options?: RunOptions): Promise<VirshResult> {
    if (this.uri.startsWith('test:')) {
      return Promise.reject(
        new VirshArgumentError(
          'an argument contains a control character (newline, tab…), which virsh cannot read in an interactive session, and the test driver keeps its state only in that session',
          command.args,
        ),
      );
    }
    this.fallback ??= new OneShotRunner({ uri: this.uri, readonly: this.readonly, log: this.log, virshPath: this.virshPath });
    return this.fallback.run(command, options);
  }

  private newMarkers(): { marker: string; errMarkerLine: string } {
    const n = ++this.counter;
    return { marker: `__VS${this.nonce}_${n}__`, errMarkerLine: `echo --err "__VS""${this.nonce}_${n}__"` };
  }

  private write(proc: NonNullable<VirshSession['proc']>, job: Job): void {
    const lines = `${toVirshLine(job.command.args)}\n${job.errMarkerLine}\necho "${job.marker.slice(0, 4)}""${job.marker.slice(4)}"\n`;
    proc.stdin.write(lines);
  }

  /**
   * A query virsh has shown no sign of reading (no echo, nothing on stderr) is sent once more,
   * with the queries written after it (virsh has read none of those either), in order.
   */
  private onStall(job: Job, proc: NonNullable<VirshSession['proc']>): void {
    if (this.inFlight[0] !== job || this.proc !== proc || job.resent) return;
    if (this.stdoutBuf.includes('\n') || this.stderrBuf !== '') return;
    for (const waiting of this.inFlight) {
      this.abandoned.push(waiting.marker);
      Object.assign(waiting, this.newMarkers(), { resent: true });
      this.write(proc, waiting);
    }
  }

  /** Drops the complete output of abandoned copies that arrived ahead of the current command's. */
  private dropAbandoned(current: Job): boolean {
    for (const marker of [...this.abandoned]) {
      const outAt = this.stdoutBuf.indexOf(marker);
      const errMarker = `error: ${marker}\n`;
      const errAt = this.stderrBuf.indexOf(errMarker);
      const currentAt = this.stdoutBuf.indexOf(current.marker);
      if (outAt < 0 || (currentAt >= 0 && currentAt < outAt)) continue;
      if (errAt < 0) return false; // its stderr is still to come: wait for it
      this.stdoutBuf = this.stdoutBuf.slice(outAt + marker.length);
      this.stderrBuf = this.stderrBuf.slice(errAt + errMarker.length);
      this.abandoned.splice(this.abandoned.indexOf(marker), 1);
    }
    return true;
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      const job = this.queue[0]!;
      if (this.inFlight.length > 0) {
        const alone = job.command.mutates || this.inFlight.some((j) => j.command.mutates);
        if (alone || this.inFlight.length >= PIPELINE_DEPTH) return;
      }
      this.queue.shift();
      this.inFlight.push(job);
      const proc = this.ensureProcess();
      // A query sent again after virsh died keeps its log entry and start time.
      job.entry ??= this.log.start({ uri: this.uri, args: job.command.args, mutates: job.command.mutates, mode: 'session' });
      job.startedHr ??= process.hrtime.bigint();
      job.timer = setTimeout(() => this.onTimeout(job), job.timeoutMs);
      if (!job.command.mutates) job.stallTimer = setTimeout(() => this.onStall(job, proc), Math.min(STALL_MS, job.timeoutMs / 2));
      this.write(proc, job);
    }
  }

  /** Queries written to a virsh that is gone go first in the queue again, with new markers. */
  private requeueInFlight(): void {
    const again = this.inFlight.splice(0);
    for (const job of again) {
      clearTimeout(job.timer);
      clearTimeout(job.stallTimer);
      Object.assign(job, this.newMarkers());
    }
    this.queue.unshift(...again);
  }

  private ensureProcess() {
    if (this.proc) return this.proc;
    this.stdoutBuf = '';
    this.stderrBuf = '';
    this.abandoned = [];
    this.answered = false;
    this.generation++;
    // The first virsh may already be running: started by the executable while it loaded.
    const prestarted = this.generation === 1 && this.virshPath === 'virsh' ? takePrestartedVirsh(this.uri, this.readonly) : null;
    const proc: SessionProcess = prestarted ?? execa(this.virshPath, virshBaseArgs(this.uri, this.readonly), {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      env: VIRSH_ENV,
      cleanup: true,
    });
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      if (this.proc !== proc) return;
      this.stdoutBuf += chunk;
      this.checkComplete();
    });
    proc.stderr.on('data', (chunk: string) => {
      if (this.proc !== proc) return;
      this.stderrBuf += chunk;
      this.link.observe(this.stderrBuf);
      this.checkComplete();
    });
    // A write to a virsh that just died must not crash the program; the exit handler reports it.
    proc.stdin.on('error', () => {});
    void proc.then((result) => this.onExit(proc, result.exitCode ?? null, result.signal ?? null, result.failed && result.code === 'ENOENT'));
    if (this.generation > 1) {
      for (const listener of this.restartListeners) listener({ generation: this.generation, reason: 'virsh restarted' });
    }
    this.proc = proc;
    return proc;
  }

  private checkComplete(): void {
    // Several answers may have arrived in one chunk: settle every complete one, in order.
    for (;;) {
      const job = this.inFlight[0];
      if (!job) return;
      if (this.abandoned.length > 0 && !this.dropAbandoned(job)) return;
      const outAt = this.stdoutBuf.indexOf(job.marker);
      const errMarker = `error: ${job.marker}\n`;
      const errAt = this.stderrBuf.indexOf(errMarker);
      if (outAt < 0 || errAt < 0) return;
      const chunk = this.stdoutBuf.slice(0, outAt);
      this.stdoutBuf = this.stdoutBuf.slice(outAt + job.marker.length);
      const stderr = this.stderrBuf.slice(0, errAt);
      this.stderrBuf = this.stderrBuf.slice(errAt + errMarker.length);
      this.settle(job, this.extractOutput(chunk, job), stderr);
    }
  }

  /** Drop the echoed command line and the echoed marker commands from a stdout chunk. */
  private extractOutput(chunk: string, job: Job): string {
    const bodyStart = chunk.indexOf('\n') + 1;
    const markerEcho = chunk.lastIndexOf(`${this.prompt}${job.errMarkerLine}\n`);
    const bodyEnd = markerEcho >= bodyStart ? markerEcho : chunk.length;
    return chunk.slice(bodyStart, bodyEnd);
  }

  private settle(job: Job, stdout: string, stderr: string): void {
    clearTimeout(job.timer);
    clearTimeout(job.stallTimer);
    this.inFlight.shift();
    this.answered = true;
    const link = this.link.take(stderr);
    const outcome = interpretOutput(job.command.args, stdout, link.stderr);
    const durationMs = Number(process.hrtime.bigint() - job.startedHr!) / 1e6;
    if (job.resent) outcome.warnings.push(`virsh had not read this command after ${STALL_MS / 1000} s; it was sent again`);
    if (outcome.ok) {
      this.log.finish(job.entry!, 'ok', job.startedHr!, null, outcome.warnings);
      job.resolve({ stdout: outcome.stdout, warnings: outcome.warnings, durationMs });
    } else {
      const lost = this.link.judge(job, outcome.error.libvirtMessage, link.dropped, this.uri);
      if (lost && 'resendAfterMs' in lost) {
        // virsh reconnects by itself before the next command it reads: the query goes again after a pause.
        Object.assign(job, this.newMarkers());
        setTimeout(() => {
          if (this.closed) return job.reject(new VirshClosedError(job.command.args));
          this.queue.unshift(job);
          this.pump();
        }, lost.resendAfterMs);
      } else {
        const error = lost ?? outcome.error;
        this.log.finish(job.entry!, 'error', job.startedHr!, error.message, outcome.warnings);
        job.reject(error);
      }
    }
    this.pump();
  }

  private onTimeout(job: Job): void {
    const at = this.inFlight.indexOf(job);
    if (at < 0) return;
    clearTimeout(job.stallTimer);
    this.inFlight.splice(at, 1);
    // The queries written with it are sent again to the next virsh, unless this one never
    // connected (a host that does not answer): they share its fate rather than each wait again.
    if (this.connected()) this.requeueInFlight();
    else this.failInFlight((other) => new VirshTimeoutError(other.command.args, job.timeoutMs), 'timeout');
    const error = new VirshTimeoutError(job.command.args, job.timeoutMs, { stdout: this.stdoutBuf, stderr: this.stderrBuf });
    this.log.finish(job.entry!, 'timeout', job.startedHr!, error.message);
    job.reject(error);
    // The only way to stop a command in an interactive virsh is to stop virsh.
    const proc = this.proc;
    this.proc = null;
    proc?.kill('SIGKILL');
    this.pump();
  }

  private onExit(proc: unknown, exitCode: number | null, signal: string | null, notFound: boolean): void {
    if (this.proc !== proc) return;
    this.proc = null;
    const job = this.inFlight.shift();
    const stderr = notFound ? `cannot run ${this.virshPath}: install libvirt-clients` : this.stderrBuf;
    // The queries written after it are sent again to the next virsh; but a virsh that never
    // connected fails them all with its message: one attempt per batch, not one per query.
    if (this.connected()) this.requeueInFlight();
    else this.failInFlight((other) => new VirshDiedError(other.command.args, exitCode, signal, stderr), 'died');
    if (job) {
      clearTimeout(job.timer);
      clearTimeout(job.stallTimer);
      const error = new VirshDiedError(job.command.args, exitCode, signal, stderr);
      this.log.finish(job.entry!, 'died', job.startedHr!, error.message);
      job.reject(error);
    }
    this.pump();
  }

  /** virsh reads commands (it echoes them) only once it has connected. */
  private connected(): boolean {
    return this.answered || this.stdoutBuf !== '';
  }

  /** Fails every command written to the virsh that is going away. */
  private failInFlight(errorFor: (job: Job) => VirshError, outcome: 'died' | 'timeout'): void {
    for (const job of this.inFlight.splice(0)) {
      clearTimeout(job.timer);
      clearTimeout(job.stallTimer);
      const error = errorFor(job);
      this.log.finish(job.entry!, outcome, job.startedHr!, error.message);
      job.reject(error);
    }
  }
}
