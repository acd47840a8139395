// Backups through libvirt's backup job (virDomainBackupBegin, push mode) with checkpoints: a full
// backup copies every disk and starts a checkpoint; an incremental one copies only the clusters
// written since a checkpoint (QEMU's persistent dirty bitmaps) and starts the next. libvirt
// writes each disk's target file itself; virtsnap follows the job (domjobinfo, bounded polling,
// domjobabort when interrupted), checks the files and records them in the directory's manifest.
//
// An incremental target is a qcow2 file that holds only the changed clusters, with the live disk
// named as its backing file; restore-backup rebases the incrementals onto the full copy in order.

import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Host } from '../host.js';
import { readPlannerDomain } from '../create/domain-facts.js';
import { parseDomjobinfo, parseNameList, type DomJobInfo } from '../parse/index.js';
import { virshCommands } from '../virsh/commands.js';
import { escapeAttribute, escapeText } from '../xml/entities.js';
import { isLocalUri } from './block-space.js';
import { addManifestEntry, hasManifestEntry, readManifest, removeManifestEntry, type ManifestEntry } from './backup-manifest.js';
import { copyTimeoutMs, freezeStep, imageFacts, probeGuestAgent, runQemuImg, stampOf, thawStep, chooseBackupDisks } from './backup-tools.js';
import type { QuiesceMode } from './backup-snapshot.js';
import { planDefaults, type FlowPlan } from './flow-plan.js';
import { plannedVirsh, StepMachine, type PlannedCommand, type StepDefinition } from './step-machine.js';

export interface BackupPushRequest {
  domain: string;
  to: string;
  incremental: boolean;
  /** The checkpoint an incremental counts from; omitted: the newest one in the directory's manifest. */
  since?: string;
  disks?: string[];
  quiesce: QuiesceMode;
  now?: Date;
}

export interface BackupPushDisk {
  target: string;
  source: string;
  file: string;
  virtualSize: number;
}

export interface BackupPushParams {
  domain: string;
  dir: string;
  kind: 'full' | 'incremental';
  since: string | null;
  checkpoint: string;
  disks: BackupPushDisk[];
  skipped: string[];
  freeze: boolean;
  agentNote: string;
  backupXml: string;
  checkpointXml: string;
  /** Scratch files for virsh (the XML arguments); removed when the flow ends. */
  backupXmlFile: string;
  checkpointXmlFile: string;
  domainXmlFile: string;
  time: string;
  timeoutMs: number;
  refusal: string | null;
  warnings: string[];
}

export interface BackupPushContext {
  host: Host;
  signal?: AbortSignal;
  /** Each poll of the running job (bytes processed and total). */
  onJobProgress?: (info: DomJobInfo) => void;
  pollIntervalMs: number;
}

/** Builds the backup XML (push mode, one target file per disk, the others backup='no'). */
export function backupXmlOf(params: Pick<BackupPushParams, 'since' | 'disks' | 'skipped'>): string {
  const lines = ['<domainbackup>'];
  if (params.since !== null) lines.push(`  <incremental>${escapeText(params.since)}</incremental>`);
  lines.push('  <disks>');
  for (const d of params.disks) {
    lines.push(`    <disk name='${escapeAttribute(d.target)}' type='file'>`, `      <target file='${escapeAttribute(d.file)}'/>`, "      <driver type='qcow2'/>", '    </disk>');
  }
  for (const t of params.skipped) lines.push(`    <disk name='${escapeAttribute(t)}' backup='no'/>`);
  lines.push('  </disks>', '</domainbackup>');
  return `${lines.join('\n')}\n`;
}

export function checkpointXmlOf(name: string, disks: readonly string[], skipped: readonly string[]): string {
  const lines = ['<domaincheckpoint>', `  <name>${escapeText(name)}</name>`, '  <disks>'];
  for (const t of disks) lines.push(`    <disk name='${escapeAttribute(t)}' checkpoint='bitmap'/>`);
  for (const t of skipped) lines.push(`    <disk name='${escapeAttribute(t)}' checkpoint='no'/>`);
  lines.push('  </disks>', '</domaincheckpoint>');
  return `${lines.join('\n')}\n`;
}

/** The warnings every plan that touches checkpoints carries: what was measured on libvirt 9.0. */
export const CHECKPOINT_INTERACTIONS: readonly string[] = [
  'With checkpoints, reverting to an internal snapshot fails on libvirt 9.0 (QEMU: "Device has active dirty bitmaps"), leaves the domain shut off (failed) and breaks the checkpoints: later incrementals are refused until a new full backup.',
  'External snapshots, block commit (active or not) and block pull keep the checkpoints usable on 9.0 (measured); a shut-off domain refuses external snapshots while checkpoints exist.',
];

