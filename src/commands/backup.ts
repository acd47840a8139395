// `virtsnap backup DOMAIN --to DIR`: a backup through a temporary snapshot (default), or through
// libvirt's backup job with checkpoints (--method push: full; --incremental: changes since a
// checkpoint). Both run through the one flow runner (--dry-run, --yes, --json) and are journaled:
// an interrupted backup is finished or rolled back with `virtsnap resume`.

import type { Host } from '../engine/host.js';
import type { FlowPlan } from '../engine/flows/flow-plan.js';
import { planBackupSnapshot, type BackupFormat, type BackupSnapshotContext, type BackupSnapshotParams, type QuiesceMode } from '../engine/flows/backup-snapshot.js';
import { planBackupPush, type BackupPushContext, type BackupPushParams } from '../engine/flows/backup-push.js';
import { formatBytes } from '../format/bytes.js';
import { parseBandwidth } from './job-options.js';
import type { CliIo } from './context.js';
import { UsageError } from './errors.js';
import { runPlanFromCli, type FlowFlags } from './flow-cli.js';

export interface BackupFlags extends FlowFlags {
  to?: string;
  disks?: string;
  /** commander: true for --quiesce, false for --no-quiesce, undefined for neither. */
  quiesce?: boolean;
  format?: string;
  method?: string;
  incremental?: boolean;
  since?: string;
  bandwidth?: string;
}

function quiesceMode(flags: BackupFlags): QuiesceMode {
  return flags.quiesce === true ? 'require' : flags.quiesce === false ? 'off' : 'auto';
}

export async function backupCommand(host: Host, domain: string, flags: BackupFlags, io: CliIo): Promise<void> {
  if (!flags.to) throw new UsageError('--to DIR is required');
  const method = flags.incremental ? 'push' : (flags.method ?? 'snapshot');
  if (method !== 'snapshot' && method !== 'push') throw new UsageError(`--method is snapshot or push, not ${method}`);
  if (flags.since && !flags.incremental) throw new UsageError('--since goes with --incremental');
  const format = flags.format ?? 'qcow2';
  if (format !== 'qcow2' && format !== 'raw') throw new UsageError(`--format is qcow2 or raw, not ${format}`);
  if (method === 'push' && format !== 'qcow2') throw new UsageError('libvirt writes backup job targets as qcow2: --format raw needs --method snapshot');
  const disks = flags.disks ? flags.disks.split(',').map((d) => d.trim()).filter(Boolean) : undefined;
  const bandwidthMiB = parseBandwidth(flags.bandwidth);
  if (bandwidthMiB !== undefined && method !== 'snapshot') throw new UsageError('--bandwidth limits the merge back of the temporary-snapshot method: libvirt\'s backup job has no rate limit');

  if (method === 'snapshot') {
    const plan = await planBackupSnapshot(host, { domain, to: flags.to, disks, quiesce: quiesceMode(flags), format: format as BackupFormat, bandwidthMiB });
    const params = plan.params as BackupSnapshotParams;
    let last = '';
    plan.context.onCopyProgress = (disk, percent) => {
      const line = `copy ${disk}: ${Math.floor(percent)} %`;
      if (!flags.json && io.isTty && line !== last) io.stderr(`\r${line}   `);
      last = line;
    };
    await runPlanFromCli(plan as FlowPlan, {
      io,
      host,
      flags,
      describeDone: (outcome) => {
        const ctx = plan.context as BackupSnapshotContext;
        return (
          `${io.isTty && !flags.json ? '\n' : ''}Backed up ${domain} to ${params.dir} (flow ${outcome.flowId}):\n` +
          params.disks.map((d) => `  ${d.target}: ${d.backupFile} (${ctx.verified[d.target] ?? 'verified'})\n`).join('') +
          `  definition: ${params.domainXmlFile}\n${domain} runs on its own files again.\n`
        );
      },
      resultExtra: () => ({ dir: params.dir, files: params.disks.map((d) => d.backupFile), quiesced: params.freeze }),
    });
    return;
  }

  const plan = await planBackupPush(host, { domain, to: flags.to, incremental: Boolean(flags.incremental), since: flags.since, disks, quiesce: quiesceMode(flags) });
  const params = plan.params as BackupPushParams;
  (plan.context as BackupPushContext).onJobProgress = (info) => {
    if (flags.json || !io.isTty) return;
    const total = Number(info.fields['File total'] ?? info.dataTotalBytes ?? 0);
    const done = Number(info.fields['File processed'] ?? info.dataProcessedBytes ?? 0);
    if (total > 0) io.stderr(`\rbackup job: ${formatBytes(done)} of ${formatBytes(total)}   `);
  };
  await runPlanFromCli(plan as FlowPlan, {
    io,
    host,
    flags,
    describeDone: (outcome) =>
      `${params.kind === 'full' ? 'Full' : 'Incremental'} backup of ${domain} in ${params.dir}, checkpoint ${params.checkpoint} (flow ${outcome.flowId}):\n` +
      params.disks.map((d) => `  ${d.target}: ${d.file}\n`).join(''),
    resultExtra: () => ({ dir: params.dir, kind: params.kind, checkpoint: params.checkpoint, since: params.since, files: params.disks.map((d) => d.file) }),
  });
}
