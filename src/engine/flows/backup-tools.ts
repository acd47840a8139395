// What the backup flows share: qemu-img with a timeout and progress, the guest agent probe and
// the file-system freeze/thaw steps, the disks' live tops, and an active commit with pivot
// followed by a JobMonitor (the temporary snapshot's overlay merged back into the disk's file).

import { execa } from 'execa';
import type { Host } from '../host.js';
import { JobMonitor } from '../jobs/job-monitor.js';
import { parseQemuImgProgress } from '../parse/qemu-img-progress.js';
import { virshCommands } from '../virsh/commands.js';
import { VirshCommandError, VirshError } from '../virsh/errors.js';
import { readDomainDisks } from '../xml/domain-xml.js';
import { plannedVirsh, type StepDefinition } from './step-machine.js';
import type { PlannerDisk, PlannerDomain } from '../create/types.js';

export class QemuImgRunError extends Error {
  override name = 'QemuImgRunError';
}

export interface QemuImgRunOptions {
  timeoutMs: number;
  /** Each percentage `-p` prints. */
  onProgress?: (percent: number) => void;
  signal?: AbortSignal;
}

/** Runs qemu-img (argv only), killed after timeoutMs; throws with qemu-img's own words. */
export async function runQemuImg(args: readonly string[], options: QemuImgRunOptions): Promise<string> {
  const child = execa('qemu-img', [...args], {
    reject: false,
    stdin: 'ignore',
    env: { LC_ALL: 'C' },
    timeout: options.timeoutMs,
    cancelSignal: options.signal,
    buffer: true,
  });
  if (options.onProgress) {
    child.stdout?.on('data', (chunk: Buffer) => {
      for (const percent of parseQemuImgProgress(chunk.toString())) options.onProgress?.(percent);
    });
  }
  const result = await child;
  if (result.failed) {
    const why = result.timedOut
      ? `did not finish within ${Math.round(options.timeoutMs / 1000)} s and was stopped`
      : result.isCanceled
        ? 'was cancelled'
        : result.code === 'ENOENT'
          ? 'is not installed (package qemu-utils)'
          : String(result.stderr).trim() || `exited with ${String(result.exitCode)}`;
    throw new QemuImgRunError(`qemu-img ${args[0] ?? ''} ${why}`);
  }
  return String(result.stdout);
}

export interface ImageFacts {
  virtualSize: number;
  /** Bytes the file takes on disk. */
  actualSize: number;
  format: string;
  backing: string | null;
}

/** `qemu-img info` of one image (not its chain); -U: the image may be open in QEMU. */
export async function imageFacts(path: string): Promise<ImageFacts> {
  const out = await runQemuImg(['info', '-U', '--output=json', path], { timeoutMs: 30_000 });
  const info = JSON.parse(out) as { 'virtual-size': number; 'actual-size'?: number; format: string; 'full-backing-filename'?: string };
  return { virtualSize: info['virtual-size'], actualSize: info['actual-size'] ?? 0, format: info.format, backing: info['full-backing-filename'] ?? null };
}

/** The time a copy of `bytes` may take: a minute, plus 20 s per GiB (about 50 MiB/s, slow disks included). */
export function copyTimeoutMs(bytes: number): number {
  return 60_000 + Math.ceil(bytes / 2 ** 30) * 20_000;
}

/** Each disk's active image (the top of its chain) in the live XML. */
export async function liveTops(host: Host, domain: string): Promise<Map<string, string | null>> {
  const disks = readDomainDisks(await host.domainXml(domain));
  return new Map(disks.map((d) => [d.target, d.source]));
}

export interface AgentProbe {
  /** A guest agent channel is in the domain's definition. */
  configured: boolean;
  /** The agent answered a harmless query. */
  answers: boolean;
  /** In plain words, for the plan. */
  message: string;
}

/** How long the agent may take to answer before virtsnap says it does not. */
export const AGENT_TIMEOUT_MS = 10_000;

/** Asks the guest agent for the guest's file systems (domfsinfo), within AGENT_TIMEOUT_MS. */
export async function probeGuestAgent(host: Host, domain: string, configured: boolean): Promise<AgentProbe> {
  if (!configured) {
    return { configured, answers: false, message: 'the domain has no guest agent channel (org.qemu.guest_agent.0), so its file systems cannot be frozen' };
  }
  try {
    await host.run(virshCommands.guestFsInfo(domain), { timeoutMs: AGENT_TIMEOUT_MS });
    return { configured, answers: true, message: 'the guest agent answers: file systems are frozen for the snapshot' };
  } catch (error) {
    if (!(error instanceof VirshError)) throw error;
    // libvirt's last line says why (`QEMU guest agent is not connected`); the first only what failed.
    const why = error instanceof VirshCommandError ? (error.errorLines.at(-1) ?? error.message) : error.message;
    return { configured, answers: false, message: `the guest agent does not answer (${why.replace(/\s*\n\s*/g, '; ')})` };
  }
}