export async function planBackupPush(host: Host, request: BackupPushRequest): Promise<FlowPlan<BackupPushContext>> {
  const now = request.now ?? new Date();
  const stamp = stampOf(now);
  const dir = resolve(request.to);
  const facts = await readPlannerDomain(host, request.domain);
  const warnings: string[] = [];
  let refusal: string | null = null;
  const refuse = (why: string) => {
    refusal ??= why;
  };
  if (!isLocalUri(host.uri) || host.uri.startsWith('test:')) refuse('the backup files are written and checked on this machine: it needs a local qemu:// URI');
  if (facts.state === 'shutoff') refuse(`${request.domain} is shut off: libvirt's backup job needs a running domain ("cannot perform disk backup for inactive domain")`);

  const chosen = chooseBackupDisks(facts, request.disks, refuse);
  for (const d of chosen) if (d.format !== 'qcow2') refuse(`${d.target} is ${d.format ?? 'of unknown format'}: checkpoints need qcow2 images (persistent dirty bitmaps)`);
  const skipped = facts.disks.filter((d) => !chosen.some((c) => c.target === d.target)).map((d) => d.target);

  const checkpoints = refusal === null ? parseNameList((await host.run(virshCommands.checkpointNames(request.domain))).stdout) : [];
  let since: string | null = null;
  if (request.incremental) {
    const manifest = existsSync(dir) ? readManifest(dir) : null;
    since = request.since ?? [...(manifest?.backups ?? [])].reverse().find((b) => b.checkpoint !== null)?.checkpoint ?? null;
    if (since === null) refuse(`--incremental: ${dir} holds no backup with a checkpoint; start with a full one (--method push)`);
    else if (!checkpoints.includes(since)) refuse(`--incremental: ${request.domain} has no checkpoint ${since} (checkpoints: ${checkpoints.join(', ') || 'none'})`);
    else if (manifest && manifest.backups.at(-1)?.checkpoint !== since) {
      warnings.push(`${since} is not the newest backup in ${dir}: restore-backup stacks incrementals in manifest order, so this one only restores on top of ${since}'s backup.`);
    }
    if (manifest && manifest.domain !== request.domain) refuse(`${dir} holds backups of ${manifest.domain}, not ${request.domain}`);
  }
  const checkpoint = `virtsnap-${stamp}`;
  const kind = request.incremental ? 'incremental' : 'full';

  const disks: BackupPushDisk[] = [];
  for (const d of chosen) {
    const file = join(dir, `${d.target}.${kind}.${checkpoint}.qcow2`);
    if (existsSync(file)) refuse(`${file} exists`);
    const virtualSize = refusal === null ? (await imageFacts(d.source!)).virtualSize : 0;
    disks.push({ target: d.target, source: d.source!, file, virtualSize });
  }

  let freeze = false;
  let agentNote = 'file systems are not frozen (--no-quiesce): the backup is crash-consistent';
  if (request.quiesce !== 'off' && refusal === null) {
    const probe = await probeGuestAgent(host, request.domain, facts.guestAgent);
    agentNote = probe.message;
    if (probe.answers) freeze = true;
    else if (request.quiesce === 'require') refuse(`--quiesce: ${probe.message}`);
    else {
      agentNote = `${probe.message}; going on without a freeze: the backup is crash-consistent`;
      warnings.push(`No freeze: ${agentNote}.`);
    }
  }
  if ((facts.snapshotNames ?? []).length > 0 || checkpoints.length > 0) warnings.push(...CHECKPOINT_INTERACTIONS);

  const scratch = join(dir, '.virtsnap');
  const params: BackupPushParams = {
    domain: request.domain,
    dir,
    kind,
    since,
    checkpoint,
    disks,
    skipped,
    freeze,
    agentNote,
    backupXml: '',
    checkpointXml: checkpointXmlOf(checkpoint, disks.map((d) => d.target), skipped),
    backupXmlFile: join(scratch, `backup.${checkpoint}.xml`),
    checkpointXmlFile: join(scratch, `checkpoint.${checkpoint}.xml`),
    domainXmlFile: join(dir, `domain.${checkpoint}.xml`),
    time: now.toISOString(),
    timeoutMs: copyTimeoutMs(disks.reduce((s, d) => s + d.virtualSize, 0)),
    refusal,
    warnings,
  };
  params.backupXml = backupXmlOf(params);
  return backupPushPlan(host, params);
}

