// Backup through a temporary snapshot (libvirt's "domain state capture", example 1): freeze the
// guest's file systems when its agent answers, take a disk-only external snapshot without
// metadata (atomic), thaw; the images below the new overlays no longer change, so qemu-img
// copies each one, with its whole backing chain flattened, to the backup directory; then an
// active commit with pivot merges each overlay back and the overlays are removed. The domain
// ends on its own files. Every step is journaled: interrupted anywhere, `virtsnap resume`
// finishes it and `--rollback` merges the overlays back and removes what was copied.
//
// planBackupSnapshot reads the host once and decides everything into BackupSnapshotParams;
// backupSnapshotPlan builds the same steps from those params alone (resume rebuilds them).

import { existsSync, mkdirSync, renameSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Host } from '../host.js';
import { readPlannerDomain } from '../create/domain-facts.js';
import { formatBytes } from '../../format/bytes.js';
import { parseNameList } from '../parse/index.js';
import { escapeSpecValue, virshCommands } from '../virsh/commands.js';
import { isLocalUri } from './block-space.js';
import { addManifestEntry, hasManifestEntry, removeManifestEntry, type ManifestEntry } from './backup-manifest.js';
import {
  activeCommitPivot,
  chooseBackupDisks,
  copyTimeoutMs,
  freezeStep,
  imageFacts,
  liveTops,
  probeGuestAgent,
  runQemuImg,
  stampOf,
  thawStep,
} from './backup-tools.js';
import { planDefaults, type FlowPlan } from './flow-plan.js';
import { plannedVirsh, StepMachine, type PlannedCommand, type StepDefinition } from './step-machine.js';

export type BackupFormat = 'qcow2' | 'raw';
/** auto: freeze when the agent answers, else go on crash-consistent; require: refuse without it; off: never. */
export type QuiesceMode = 'auto' | 'require' | 'off';

export interface BackupSnapshotRequest {
  domain: string;
  /** The backup directory (created when missing). */
  to: string;
  /** Targets to back up; omitted: every writable disk with an image. */
  disks?: string[];
  quiesce: QuiesceMode;
  format: BackupFormat;
  /** MiB/s for merging the temporary overlay back (the active commit); omitted: no limit. */
  bandwidthMiB?: number;
  /** For tests and scripts: the time the names are made from. */
  now?: Date;
}

export interface BackupSnapshotDisk {
  target: string;
  /** The disk's own image (the top before the backup; where it ends). */
  source: string;
  sourceFormat: string;
  /** The temporary overlay the guest writes to meanwhile. */
  overlay: string;
  /** The standalone copy in the backup directory. */
  backupFile: string;
  virtualSize: number;
  /** Bytes of data in the chain below (what the copy reads at most). */
  chainBytes: number;
  timeoutMs: number;
}

export interface BackupSnapshotParams {
  domain: string;
  dir: string;
  format: BackupFormat;
  /** Freeze the file systems (the agent answered when the plan was made). */
  freeze: boolean;
  /** What the plan found about the guest agent, in words. */
  agentNote: string;
  disks: BackupSnapshotDisk[];
  /** Disks left out (snapshot=no). */
  skipped: string[];
  stamp: string;
  time: string;
  domainXmlFile: string;
  /** The merge back's rate limit in MiB/s (absent in flows journaled before it existed: none). */
  bandwidthMiB?: number | null;
  refusal: string | null;
  warnings: string[];
}

export interface BackupSnapshotContext {
  host: Host;
  /** Percentages of the copy now running (disk, percent), for a progress line. */
  onCopyProgress?: (disk: string, percent: number) => void;
  /** What the verification found, per disk. */
  verified: Record<string, string>;
}

const DISK_STEP = (prefix: string, target: string) => `${prefix}:${target}`;

function overlayPath(source: string, stamp: string): string {
  const ext = extname(source);
  const stem = basename(source, ext);
  return join(dirname(source), `${stem}.virtsnap-backup-${stamp}.qcow2`);
}

