// The files a host's disks live in, read where they are: on this machine for a local URI, over
// SSH on the host for a qemu+ssh URI, and nowhere otherwise (a qemu+tcp or qemu+tls host, whose
// files virtsnap cannot reach: every answer is "unknown", never this machine's files).
//
// Over SSH every command goes through ONE multiplexed connection: the first one starts an
// OpenSSH master (ControlMaster, its socket under $XDG_RUNTIME_DIR/virtsnap/ssh, ControlPersist
// so it outlives each command), and the rest reuse it, so a plan's checks cost one SSH login
// however many files they touch. close() ends the master. Every command has a timeout.
//
// The SSH destination, port, key and host-key policy come from the libvirt URI itself (user,
// host, port, `keyfile=`, `no_verify=1`, `command=`), so the file checks reach exactly the
// machine and account libvirt's own ssh transport does.

import { mkdirSync } from 'node:fs';
import { statfs, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { execa } from 'execa';

/** What is known of one path; null when it cannot be known. */
export interface FileFacts {
  exists: boolean;
  /** Size in bytes (null when missing). */
  size: number | null;
  directory: boolean;
  /** A regular file, symlinks followed (absent when the host did not say). */
  regular?: boolean;
}

export interface ProcessOutcome {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  failed: boolean;
  timedOut: boolean;
  /** Why it could not run at all (qemu-img missing, SSH refused), else null. */
  notRun: string | null;
}

export interface HostFiles {
  /** `local`: this machine; `ssh`: over SSH on the host; `none`: not reachable (answers are unknown). */
  readonly kind: 'local' | 'ssh' | 'none';
  /** For plans and docs: "this machine", "root@host:22 over SSH", or why the files cannot be reached. */
  readonly where: string;
  /** Facts about each path, in one round trip; null per path when unknown. */
  probe(paths: readonly string[]): Promise<Map<string, FileFacts | null>>;
  /** Free bytes (f_bavail) of the file system holding `path` (a file or directory that may not exist yet: its directory is asked). */
  freeBytes(path: string): Promise<number | null>;
  /** `qemu-img ARGS` where the files are. */
  qemuImg(args: readonly string[], options: { timeoutMs: number }): Promise<ProcessOutcome>;
  /** `qemu-img ARGS` where the files are, its output streamed (progress with -p); null when the files cannot be reached. */
  spawnQemuImg(args: readonly string[], options: { timeoutMs: number }): QemuImgRun | null;
  /** The names in each directory (null per directory when it cannot be listed), in one round trip. */
  listDirectories(dirs: readonly string[]): Promise<Map<string, string[] | null>>;
  /** Removes files (rm -f); what could not be removed is thrown. */
  remove(paths: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** A qemu-img running where the files are. */
export interface QemuImgRun {
  /** Its standard output as it comes. */
  readonly stdout: Readable;
  /** How it ended (stderr kept for the error message); a stop or a timeout ends it as failed. */
  readonly done: Promise<ProcessOutcome>;
  /** Ends it where it runs, on the host too, not only the local end of the link. */
  stop(): Promise<void>;
  /** Whether stop() was called. */
  readonly stopped: boolean;
}

const QEMU_ENV = { LC_ALL: 'C' };
export const FILE_COMMAND_TIMEOUT_MS = 20_000;

function outcomeOf(result: { stdout?: unknown; stderr?: unknown; exitCode?: number; failed: boolean; timedOut?: boolean; code?: string }, program: string): ProcessOutcome {
  return {
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    exitCode: result.exitCode ?? null,
    failed: result.failed,
    timedOut: Boolean(result.timedOut),
    notRun: result.code === 'ENOENT' ? `${program} is not installed` : null,
  };
}

class LocalFiles implements HostFiles {
  readonly kind = 'local' as const;
  readonly where = 'this machine';

  async probe(paths: readonly string[]): Promise<Map<string, FileFacts | null>> {
    const entries = await Promise.all(
      paths.map(async (path): Promise<[string, FileFacts | null]> => {
        try {
          const s = await stat(path);
          return [path, { exists: true, size: s.size, directory: s.isDirectory(), regular: s.isFile() }];
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          return [path, code === 'ENOENT' || code === 'ENOTDIR' ? { exists: false, size: null, directory: false } : null];
        }
      }),
    );
    return new Map(entries);
  }

  async freeBytes(path: string): Promise<number | null> {
    if (!path.startsWith('/')) return null;
    for (const dir of [path, dirname(path)]) {
      try {
        const s = await statfs(dir);
        return s.bavail * s.bsize;
      } catch {
        // a file that does not exist yet: its directory is asked next
      }
    }
    return null;
  }

  async qemuImg(args: readonly string[], options: { timeoutMs: number }): Promise<ProcessOutcome> {
    const result = await execa('qemu-img', [...args], { reject: false, stdin: 'ignore', env: QEMU_ENV, timeout: options.timeoutMs });
    return outcomeOf(result, 'qemu-img (package qemu-utils)');
  }

  spawnQemuImg(args: readonly string[], options: { timeoutMs: number }): QemuImgRun {
    const child = execa('qemu-img', [...args], { reject: false, stdin: 'ignore', buffer: { stdout: false }, env: QEMU_ENV, timeout: options.timeoutMs });
    let stopped = false;
    return {
      stdout: child.stdout,
      done: child.then((result) => outcomeOf(result, 'qemu-img (package qemu-utils)')),
      stop: async () => {
        stopped = true;
        child.kill('SIGTERM');
      },
      get stopped() {
        return stopped;
      },
    };
  }

  async listDirectories(dirs: readonly string[]): Promise<Map<string, string[] | null>> {
    const { readdir } = await import('node:fs/promises');
    return new Map(await Promise.all(dirs.map(async (d) => [d, await readdir(d).catch(() => null)] as [string, string[] | null])));
  }

  async remove(paths: readonly string[]): Promise<void> {
    const { rm } = await import('node:fs/promises');
    for (const path of paths) await rm(path, { force: true });
  }

  async close(): Promise<void> {}
}

class UnreachableFiles implements HostFiles {
  readonly kind = 'none' as const;
  constructor(readonly where: string) {}
  async probe(paths: readonly string[]) {
    return new Map(paths.map((p) => [p, null] as [string, FileFacts | null]));
  }
  async freeBytes() {
    return null;
  }
  async qemuImg(): Promise<ProcessOutcome> {
    return { stdout: '', stderr: '', exitCode: null, failed: true, timedOut: false, notRun: `the files are not reachable: ${this.where}` };
  }
  spawnQemuImg(): null {
    return null;
  }
  async listDirectories(dirs: readonly string[]) {
    return new Map(dirs.map((d) => [d, null] as [string, string[] | null]));
  }
  async remove(): Promise<void> {
    throw new Error(`cannot remove files: ${this.where}`);
  }
  async close(): Promise<void> {}
}

/** POSIX single quotes: the remote shell reads the word back unchanged. */
const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

export interface SshTarget {
  /** `user@host` or `host`. */
  destination: string;
  port: string | null;
  keyfile: string | null;
  noVerify: boolean;
  /** The ssh program (libvirt's `command=`), default `ssh`. */
  program: string;
}

/** The SSH side of a qemu+ssh (or +libssh/+libssh2) URI; null for any other URI. */
export function sshTargetOf(uri: string, identity?: string | null): SshTarget | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (!/\+(?:ssh|libssh2?):$/.test(url.protocol) || url.hostname === '') return null;
  const user = decodeURIComponent(url.username);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    destination: user ? `${user}@${host}` : host,
    port: url.port || null,
    keyfile: identity ?? url.searchParams.get('keyfile'),
    noVerify: url.searchParams.get('no_verify') === '1',
    program: url.searchParams.get('command') ?? 'ssh',
  };
}

/** Where control sockets live: short paths (a socket path has a 108-byte limit). */
function controlDir(): string {
  const base = process.env.XDG_RUNTIME_DIR || join(tmpdir(), `virtsnap-${process.getuid?.() ?? 'user'}`);
  const dir = join(base, 'virtsnap', 'ssh');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export class SshFiles implements HostFiles {
  readonly kind = 'ssh' as const;
  readonly where: string;
  private readonly base: string[];
  private readonly controlPath: string;

  constructor(readonly target: SshTarget) {
    this.where = `${target.destination}${target.port ? ` port ${target.port}` : ''} over SSH`;
    this.controlPath = join(controlDir(), '%C');
    this.base = [
      ...(target.port ? ['-p', target.port] : []),
      ...(target.keyfile ? ['-i', target.keyfile, '-o', 'IdentitiesOnly=yes'] : []),
      ...(target.noVerify ? ['-o', 'StrictHostKeyChecking=no'] : []),
      '-o', 'BatchMode=yes',
      '-o', 'ConnectTimeout=10',
      '-o', 'ServerAliveInterval=5',
      '-o', 'ServerAliveCountMax=2',
      '-o', 'ControlMaster=auto',
      '-o', `ControlPath=${this.controlPath}`,
      '-o', 'ControlPersist=120',
      '-T',
    ];
  }

  /** The argv of `ssh … DESTINATION -- COMMAND` for a remote shell command line. */
  argv(commandLine: string): string[] {
    return [...this.base, this.target.destination, '--', commandLine];
  }

  /** The first command's run: it starts the master, and commands asked meanwhile wait for it (else each would log in). */
  private first: Promise<unknown> | null = null;

  private async sh(commandLine: string, timeoutMs = FILE_COMMAND_TIMEOUT_MS): Promise<ProcessOutcome> {
    if (this.first) await this.first;
    else {
      const run = this.exec(commandLine, timeoutMs);
      this.first = run.catch(() => {});
      return run;
    }
    return this.exec(commandLine, timeoutMs);
  }

  private async exec(commandLine: string, timeoutMs: number): Promise<ProcessOutcome> {
    const result = await execa(this.target.program, this.argv(commandLine), { reject: false, stdin: 'ignore', timeout: timeoutMs });
    const outcome = outcomeOf(result, this.target.program);
    // 255: ssh itself failed (refused, unreachable): the command never ran.
    if (outcome.exitCode === 255 && outcome.notRun === null) outcome.notRun = `ssh ${this.target.destination}: ${outcome.stderr.trim() || 'failed'}`;
    if (outcome.timedOut) outcome.notRun ??= `ssh ${this.target.destination}: no answer within ${timeoutMs} ms`;
    return outcome;
  }

  async probe(paths: readonly string[]): Promise<Map<string, FileFacts | null>> {
    const unknown = new Map(paths.map((p) => [p, null] as [string, FileFacts | null]));
    if (paths.length === 0) return unknown;
    // One line per path, in order: "missing", or "<size> <type>" (GNU stat, %F: regular file, directory…).
    const script = `for f in ${paths.map(quote).join(' ')}; do if [ -e "$f" ]; then stat -L -c '%s %F' -- "$f" || echo unknown; else echo missing; fi; done`;
    const outcome = await this.sh(script);
    if (outcome.notRun || outcome.failed) return unknown;
    const lines = outcome.stdout.split('\n');
    const facts = new Map<string, FileFacts | null>();
    paths.forEach((path, i) => {
      const line = lines[i] ?? '';
      if (line === 'missing') facts.set(path, { exists: false, size: null, directory: false });
      else {
        const m = /^(\d+) (.*)$/.exec(line);
        facts.set(path, m ? { exists: true, size: Number(m[1]), directory: m[2] === 'directory', regular: /^regular (empty )?file$/.test(m[2] ?? '') } : null);
      }
    });
    return facts;
  }

  async freeBytes(path: string): Promise<number | null> {
    if (!path.startsWith('/')) return null;
    const outcome = await this.sh(`for d in ${quote(path)} ${quote(dirname(path))}; do stat -f -c '%a %S' -- "$d" 2>/dev/null && exit 0; done; exit 1`);
    const m = /^(\d+) (\d+)/.exec(outcome.stdout);
    return outcome.failed || !m ? null : Number(m[1]) * Number(m[2]);
  }

  qemuImg(args: readonly string[], options: { timeoutMs: number }): Promise<ProcessOutcome> {
    return this.sh(`LC_ALL=C exec qemu-img ${args.map(quote).join(' ')}`, options.timeoutMs);
  }

  /**
   * Ending the ssh client does not end a command on the host (without a terminal it gets no
   * hangup, and qemu-img ignores SIGPIPE): the remote shell first prints its PID, which exec
   * hands to qemu-img, and stop() kills that PID on the host through the shared connection.
   */
  spawnQemuImg(args: readonly string[], options: { timeoutMs: number }): QemuImgRun {
    const child = execa(this.target.program, this.argv(`echo "pid $$"; LC_ALL=C exec qemu-img ${args.map(quote).join(' ')}`), {
      reject: false,
      stdin: 'ignore',
      buffer: { stdout: false },
      timeout: options.timeoutMs,
    });
    const stdout = new PassThrough();
    let pid: number | null = null;
    let pidKnown: () => void = () => {};
    const pidLine = new Promise<void>((resolve) => (pidKnown = resolve));
    let head = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (pid !== null) return void stdout.write(chunk);
      head += chunk.toString();
      const newline = head.indexOf('\n');
      if (newline < 0) return;
      pid = Number(/^pid (\d+)$/.exec(head.slice(0, newline))?.[1] ?? 0) || null;
      pid ??= -1;
      pidKnown();
      if (head.length > newline + 1) stdout.write(head.slice(newline + 1));
    });
    child.stdout.on('end', () => {
      pidKnown();
      stdout.end();
    });
    let stopped = false;
    const killRemote = async () => {
      // asked right after the start: the PID line is on its way
      await Promise.race([pidLine, new Promise((resolve) => setTimeout(resolve, FILE_COMMAND_TIMEOUT_MS).unref())]);
      if (pid !== null && pid > 0) await this.sh(`kill -TERM ${pid} 2>/dev/null; true`);
    };
    const done = child.then(async (result) => {
      const outcome = outcomeOf(result, this.target.program);
      if (outcome.exitCode === 255 && outcome.notRun === null) outcome.notRun = `ssh ${this.target.destination}: ${outcome.stderr.trim() || 'failed'}`;
      // a timeout ended only the ssh client: end qemu-img on the host too
      if (outcome.timedOut) await killRemote().catch(() => {});
      return outcome;
    });
    return {
      stdout,
      done,
      stop: async () => {
        stopped = true;
        await killRemote();
        child.kill('SIGTERM');
      },
      get stopped() {
        return stopped;
      },
    };
  }

  async listDirectories(dirs: readonly string[]): Promise<Map<string, string[] | null>> {
    const listed = new Map(dirs.map((d) => [d, null] as [string, string[] | null]));
    if (dirs.length === 0) return listed;
    const mark = `//${Date.now().toString(36)}`;
    const outcome = await this.sh(`for d in ${dirs.map(quote).join(' ')}; do echo '${mark}'; ls -1A -- "$d" 2>/dev/null || echo '${mark}!'; done`);
    if (outcome.notRun || outcome.failed) return listed;
    const sections = outcome.stdout.split(`${mark}\n`).slice(1);
    dirs.forEach((d, i) => {
      const body = sections[i];
      if (body === undefined || body.includes(`${mark}!`)) return;
      listed.set(d, body.split('\n').filter(Boolean));
    });
    return listed;
  }

  async remove(paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    const outcome = await this.sh(`rm -f -- ${paths.map(quote).join(' ')}`);
    if (outcome.notRun || outcome.failed) throw new Error(`rm on ${this.where}: ${outcome.notRun ?? outcome.stderr.trim()}`);
  }

  /** Ends the shared master connection (nothing when none was started). */
  async close(): Promise<void> {
    await execa(this.target.program, [...this.base, '-O', 'exit', this.target.destination], { reject: false, stdin: 'ignore', timeout: 5000 });
  }
}

