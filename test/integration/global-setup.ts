// Runs once per `vitest run` for the integration project, before any worker starts.
//
// 1. Decides whether private libvirtd + QEMU labs (scripts/lab) can run here. When something is
//    missing and we are root, it runs `scripts/lab setup` (apt packages, the libvirt-qemu user,
//    the shared QEMU-capabilities cache, so that no test file pays the ~4 s probe). Without a
//    usable lab the real-QEMU tests skip, except in CI or with VIRTSNAP_REQUIRE_LAB=1: then it fails here,
//    with the reason, instead of letting them skip silently.
// 2. Hands the verdict and a registry directory to the workers (`inject('virtsnapLab')`).
//    Every lab registers its directory there; the teardown stops whatever a crashed or
//    interrupted test file left running.

import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

export interface LabProvided {
  /** Private labs can be started. */
  available: boolean;
  /** Why not, when `available` is false. */
  reason: string | null;
  /** Directory holding one file per running lab (its contents: the lab dir). */
  registry: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    virtsnapLab: LabProvided;
  }
}

const LAB = fileURLToPath(new URL('../../scripts/lab', import.meta.url));

/**
 * Whether a missing lab is an error rather than a reason to skip: always in CI (the real-QEMU
 * tests are the point of the suite there), and wherever VIRTSNAP_REQUIRE_LAB=1 asks for it.
 */
export function labRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return ci || env.VIRTSNAP_REQUIRE_LAB === '1';
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** null when the lab is usable, else what is missing (scripts/lab check's stderr). */
async function missing(): Promise<string | null> {
  const r = await execa(LAB, ['check'], { reject: false, stdin: 'ignore' });
  if (r.exitCode === 0) return null;
  return r.stderr.trim() || r.stdout.trim() || `scripts/lab check exited with ${String(r.exitCode)}`;
}

async function verdict(): Promise<string | null> {
  if (process.platform !== 'linux') return `private libvirt labs need Linux (this is ${process.platform})`;
  if (!isRoot()) {
    return 'private libvirt labs need root (mount namespaces and bind mounts for libvirtd)';
  }
  let why = await missing();
  if (why === null) return null;
  // Only installs what is missing; as root there is nobody to ask.
  const setup = await execa(LAB, ['setup'], { reject: false, stdin: 'ignore', all: true });
  if (setup.exitCode !== 0) {
    return `scripts/lab setup failed (exit ${String(setup.exitCode)}):\n${setup.all ?? ''}`;
  }
  why = await missing();
  return why === null ? null : `still missing after scripts/lab setup: ${why}`;
}

async function stopLeftovers(registry: string): Promise<void> {
  let entries: string[] = [];
  try {
    entries = await readdir(registry);
  } catch {
    return;
  }
  for (const entry of entries) {
    const dir = (await readFile(join(registry, entry), 'utf8').catch(() => '')).trim();
    if (!dir || !existsSync(dir)) continue;
    const r = await execa(LAB, ['down', dir, '--purge'], { reject: false, stdin: 'ignore', all: true });
    console.warn(`[lab] stopped a lab left running by a test file: ${dir}${r.exitCode ? `\n${r.all ?? ''}` : ''}`);
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const reason = await verdict();
  if (reason !== null && labRequired()) {
    throw new Error(`the real-QEMU tests must run here (CI or VIRTSNAP_REQUIRE_LAB=1) but the libvirt/QEMU lab cannot: ${reason}`);
  }
  const registry = await mkdtemp(join(tmpdir(), 'virtsnap-labs-'));
  project.provide('virtsnapLab', { available: reason === null, reason, registry });
  return async () => {
    await stopLeftovers(registry);
    await rm(registry, { recursive: true, force: true });
  };
}