/** Reads the domain, its disks and its agent once, and decides everything. */
export async function planBackupSnapshot(host: Host, request: BackupSnapshotRequest): Promise<FlowPlan<BackupSnapshotContext>> {
  const now = request.now ?? new Date();
  const stamp = stampOf(now);
  const dir = resolve(request.to);
  const facts = await readPlannerDomain(host, request.domain);
  const warnings: string[] = [];
  let refusal: string | null = null;
  const refuse = (why: string) => {
    refusal ??= why;
  };

  if (!isLocalUri(host.uri) || host.uri.startsWith('test:')) refuse('the backup copies image files with qemu-img, so it needs the domain on this machine (a local qemu:// URI)');
  if (facts.state === 'shutoff') refuse(`${request.domain} is shut off: nothing writes to its images, copy them directly (qemu-img convert -O qcow2 IMAGE COPY)`);

  const chosen = chooseBackupDisks(facts, request.disks, refuse);

  const disks: BackupSnapshotDisk[] = [];
  for (const disk of chosen) {
    if (disk.type !== 'file') refuse(`${disk.target} is a ${disk.type ?? 'non-file'} disk: the temporary snapshot needs file images`);
    if (disk.blockJob) refuse(`a block job runs on ${disk.target}: let it finish first (virtsnap jobs ${request.domain})`);
    const source = disk.source!;
    let virtualSize = 0;
    let chainBytes = 0;
    if (refusal === null) {
      const chain = await runQemuImg(['info', '-U', '--backing-chain', '--output=json', source], { timeoutMs: 30_000 });
      const layers = JSON.parse(chain) as { 'virtual-size': number; 'actual-size'?: number }[];
      virtualSize = layers[0]?.['virtual-size'] ?? 0;
      chainBytes = layers.reduce((sum, l) => sum + (l['actual-size'] ?? 0), 0);
    }
    const backupFile = join(dir, `${disk.target}.${request.format}`);
    const overlay = overlayPath(source, stamp);
    if (existsSync(backupFile)) refuse(`${backupFile} exists: back up into an empty directory (or a new one)`);
    if (existsSync(overlay)) refuse(`${overlay} exists`);
    disks.push({
      target: disk.target,
      source,
      sourceFormat: disk.format ?? 'qcow2',
      overlay,
      backupFile,
      virtualSize,
      chainBytes,
      timeoutMs: copyTimeoutMs(Math.max(virtualSize, chainBytes)),
    });
  }
  const skipped = facts.disks.filter((d) => !disks.some((c) => c.target === d.target)).map((d) => d.target);

  let freeze = false;
  let agentNote = 'file systems are not frozen (--no-quiesce): the copy is crash-consistent';
  if (request.quiesce !== 'off' && refusal === null) {
    const probe = await probeGuestAgent(host, request.domain, facts.guestAgent);
    agentNote = probe.message;
    if (probe.answers) freeze = true;
    else if (request.quiesce === 'require') refuse(`--quiesce: ${probe.message}`);
    else {
      agentNote = `${probe.message}; going on without a freeze: the copy is crash-consistent, as if the power had been cut at the snapshot`;
      warnings.push(`No freeze: ${agentNote}.`);
    }
  }

  const checkpoints = refusal === null ? parseNameList((await host.run(virshCommands.checkpointNames(request.domain))).stdout) : [];
  if (checkpoints.length > 0) {
    warnings.push(
      `${request.domain} has checkpoints (${checkpoints.join(', ')}): on libvirt 9.0 the temporary snapshot and the active commit carry their bitmaps along (measured), so incremental backups still work afterwards.`,
    );
  }
  if (refusal === null && existsSync(dir)) {
    const needed = disks.reduce((sum, d) => sum + (request.format === 'raw' ? d.virtualSize : d.chainBytes), 0);
    const stats = statfsSync(dir);
    const free = stats.bavail * stats.bsize;
    if (free < needed) warnings.push(`${dir} has ${formatBytes(free)} free; the copies need up to ${formatBytes(needed)}.`);
  }

  const params: BackupSnapshotParams = {
    domain: request.domain,
    dir,
    format: request.format,
    freeze,
    agentNote,
    disks,
    skipped,
    stamp,
    time: now.toISOString(),
    domainXmlFile: join(dir, 'domain.xml'),
    bandwidthMiB: request.bandwidthMiB ?? null,
    refusal,
    warnings,
  };
  return backupSnapshotPlan(host, params);
}

function snapshotCommand(params: BackupSnapshotParams) {
  return virshCommands.createSnapshotAs(params.domain, {
    diskOnly: true,
    atomic: true,
    noMetadata: true,
    diskspecs: [
      ...params.disks.map((d) => `${escapeSpecValue(d.target)},snapshot=external,file=${escapeSpecValue(d.overlay)}`),
      ...params.skipped.map((t) => `${escapeSpecValue(t)},snapshot=no`),
    ],
  });
}

function convertArgs(params: BackupSnapshotParams, disk: BackupSnapshotDisk): string[] {
  // -U: the image is a backing file of the running guest (read-only now, but QEMU holds its lock).
  return ['convert', '-p', '-U', '-f', disk.sourceFormat, '-O', params.format, disk.source, `${disk.backupFile}.part`];
}