/** Which files a URI's host has, before any command runs. */
export function hostFilesFor(uri: string, identity?: string | null): HostFiles {
  if (uri.startsWith('test:')) return new UnreachableFiles("the test driver's files are imaginary");
  const authority = /^[a-z0-9+.-]+:\/\/([^/?]*)/i.exec(uri)?.[1];
  if (authority === '' || authority === 'localhost') return new LocalFiles();
  const ssh = sshTargetOf(uri, identity);
  if (ssh) return new SshFiles(ssh);
  return new UnreachableFiles(`${uri} is reached without SSH, so its files cannot be read from here`);
}

const identities = new Map<string, string>();
const opened = new Map<string, HostFiles>();

/** An SSH identity for a URI's files (from the hosts file), used when its files are first opened. */
export function setSshIdentity(uri: string, identity: string): void {
  identities.set(uri, identity);
}

/** The files of the host behind `uri` (one per URI for the whole process: one SSH master). */
export function filesOf(host: { uri: string }): HostFiles {
  let files = opened.get(host.uri);
  if (!files) {
    files = hostFilesFor(host.uri, identities.get(host.uri));
    opened.set(host.uri, files);
  }
  return files;
}

/** Ends every SSH master this process started. */
export async function closeAllHostFiles(): Promise<void> {
  const all = [...opened.values()];
  opened.clear();
  await Promise.all(all.map((f) => f.close().catch(() => {})));
}