export interface WithHost {
  host: Host;
}

/** Freezes the guest's file systems; undone by thawing them. */
export function freezeStep<C extends WithHost>(domain: string, skip: boolean): StepDefinition<C> {
  return {
    id: 'freeze',
    title: `freeze ${domain}'s file systems through the guest agent (I/O waits until the thaw)`,
    commands: [plannedVirsh(virshCommands.guestFsFreeze(domain))],
    leavesState: `${domain}'s file systems are FROZEN: guest I/O waits until they are thawed`,
    skipIf: () => (skip ? 'no freeze: the copy is crash-consistent' : null),
    run: async (ctx) => {
      await ctx.host.run(virshCommands.guestFsFreeze(domain), { timeoutMs: 30_000 });
    },
    undo: {
      title: `thaw ${domain}'s file systems`,
      commands: [plannedVirsh(virshCommands.guestFsThaw(domain))],
      run: async (ctx, journal) => {
        await ctx.host.run(virshCommands.guestFsThaw(domain), { timeoutMs: 30_000 }).catch((error: unknown) => {
          journal.note(`thaw: ${error instanceof Error ? error.message : String(error)}`);
        });
      },
    },
  };
}

export function thawStep<C extends WithHost>(domain: string, skip: boolean): StepDefinition<C> {
  return {
    id: 'thaw',
    title: `thaw ${domain}'s file systems`,
    commands: [plannedVirsh(virshCommands.guestFsThaw(domain))],
    skipIf: () => (skip ? 'nothing was frozen' : null),
    run: async (ctx) => {
      await ctx.host.run(virshCommands.guestFsThaw(domain), { timeoutMs: 30_000 });
    },
    undo: { title: 'nothing to take back (the guest stays thawed)', run: async () => {} },
  };
}

/**
 * Merges a disk's active overlay into the image below it and switches the disk to that image:
 * an active commit (started here, or the one already running after an interruption), followed
 * until ready, pivoted, and followed to its end. Afterwards the disk's top must be `base`.
 */
export async function activeCommitPivot(
  host: Host,
  domain: string,
  disk: string,
  base: string,
  options: { timeoutMs: number; bandwidthMiB?: number; note?: (text: string) => void },
): Promise<void> {
  const monitor = new JobMonitor(host, { intervalMs: 200 });
  const timer = new Promise<never>((_, reject) => {
    const t = setTimeout(() => reject(new Error(`the commit of ${disk} did not finish within ${Math.round(options.timeoutMs / 1000)} s; it is still running: \`virtsnap jobs ${domain}\``)), options.timeoutMs);
    t.unref();
  });
  try {
    const chainBefore = (readDomainDisks(await host.domainXml(domain)).find((d) => d.target === disk)?.chain ?? []).map((l) => l.source);
    const running = await monitor.control.info(domain, disk);
    if (running) options.note?.(`a ${running.type} job already runs on ${disk}: following it`);
    else await host.run(virshCommands.blockCommit(domain, disk, { active: true, bandwidthMiB: options.bandwidthMiB }));
    const job = monitor.watch(domain, disk, { chainBefore, type: 'active-commit' });
    const ready = await Promise.race([job.ready(), timer]);
    if (ready.phase === 'ready') await monitor.pivot(domain, disk);
    const end = await Promise.race([job.finished, timer]);
    if (end.phase !== 'completed') throw new Error(`the commit of ${disk} ended ${end.phase}${end.message ? `: ${end.message}` : ''}`);
  } finally {
    monitor.close();
  }
  const top = (await liveTops(host, domain)).get(disk);
  if (top !== base) throw new Error(`after the commit ${disk} runs on ${top ?? 'nothing'}, not on ${base}`);
}

/** `2026-11-30T03-06-20Z`: a time stamp for file and checkpoint names. */
export function stampOf(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/**
 * The disks a backup copies: the ones asked for, or every writable disk with an image. Each
 * problem (a disk the domain lacks, one that cannot be backed up, none at all) goes to `refuse`.
 */
export function chooseBackupDisks(facts: PlannerDomain, wanted: readonly string[] | undefined, refuse: (why: string) => void): PlannerDisk[] {
  const candidates = facts.disks.filter((d) => d.device === 'disk' && d.source !== null && !d.readonly);
  const targets = wanted ?? candidates.map((d) => d.target);
  for (const target of targets) {
    if (!facts.disks.some((d) => d.target === target)) refuse(`${facts.name} has no disk ${target}`);
    else if (!candidates.some((d) => d.target === target)) refuse(`${target} is not a writable disk with an image`);
  }
  const chosen = candidates.filter((d) => targets.includes(d.target));
  if (chosen.length === 0) refuse(`${facts.name} has no disk to back up`);
  return chosen;
}