function manifestEntry(params: BackupSnapshotParams, actual: Record<string, number | null>): ManifestEntry {
  return {
    id: `snapshot-${params.stamp}`,
    kind: 'full',
    method: 'temporary-snapshot',
    checkpoint: null,
    since: null,
    time: params.time,
    disks: params.disks.map((d) => ({
      target: d.target,
      file: basename(d.backupFile),
      format: params.format,
      source: d.source,
      virtualSize: d.virtualSize,
      actualSize: actual[d.target] ?? null,
    })),
    domainXml: basename(params.domainXmlFile),
    quiesced: params.freeze,
  };
}

/** The steps, from the params alone. */
export function backupSnapshotPlan(host: Host, params: BackupSnapshotParams): FlowPlan<BackupSnapshotContext> {
  const { domain } = params;
  const rm = (files: string[]): PlannedCommand => ({ program: 'rm', args: ['-f', ...files], mutates: true });
  const overlays = params.disks.map((d) => d.overlay);

  /** Merges back every overlay the disk still runs on, then removes the overlays. */
  const mergeBack = async (ctx: BackupSnapshotContext, note: (t: string) => void) => {
    const tops = await liveTops(ctx.host, domain);
    for (const disk of params.disks) {
      if (tops.get(disk.target) === disk.overlay) {
        note(`merging ${disk.overlay} back into ${disk.source}`);
        await activeCommitPivot(ctx.host, domain, disk.target, disk.source, { timeoutMs: disk.timeoutMs, note });
      }
    }
    for (const file of overlays) rmSync(file, { force: true });
  };

  const steps: StepDefinition<BackupSnapshotContext>[] = [
    {
      id: 'domain-xml',
      title: `write ${domain}'s definition (dumpxml --inactive) to ${params.domainXmlFile}`,
      commands: [plannedVirsh(virshCommands.domainXml(domain, true))],
      creates: [params.domainXmlFile],
      run: async (ctx) => {
        mkdirSync(params.dir, { recursive: true });
        const xml = await ctx.host.domainXml(domain, { inactive: true });
        writeFileSync(params.domainXmlFile, xml);
      },
      check: async () => (existsSync(params.domainXmlFile) ? null : `${params.domainXmlFile} is missing`),
      undo: { title: `remove ${params.domainXmlFile}`, commands: [rm([params.domainXmlFile])], run: async () => rmSync(params.domainXmlFile, { force: true }) },
    },
    freezeStep<BackupSnapshotContext>(domain, !params.freeze),
    {
      id: 'snapshot',
      title: `temporary disk-only snapshot of ${params.disks.map((d) => d.target).join(', ')} (atomic, no metadata): the guest writes to new overlays, its images stop changing`,
      commands: [plannedVirsh(snapshotCommand(params))],
      creates: overlays,
      leavesState: `${domain} runs on temporary overlays (${overlays.join(', ')}): \`virtsnap resume\` finishes the backup, \`--rollback\` merges them back`,
      run: async (ctx) => {
        await ctx.host.run(snapshotCommand(params));
      },
      check: async (ctx) => {
        const tops = await liveTops(ctx.host, domain);
        const missing = params.disks.filter((d) => tops.get(d.target) !== d.overlay).map((d) => d.target);
        return missing.length === 0 ? null : `${missing.join(', ')} not on the temporary overlay`;
      },
      undo: {
        title: 'merge the temporary overlays back (active commit with pivot) and remove them',
        commands: [...params.disks.map((d) => plannedVirsh(virshCommands.blockCommit(domain, d.target, { active: true, bandwidthMiB: params.bandwidthMiB ?? undefined }))), rm(overlays)],
        run: (ctx, journal) => mergeBack(ctx, (t) => journal.note(t)),
      },
    },
    thawStep<BackupSnapshotContext>(domain, !params.freeze),
    ...params.disks.map(
      (disk): StepDefinition<BackupSnapshotContext> => ({
        id: DISK_STEP('copy', disk.target),
        title: `copy ${disk.target} as it was at the snapshot (${disk.source} and its backing chain, flattened) to ${disk.backupFile} (${formatBytes(disk.virtualSize)} virtual, up to ${Math.round(disk.timeoutMs / 1000)} s)`,
        commands: [{ program: 'qemu-img', args: convertArgs(params, disk), mutates: true }, { program: 'mv', args: [`${disk.backupFile}.part`, disk.backupFile], mutates: true }],
        creates: [disk.backupFile],
        run: async (ctx) => {
          await runQemuImg(convertArgs(params, disk), { timeoutMs: disk.timeoutMs, onProgress: (p) => ctx.onCopyProgress?.(disk.target, p) });
          renameSync(`${disk.backupFile}.part`, disk.backupFile);
        },
        check: async () => (existsSync(disk.backupFile) ? null : `${disk.backupFile} is missing`),
        undo: {
          title: `remove ${disk.backupFile}`,
          commands: [rm([disk.backupFile, `${disk.backupFile}.part`])],
          run: async () => {
            rmSync(disk.backupFile, { force: true });
            rmSync(`${disk.backupFile}.part`, { force: true });
          },
        },
      }),
    ),
    {
      id: 'verify',
      title: 'check each copy (qemu-img check) and compare its data with the disk as of the snapshot (qemu-img compare)',
      commands: params.disks.flatMap((d) => [
        ...(params.format === 'qcow2' ? [{ program: 'qemu-img', args: ['check', d.backupFile], mutates: false }] : []),
        { program: 'qemu-img', args: ['compare', '-U', '-f', d.sourceFormat, '-F', params.format, d.source, d.backupFile], mutates: false },
      ]),
      run: async (ctx, journal) => {
        for (const disk of params.disks) {
          if (params.format === 'qcow2') await runQemuImg(['check', disk.backupFile], { timeoutMs: disk.timeoutMs });
          // The source is still read-only below the overlay: the copy must read exactly the same.
          const out = await runQemuImg(['compare', '-U', '-f', disk.sourceFormat, '-F', params.format, disk.source, disk.backupFile], { timeoutMs: disk.timeoutMs });
          ctx.verified[disk.target] = out.trim();
          journal.note(`${disk.target}: ${out.trim()}`);
        }
      },
    },
    {
      id: 'manifest',
      title: `record the backup in ${join(params.dir, 'virtsnap-backup.json')}`,
      run: async () => {
        const actual: Record<string, number | null> = {};
        for (const disk of params.disks) actual[disk.target] = (await imageFacts(disk.backupFile)).actualSize;
        addManifestEntry(params.dir, { domain, uri: host.uri }, manifestEntry(params, actual));
      },
      check: async () => (hasManifestEntry(params.dir, `snapshot-${params.stamp}`) ? null : 'the manifest has no entry for this backup'),
      undo: { title: 'remove the entry from the manifest', run: async () => removeManifestEntry(params.dir, `snapshot-${params.stamp}`) },
    },
    ...params.disks.map(
      (disk): StepDefinition<BackupSnapshotContext> => ({
        id: DISK_STEP('commit', disk.target),
        title: `merge ${disk.overlay} back into ${disk.source} (active commit, pivot once ready)`,
        commands: [
          plannedVirsh(virshCommands.blockCommit(domain, disk.target, { active: true, bandwidthMiB: params.bandwidthMiB ?? undefined })),
          plannedVirsh(virshCommands.blockJobPivot(domain, disk.target)),
        ],
        leavesState: `${disk.target} runs on ${disk.source} again`,
        run: async (ctx, journal) => {
          await activeCommitPivot(ctx.host, domain, disk.target, disk.source, {
            timeoutMs: disk.timeoutMs,
            bandwidthMiB: params.bandwidthMiB ?? undefined,
            note: (t) => journal.note(t),
          });
        },
        check: async (ctx) => {
          const top = (await liveTops(ctx.host, domain)).get(disk.target);
          return top === disk.source ? null : `${disk.target} runs on ${top ?? 'nothing'}`;
        },
        undo: { title: `nothing to take back (${disk.target} is on its own file again)`, run: async () => {} },
      }),
    ),
    {
      id: 'remove-overlays',
      title: 'remove the temporary overlays',
      commands: [rm(overlays)],
      removes: overlays,
      run: async () => {
        for (const file of overlays) rmSync(file, { force: true });
      },
      check: async () => {
        const left = overlays.filter((f) => existsSync(f));
        return left.length === 0 ? null : `${left.join(', ')} still there`;
      },
      undo: { title: 'nothing to take back', run: async () => {} },
    },
  ];

  const defaults = planDefaults();
  return {
    kind: 'backup-snapshot',
    title: `Back up ${domain} (${params.disks.map((d) => d.target).join(', ')}) to ${params.dir} through a temporary snapshot`,
    uri: host.uri,
    domain,
    params,
    machine: new StepMachine<BackupSnapshotContext>('backup-snapshot', steps),
    context: { host, verified: {} },
    ...defaults,
    consequences: [
      `${params.disks.length} standalone ${params.format} image(s) and domain.xml in ${params.dir}`,
      `${domain} ends on its own files (${params.disks.map((d) => d.source).join(', ')}); nothing appears in its snapshot tree`,
      params.agentNote,
      ...(params.bandwidthMiB ? [`the writes made during the copy merge back at most ${params.bandwidthMiB} MiB/s`] : []),
      ...(params.skipped.length > 0 ? [`not backed up: ${params.skipped.join(', ')}`] : []),
    ],
    downtime: params.freeze
      ? 'none; guest I/O waits while the file systems are frozen for the snapshot (well under a second)'
      : 'none: the guest keeps running throughout',
    warnings: params.warnings,
    confirmation: { kind: 'choice' },
    refusal: params.refusal,
  };
}
