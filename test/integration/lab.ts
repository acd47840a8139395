// Private libvirtd + TCG QEMU instances for integration tests, driven through scripts/lab.
//
//   const lab = await startLab();                      // in beforeAll
//   const { name, disks } = await lab.newDomain();     // a fresh running domain, own disks
//   await lab.virsh('snapshot-list', name);            // independent check, one virsh process
//   await lab.stop();                                  // in afterAll: only this instance's PIDs
//
// Each test file gets its own instance (own daemon, socket and state dir), and each test its own
// domains, so tests never share mutable state. Wrap suites in `describeLab` so that they skip
// where no lab can run (not root, packages missing); CI sets VIRTSNAP_REQUIRE_LAB=1, which turns
// that into a failure in global-setup.ts.

import { execa } from 'execa';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, inject } from 'vitest';
import { labRequired, type LabProvided } from './global-setup.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const LAB_SCRIPT = join(REPO_ROOT, 'scripts', 'lab');

export interface NewDomainOptions {
  /** Domain name (letters, digits, `.`, `_`, `-`); default: a name unique within the lab. */
  name?: string;
  /** Start it (default true); false leaves it defined and shut off. */
  running?: boolean;
  /** MiB of non-zero data written into vda before start, so block jobs have data to copy. */
  fillMiB?: number;
}

export interface LabDomain {
  name: string;
  /** qcow2 files; vda is 128 MiB (or fillMiB + 64), vdb 64 MiB. */
  disks: { vda: string; vdb: string };
}

export interface VirshResult {
  stdout: string;
  stderr: string;
  /** Process exit code; -1 when virsh was killed by a signal or timed out. */
  exitCode: number;
}

export interface LabPids {
  libvirtd: number | null;
  /** Subreaper that parents libvirtd and its QEMU processes. */
  reaper: number | null;
  /** QEMU PID per domain name, for domains started through the lab. */
  qemu: Record<string, number>;
}

export interface Lab {
  /** `qemu:///system?socket=<dir>/libvirt-sock` */
  readonly uri: string;
  /** Instance state dir (`/tmp/vsl-XXXXXX`): img/, log/qemu/<dom>.log, libvirtd.log, pids. */
  readonly dir: string;
  /** Environment for processes under test (LIBVIRT_DEFAULT_URI points at this instance). */
  readonly env: Record<string, string>;
  newDomain(opts?: NewDomainOptions): Promise<LabDomain>;
  /** `virsh -q -c <uri> ...args`, argv only, never throws on a non-zero exit. */
  virsh(...args: string[]): Promise<VirshResult>;
  /** The PIDs recorded in `<dir>/pids` (what stop() may stop). */
  pids(): LabPids;
  /** Stops this instance only, by its recorded PIDs, and deletes its dir (unless VIRTSNAP_LAB_KEEP=1). */
  stop(): Promise<void>;
}

function provided(): LabProvided | undefined {
  try {
    return inject('virtsnapLab');
  } catch {
    return undefined;
  }
}

/** Whether private labs can run here, and why not. */
export function labStatus(): { available: boolean; reason: string | null } {
  const p = provided();
  if (!p) return { available: false, reason: 'test/integration/global-setup.ts did not run' };
  return { available: p.available, reason: p.reason };
}

/**
 * `describe` that skips (with the reason in its title) where no lab can run, outside CI only:
 * in CI, or with VIRTSNAP_REQUIRE_LAB=1, the suite runs and a missing lab fails it.
 */
export function describeLab(name: string, fn: () => void): void {
  const { available, reason } = labStatus();
  if (available || labRequired()) describe(name, fn);
  else describe.skip(`${name} (skipped: ${reason ?? 'no lab'})`, fn);
}

/** True while PID exists and is not a zombie. */
export function pidAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // the state follows the last ')': the comm field may contain spaces and parentheses
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

function readPids(dir: string): LabPids {
  const out: LabPids = { libvirtd: null, reaper: null, qemu: {} };
  let text = '';
  try {
    text = readFileSync(join(dir, 'pids'), 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'libvirtd' && f[1]) out.libvirtd = Number(f[1]);
    else if (f[0] === 'reaper' && f[1]) out.reaper = Number(f[1]);
    else if (f[0] === 'qemu' && f[1] && f[2]) out.qemu[f[1]] = Number(f[2]);
  }
  return out;
}