const JOB_ENDED = new Set(['None', 'Completed', 'Failed', 'Cancelled']);

async function jobInfo(host: Host, domain: string, completed = false): Promise<DomJobInfo> {
  return parseDomjobinfo((await host.run(virshCommands.domainJobInfo(domain, completed))).stdout);
}

async function checkpointListed(host: Host, domain: string, name: string): Promise<boolean> {
  return parseNameList((await host.run(virshCommands.checkpointNames(domain))).stdout).includes(name);
}

/** Follows the backup job until it ends, within timeoutMs; aborts it when the signal fires. */
async function waitForBackup(ctx: BackupPushContext, params: BackupPushParams): Promise<void> {
  const deadline = Date.now() + params.timeoutMs;
  for (;;) {
    const info = await jobInfo(ctx.host, params.domain);
    if (info.jobType === 'None' || JOB_ENDED.has(info.jobType)) break;
    ctx.onJobProgress?.(info);
    if (ctx.signal?.aborted) {
      await ctx.host.run(virshCommands.domainJobAbort(params.domain));
      throw new Error('interrupted: the backup job was aborted (domjobabort)');
    }
    if (Date.now() > deadline) {
      await ctx.host.run(virshCommands.domainJobAbort(params.domain));
      throw new Error(`the backup job did not finish within ${Math.round(params.timeoutMs / 1000)} s and was aborted`);
    }
    await new Promise((r) => setTimeout(r, ctx.pollIntervalMs));
  }
  const done = await jobInfo(ctx.host, params.domain, true);
  if (done.jobType !== 'Completed' || done.operation !== 'Backup') {
    throw new Error(`the backup job ended ${done.jobType}${done.operation ? ` (${done.operation})` : ''}${done.errorMessage ? `: ${done.errorMessage}` : ''}`);
  }
}

