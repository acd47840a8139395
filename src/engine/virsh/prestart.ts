// A virsh started before the rest of the program has loaded. Loading virtsnap's modules and
// starting virsh (and its connection to libvirt) each take tens of milliseconds; started
// side by side, a command's first answer arrives after the slower of the two, not their sum.
// The first session opened on the same URI and mode takes this process over; one nobody
// takes is ended when the program ends.

import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { VIRSH_ENV, virshBaseArgs } from './runner.js';

/** What a session needs of its virsh process: execa's subprocess and an adopted one alike. */
export interface SessionProcess extends PromiseLike<{ exitCode?: number; signal?: string; failed: boolean; code?: string }> {
  readonly pid?: number;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  kill(signal?: NodeJS.Signals): boolean;
  /** Lets this program end while the process still runs (it ends by itself on stdin's end). */
  unref(): void;
}

/** What unref needs of a child process: its own handle and its pipes'. */
export function unrefChild(child: { unref(): void; stdout?: unknown; stderr?: unknown; stdin?: unknown }): void {
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as { unref?: () => void } | null | undefined)?.unref?.();
}

interface Prestarted {
  uri: string;
  readonly: boolean;
  child: ChildProcess;
  process: SessionProcess;
}

// The executable's first lines and the program it then loads are bundled apart (the first
// as CommonJS, which Node starts sooner), each with its own copy of this module: the one
// process they share lives in a global both copies read.
const SLOT = Symbol.for('virtsnap.prestartedVirsh');
type Slot = { [SLOT]?: Prestarted | null };
const slot = globalThis as Slot;
const getPrestarted = (): Prestarted | null => slot[SLOT] ?? null;
const setPrestarted = (value: Prestarted | null): void => {
  slot[SLOT] = value;
};

/** Starts `virsh -q [-r] -c URI` now, exactly as a session would, for a session to take over. */
export function prestartVirsh(uri: string, readonly: boolean): void {
  if (getPrestarted()) return;
  const child = spawn('virsh', virshBaseArgs(uri, readonly), { stdio: 'pipe', env: { ...process.env, ...VIRSH_ENV } });
  // Listen from the start: an exit before the session takes over must not go unseen.
  const done = new Promise<{ exitCode?: number; signal?: string; failed: boolean; code?: string }>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => resolve({ failed: true, code: error.code }));
    child.once('close', (exitCode, signal) =>
      resolve({ exitCode: exitCode ?? undefined, signal: signal ?? undefined, failed: exitCode !== 0 }),
    );
  });
  child.stdin.on('error', () => {});
  // Read from the start and kept until the session takes over: a virsh that fails to connect
  // says why and exits at once, and what it said must reach the session whole.
  const stdout = child.stdout.pipe(new PassThrough());
  const stderr = child.stderr.pipe(new PassThrough());
  // The exit is reported once its output has been read: the session explains a death with it.
  const drained = Promise.all([finished(stdout), finished(stderr)]).catch(() => {});
  const exited = done.then(async (result) => (await drained, result));
  const adopted: SessionProcess = {
    pid: child.pid,
    stdin: child.stdin,
    stdout,
    stderr,
    kill: (signal) => child.kill(signal),
    unref: () => unrefChild(child),
    then: (onFulfilled, onRejected) => exited.then(onFulfilled, onRejected),
  };
  setPrestarted({ uri, readonly, child, process: adopted });
}

/** The prestarted virsh, when it was started for this URI and mode; at most once. */
export function takePrestartedVirsh(uri: string, readonly: boolean): SessionProcess | null {
  const prestarted = getPrestarted();
  if (!prestarted || prestarted.uri !== uri || prestarted.readonly !== readonly) return null;
  setPrestarted(null);
  return prestarted.process;
}

/** Ends a prestarted virsh that no session took (another URI, a usage error, `--help`). */
export function discardPrestartedVirsh(): void {
  const prestarted = getPrestarted();
  if (!prestarted) return;
  const { child, process: adopted } = prestarted;
  setPrestarted(null);
  child.stdin?.end();
  adopted.stdout.resume();
  adopted.stderr.resume();
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}