async function runLab(args: string[]): Promise<string> {
  const r = await execa(LAB_SCRIPT, args, { reject: false, stdin: 'ignore', timeout: 120_000 });
  if (r.exitCode !== 0) {
    const how = r.timedOut ? 'timed out' : `exited with ${String(r.exitCode ?? r.signal)}`;
    throw new Error(`scripts/lab ${args.join(' ')} ${how}\n${r.stderr}`);
  }
  return r.stdout;
}

// Labs of this worker that are still up: stopped synchronously if the worker exits without
// afterAll (the global teardown is the last resort for workers that crash outright).
const live = new Map<string, string | null>(); // lab dir -> its registry entry
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [dir, entry] of live) {
      spawnSync(LAB_SCRIPT, ['down', dir, '--purge'], { stdio: 'ignore', timeout: 30_000 });
      if (entry) rmSync(entry, { force: true });
    }
  });
}

export async function startLab(): Promise<Lab> {
  const status = labStatus();
  if (!status.available && process.env.VIRTSNAP_REQUIRE_LAB !== '1') {
    throw new Error(`no libvirt lab here: ${status.reason ?? 'unknown reason'} (use describeLab to skip)`);
  }
  // short on purpose: <dir>/libvirt-admin-sock must fit a unix socket path (108 bytes)
  const dir = mkdtempSync('/tmp/vsl-');
  const registry = provided()?.registry;
  const registryEntry = registry ? join(registry, basename(dir)) : null;
  if (registryEntry) writeFileSync(registryEntry, `${dir}\n`);
  installExitHook();
  live.set(dir, registryEntry);

  let uri: string;
  try {
    const out = await runLab(['up', dir, '--no-domain']);
    uri = out.trim().split('\n').at(-1) ?? '';
    if (!uri.startsWith('qemu:')) throw new Error(`scripts/lab up printed no URI:\n${out}`);
  } catch (err) {
    await execa(LAB_SCRIPT, ['down', dir, '--purge'], { reject: false, stdin: 'ignore' });
    // `down` refuses dirs that never became a lab; this one is ours (mkdtemp) and holds no PIDs
    if (!existsSync(join(dir, 'pids'))) rmSync(dir, { recursive: true, force: true });
    live.delete(dir);
    if (registryEntry) rmSync(registryEntry, { force: true });
    throw err;
  }

  let counter = 0;
  const used = new Set<string>();
  let stopped = false;
  const lab: Lab = {
    uri,
    dir,
    env: { LIBVIRT_DEFAULT_URI: uri },

    async newDomain(opts: NewDomainOptions = {}): Promise<LabDomain> {
      if (stopped) throw new Error('lab already stopped');
      let name = opts.name;
      while (name === undefined || (opts.name === undefined && used.has(name))) name = `vm${++counter}`;
      used.add(name);
      const args = ['domain', dir, name];
      if (opts.running === false) args.push('--no-start');
      if (opts.fillMiB) args.push('--fill', String(opts.fillMiB));
      const out = (await runLab(args)).trim();
      if (out !== name) throw new Error(`scripts/lab domain printed '${out}', expected '${name}'`);
      return { name, disks: { vda: join(dir, 'img', `${name}-vda.qcow2`), vdb: join(dir, 'img', `${name}-vdb.qcow2`) } };
    },

    async virsh(...args: string[]): Promise<VirshResult> {
      const r = await execa('virsh', ['-q', '-c', uri, ...args], {
        reject: false,
        stdin: 'ignore',
        timeout: 120_000,
      });
      return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? -1 };
    },

    pids(): LabPids {
      return readPids(dir);
    },

    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      const keep = process.env.VIRTSNAP_LAB_KEEP === '1';
      await runLab(keep ? ['down', dir] : ['down', dir, '--purge']);
      live.delete(dir);
      if (registryEntry) rmSync(registryEntry, { force: true });
      if (keep) console.warn(`[lab] kept ${dir}`);
    },
  };
  return lab;
}