export function backupPushPlan(host: Host, params: BackupPushParams): FlowPlan<BackupPushContext> {
  const { domain } = params;
  const files = params.disks.map((d) => d.file);
  const rm = (list: string[]): PlannedCommand => ({ program: 'rm', args: ['-f', ...list], mutates: true });
  const begin = virshCommands.backupBegin(domain, params.backupXmlFile, params.checkpointXmlFile);
  const entryId = params.checkpoint;

  const steps: StepDefinition<BackupPushContext>[] = [
    {
      id: 'write-xml',
      title: `write the backup and checkpoint XML, and ${domain}'s definition (dumpxml --inactive) to ${params.dir}`,
      commands: [plannedVirsh(virshCommands.domainXml(domain, true))],
      creates: [params.backupXmlFile, params.checkpointXmlFile, params.domainXmlFile],
      run: async (ctx) => {
        mkdirSync(join(params.dir, '.virtsnap'), { recursive: true });
        writeFileSync(params.backupXmlFile, params.backupXml);
        writeFileSync(params.checkpointXmlFile, params.checkpointXml);
        writeFileSync(params.domainXmlFile, await ctx.host.domainXml(domain, { inactive: true }));
      },
      check: async () => ([params.backupXmlFile, params.checkpointXmlFile, params.domainXmlFile].every((f) => existsSync(f)) ? null : 'the XML files are missing'),
      undo: {
        title: 'remove the XML files',
        commands: [rm([params.backupXmlFile, params.checkpointXmlFile, params.domainXmlFile])],
        run: async () => {
          for (const f of [params.backupXmlFile, params.checkpointXmlFile, params.domainXmlFile]) rmSync(f, { force: true });
        },
      },
    },
    freezeStep<BackupPushContext>(domain, !params.freeze),
    {
      id: 'backup-begin',
      title:
        params.kind === 'full'
          ? `start a full backup job of ${params.disks.map((d) => d.target).join(', ')} and checkpoint ${params.checkpoint}`
          : `start an incremental backup job (changes since ${params.since ?? '?'}) and checkpoint ${params.checkpoint}`,
      commands: [plannedVirsh(begin)],
      creates: files,
      leavesState: `a backup job runs on ${domain}, writing ${files.join(', ')}; checkpoint ${params.checkpoint} exists`,
      run: async (ctx) => {
        await ctx.host.run(begin);
      },
      // libvirt creates the checkpoint when the job starts.
      check: async (ctx) => ((await checkpointListed(ctx.host, domain, params.checkpoint)) ? null : `no checkpoint ${params.checkpoint}`),
      undo: {
        title: `abort the job if it still runs, delete checkpoint ${params.checkpoint} and the target files`,
        commands: [plannedVirsh(virshCommands.domainJobAbort(domain)), plannedVirsh(virshCommands.deleteCheckpoint(domain, params.checkpoint)), rm(files)],
        run: async (ctx, journal) => {
          const info = await jobInfo(ctx.host, domain);
          if (!JOB_ENDED.has(info.jobType)) await ctx.host.run(virshCommands.domainJobAbort(domain));
          if (await checkpointListed(ctx.host, domain, params.checkpoint)) await ctx.host.run(virshCommands.deleteCheckpoint(domain, params.checkpoint));
          else journal.note(`checkpoint ${params.checkpoint} is already gone`);
          for (const f of files) rmSync(f, { force: true });
        },
      },
    },
    thawStep<BackupPushContext>(domain, !params.freeze),
    {
      id: 'wait',
      title: `follow the backup job until it completes (domjobinfo; up to ${Math.round(params.timeoutMs / 1000)} s, then domjobabort)`,
      commands: [plannedVirsh(virshCommands.domainJobInfo(domain)), plannedVirsh(virshCommands.domainJobInfo(domain, true))],
      run: (ctx) => waitForBackup(ctx, params),
      check: async (ctx) => {
        const info = await jobInfo(ctx.host, domain);
        if (!JOB_ENDED.has(info.jobType)) return 'the backup job still runs';
        const missing = files.filter((f) => !existsSync(f));
        return missing.length === 0 ? null : `${missing.join(', ')} missing`;
      },
    },
    {
      id: 'verify',
      title: 'check each backup file (qemu-img check)',
      commands: files.map((f) => ({ program: 'qemu-img', args: ['check', '-U', f], mutates: false })),
      run: async (ctx, journal) => {
        for (const f of files) {
          // -U: an incremental names the live disk as its backing file, which QEMU holds locked.
          await runQemuImg(['check', '-U', f], { timeoutMs: params.timeoutMs });
          journal.note(`${basename(f)}: ${(await imageFacts(f)).actualSize} bytes`);
        }
      },
    },
    {
      id: 'manifest',
      title: `record the backup in ${join(params.dir, 'virtsnap-backup.json')}`,
      run: async () => {
        const entry: ManifestEntry = {
          id: entryId,
          kind: params.kind,
          method: 'push',
          checkpoint: params.checkpoint,
          since: params.since,
          time: params.time,
          disks: await Promise.all(
            params.disks.map(async (d) => ({
              target: d.target,
              file: basename(d.file),
              format: 'qcow2',
              source: d.source,
              virtualSize: d.virtualSize,
              actualSize: (await imageFacts(d.file)).actualSize,
            })),
          ),
          domainXml: basename(params.domainXmlFile),
          quiesced: params.freeze,
        };
        addManifestEntry(params.dir, { domain, uri: host.uri }, entry);
        rmSync(params.backupXmlFile, { force: true });
        rmSync(params.checkpointXmlFile, { force: true });
      },
      check: async () => (hasManifestEntry(params.dir, entryId) ? null : 'the manifest has no entry for this backup'),
      undo: { title: 'remove the entry from the manifest', run: async () => removeManifestEntry(params.dir, entryId) },
    },
  ];

  return {
    kind: 'backup-push',
    title: `${params.kind === 'full' ? 'Full' : 'Incremental'} backup of ${domain} (${params.disks.map((d) => d.target).join(', ')}) to ${params.dir}`,
    uri: host.uri,
    domain,
    params,
    machine: new StepMachine<BackupPushContext>('backup-push', steps),
    context: { host, pollIntervalMs: 250 },
    ...planDefaults(),
    consequences: [
      params.kind === 'full'
        ? `a full copy of each disk in ${params.dir}, and a new checkpoint ${params.checkpoint} (QEMU tracks later writes in a dirty bitmap in each qcow2 image)`
        : `only the clusters written since ${params.since ?? '?'} in ${params.dir}, and a new checkpoint ${params.checkpoint}`,
      'the backup is consistent as of the moment the job starts; the guest keeps running',
      params.agentNote,
      ...(params.skipped.length > 0 ? [`not backed up: ${params.skipped.join(', ')}`] : []),
    ],
    downtime: 'none: the guest keeps running (QEMU copies each cluster before the guest overwrites it)',
    warnings: params.warnings,
    confirmation: { kind: 'choice' },
    refusal: params.refusal,
  };
}
